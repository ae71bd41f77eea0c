// /api/v1/compounds and /api/v1/export: import, lookup, similarity, the pool, CSV/SDF export.
#include "http/api_router.hpp"
#include "labelloop/base64.hpp"

namespace labelloop::http {
namespace {

json compound_json(const domain::Compound& c, bool with_features) {
    json j = {{"id", c.id},
              {"smiles", c.smiles},
              {"inchikey", c.inchikey},
              {"name", c.name ? json(*c.name) : json(nullptr)},
              {"external_id", c.external_id ? json(*c.external_id) : json(nullptr)},
              {"scaffold", c.scaffold},
              {"properties", json::parse(c.properties_json, nullptr, false)},
              {"created_at", c.created_at}};
    if (with_features) {
        j["features"] = labelloop::base64_encode(c.features);
    }
    return j;
}

/// Imports carry a whole file in `content`: 32 MB, the file itself exempt from string limits.
const BodyLimits& import_limits() {
    static const BodyLimits limits = [] {
        BodyLimits l = default_body_limits();
        l.max_bytes = 32u << 20;
        l.strings["content"] = l.max_bytes;
        return l;
    }();
    return limits;
}

} // namespace

void add_compound_routes(ApiRouter& router, service::Services& s) {
    auto& compounds = s.compounds;

    router.add(
        {"get",
         "/api/v1/compounds",
         "Compounds with features (base64); unlabeled_for_model gives a model's pool, "
         "dataset the compounds of a named dataset; graphs=1 adds each molecule graph to its "
         "features (for message-passing models; a compound without one has graph_error)",
         Access::User,
         {"unlabeled_for_model", "dataset", "limit", "offset", "graphs"}},
        [&compounds](const ApiRequest& r, httplib::Response& res) {
            const auto limit = r.query_int("limit", 500);
            const auto offset = r.query_int("offset", 0);
            std::int64_t total = 0;
            json list = json::array();
            const auto dataset = r.query("dataset");
            auto page = dataset
                            ? compounds.list_dataset(*dataset, limit, offset, &total)
                            : compounds.list(r.query("unlabeled_for_model"), limit, offset, &total);
            const auto graphs = r.query("graphs");
            if (graphs && *graphs != "0" && *graphs != "1") {
                throw service::ServiceError(service::ErrorKind::InvalidValue,
                                            "graphs must be 0 or 1, got '" + *graphs + "'.",
                                            {{"field", "graphs"}});
            }
            const auto refused = graphs && *graphs == "1" ? compounds.attach_graphs(page)
                                                          : std::vector<std::string>{};
            for (std::size_t i = 0; i < page.size(); ++i) {
                json j = compound_json(page[i], true);
                if (i < refused.size() && !refused[i].empty()) {
                    j["graph_error"] = refused[i];
                }
                list.push_back(std::move(j));
            }
            send_json(
                res, 200,
                {{"compounds", list}, {"total", total}, {"limit", limit}, {"offset", offset}});
        },
        s);

    router.add(
        {"post", "/api/v1/compounds/import",
         "Import CSV or SDF text: {format, content, smiles_column, id_column?, "
         "name_column?, label_column?, property?, dataset?, source?, confidence?} (admin)",
         Access::Admin},
        [&compounds](const ApiRequest& r, httplib::Response& res) {
            const json body = r.body(import_limits());
            service::ImportRequest req;
            req.format = optional_string(body, "format").value_or("csv");
            req.content = require_string(body, "content");
            req.smiles_column = optional_string(body, "smiles_column").value_or("smiles");
            req.id_column = optional_string(body, "id_column");
            req.name_column = optional_string(body, "name_column");
            req.label_column = optional_string(body, "label_column");
            req.property = optional_string(body, "property");
            req.dataset = optional_string(body, "dataset");
            req.source = optional_string(body, "source").value_or("experimental");
            req.confidence = optional_string(body, "confidence").value_or("high");
            const auto result = compounds.import(&r.caller, req);
            json errors = json::array();
            for (const auto& e : result.errors) {
                errors.push_back({{"row", e.row}, {"reason", e.reason}});
            }
            send_json(res, 200,
                      {{"rows", result.rows},
                       {"imported", result.imported},
                       {"duplicates", result.duplicates},
                       {"labels", result.labels},
                       {"errors", errors},
                       {"compound_ids", result.compound_ids}});
        },
        s);

    router.add(
        {"get", "/api/v1/compounds/{compound_id}", "One compound with features", Access::User},
        [&compounds](const ApiRequest& r, httplib::Response& res) {
            send_json(res, 200, compound_json(compounds.get(r.params.at(0)), true));
        },
        s);

    router.add(
        {"get",
         "/api/v1/compounds/{compound_id}/similar",
         "The k most similar compounds by Tanimoto on Morgan bits",
         Access::User,
         {"k"}},
        [&compounds](const ApiRequest& r, httplib::Response& res) {
            json list = json::array();
            for (const auto& sc : compounds.similar(r.params.at(0), r.query_int("k", 5))) {
                json j = compound_json(sc.compound, false);
                j["similarity"] = sc.similarity;
                list.push_back(j);
            }
            send_json(res, 200, {{"compound_id", r.params.at(0)}, {"similar", list}});
        },
        s);

    router.add(
        {"get",
         "/api/v1/export/queue.csv",
         "The queue of a model lineage as CSV",
         Access::User,
         {"model_id"},
         "text/csv"},
        [&compounds](const ApiRequest& r, httplib::Response& res) {
            const auto model_id = r.query("model_id");
            if (!model_id) {
                service::fail(service::ErrorKind::BadRequest,
                              "Query parameter 'model_id' is required.", {{"field", "model_id"}});
            }
            res.set_header("Cache-Control", "no-store");
            res.set_content(compounds.export_queue_csv(*model_id), "text/csv");
        },
        s);

    router.add(
        {"get",
         "/api/v1/export/labels.csv",
         "Every label of a model lineage (training, validation, queue) as CSV",
         Access::User,
         {"model_id"},
         "text/csv"},
        [&compounds](const ApiRequest& r, httplib::Response& res) {
            const auto model_id = r.query("model_id");
            if (!model_id) {
                service::fail(service::ErrorKind::BadRequest,
                              "Query parameter 'model_id' is required.", {{"field", "model_id"}});
            }
            res.set_header("Cache-Control", "no-store");
            res.set_content(compounds.export_labels_csv(*model_id), "text/csv");
        },
        s);

    router.add(
        {"get",
         "/api/v1/export/labels.sdf",
         "Every label of a model lineage as SDF",
         Access::User,
         {"model_id"},
         "chemical/x-mdl-sdfile"},
        [&compounds](const ApiRequest& r, httplib::Response& res) {
            const auto model_id = r.query("model_id");
            if (!model_id) {
                service::fail(service::ErrorKind::BadRequest,
                              "Query parameter 'model_id' is required.", {{"field", "model_id"}});
            }
            res.set_header("Cache-Control", "no-store");
            res.set_content(compounds.export_labels_sdf(*model_id), "chemical/x-mdl-sdfile");
        },
        s);
}

} // namespace labelloop::http
