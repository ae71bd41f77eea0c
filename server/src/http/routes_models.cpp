// /api/v1/models: the model registry, versions, artifacts for the browser, training sets.
#include "http/api_router.hpp"
#include "labelloop/base64.hpp"

namespace labelloop::http {

void add_model_routes(ApiRouter& router, service::Services& s) {
    auto& models = s.models;

    router.add(
        {"get", "/api/v1/models", "Every model version, newest first", Access::User},
        [&models](const ApiRequest&, httplib::Response& res) {
            json list = json::array();
            for (const auto& m : models.list_models()) {
                list.push_back(service::to_json(m));
            }
            send_json(res, 200, {{"models", list}});
        },
        s);

    router.add(
        {"post",
         "/api/v1/models",
         "Create a model from imported labels: {name, property, task, dataset?, split: "
         "random|scaffold, validation_fraction?, seed?, params?, objective?} (admin)",
         Access::Admin,
         {},
         "application/json",
         201},
        [&models](const ApiRequest& r, httplib::Response& res) {
            const json body = r.body();
            service::CreateModelRequest req;
            req.name = require_string(body, "name");
            req.property = require_string(body, "property");
            req.task = optional_string(body, "task").value_or("regression");
            req.dataset = optional_string(body, "dataset");
            req.split = optional_string(body, "split").value_or("random");
            req.validation_fraction = optional_number(body, "validation_fraction").value_or(0.2);
            req.seed = static_cast<std::uint64_t>(optional_int(body, "seed").value_or(42));
            if (body.contains("params") && !body.at("params").is_null()) {
                if (!body.at("params").is_object()) {
                    service::fail(service::ErrorKind::BadRequest,
                                  "Field 'params' must be an object of model parameters.",
                                  {{"field", "params"}});
                }
                req.params = body.at("params");
            }
            if (body.contains("objective")) {
                req.objective = service::parse_objective(body.at("objective"));
            }
            send_json(res, 201, service::to_json(models.create_model(&r.caller, req)));
        },
        s);

    router.add(
        {"get", "/api/v1/models/{model_id}", "One model version", Access::User},
        [&models](const ApiRequest& r, httplib::Response& res) {
            send_json(res, 200, service::to_json(models.get_model(r.params.at(0))));
        },
        s);

    router.add(
        {"get", "/api/v1/models/{model_id}/versions",
         "Every version of the model's lineage, oldest first", Access::User},
        [&models](const ApiRequest& r, httplib::Response& res) {
            json list = json::array();
            for (const auto& m : models.versions(r.params.at(0))) {
                list.push_back(service::to_json(m));
            }
            send_json(res, 200, {{"versions", list}});
        },
        s);

    router.add(
        {"get",
         "/api/v1/models/{model_id}/artifact",
         "The model artifact bytes (core model format) for the browser",
         Access::User,
         {},
         "application/octet-stream"},
        [&models](const ApiRequest& r, httplib::Response& res) {
            const auto bytes = models.artifact(r.params.at(0));
            res.status = 200;
            res.set_header("Cache-Control", "no-store");
            res.set_header("Content-Disposition",
                           "attachment; filename=\"" + r.params.at(0) + ".llmodel\"");
            res.set_content(std::string(bytes.begin(), bytes.end()), "application/octet-stream");
        },
        s);

    router.add(
        {"get", "/api/v1/models/{model_id}/training-set",
         "Training and validation compounds of this version with labels and features "
         "(base64 of encode_features)",
         Access::User},
        [&models](const ApiRequest& r, httplib::Response& res) {
            json list = json::array();
            for (const auto& c : models.training_set(r.params.at(0))) {
                list.push_back({{"compound_id", c.compound_id},
                                {"smiles", c.smiles},
                                {"name", c.name ? json(*c.name) : json(nullptr)},
                                {"label", c.label},
                                {"label_source", c.source},
                                {"label_confidence", c.confidence},
                                {"set", c.role},
                                {"added_version", c.added_version},
                                {"features", labelloop::base64_encode(c.features)}});
            }
            send_json(res, 200, {{"model_id", r.params.at(0)}, {"compounds", list}});
        },
        s);
}

} // namespace labelloop::http
