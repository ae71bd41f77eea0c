#include "service/select_request.hpp"

#include "service/errors.hpp"

namespace labelloop::service {
namespace {

using json = nlohmann::json;

[[noreturn]] void mistyped(const std::string& field, const char* what) {
    fail(ErrorKind::BadRequest, "Field '" + field + "' must be " + what + ".", {{"field", field}});
}

bool present(const json& j, const char* name) {
    return j.contains(name) && !j.at(name).is_null();
}

std::vector<std::string> strings(const json& j, const char* name, const std::string& path) {
    if (!j.at(name).is_array()) {
        mistyped(path, "an array of strings");
    }
    std::vector<std::string> out;
    for (const auto& v : j.at(name)) {
        if (!v.is_string()) {
            mistyped(path, "an array of strings");
        }
        out.push_back(v.get<std::string>());
    }
    return out;
}

} // namespace

SelectRequest parse_select_request(const json& body) {
    if (!body.is_object()) {
        fail(ErrorKind::BadRequest, "A selection request must be a JSON object.");
    }
    SelectRequest req;
    if (!present(body, "model_id") || !body.at("model_id").is_string()) {
        fail(ErrorKind::BadRequest, "The request needs the string field 'model_id'.",
             {{"field", "model_id"}});
    }
    req.model_id = body.at("model_id").get<std::string>();
    if (present(body, "strategy")) {
        if (!body.at("strategy").is_string()) {
            mistyped("strategy", "a string");
        }
        req.strategy = body.at("strategy").get<std::string>();
    }
    if (present(body, "batch_size")) {
        if (!body.at("batch_size").is_number_integer()) {
            mistyped("batch_size", "an integer");
        }
        req.batch_size = body.at("batch_size").get<std::int64_t>();
    }
    if (present(body, "pool")) {
        const json& pool = body.at("pool");
        if (!pool.is_object()) {
            mistyped("pool", "an object");
        }
        if (present(pool, "kind")) {
            if (!pool.at("kind").is_string()) {
                mistyped("pool.kind", "a string");
            }
            req.pool.kind = pool.at("kind").get<std::string>();
        }
        if (present(pool, "dataset")) {
            if (!pool.at("dataset").is_string()) {
                mistyped("pool.dataset", "a string");
            }
            req.pool.dataset = pool.at("dataset").get<std::string>();
        }
        if (present(pool, "compound_ids")) {
            req.pool.compound_ids = strings(pool, "compound_ids", "pool.compound_ids");
        }
        if (present(pool, "smiles")) {
            req.pool.smiles = strings(pool, "smiles", "pool.smiles");
        }
    }
    if (present(body, "threshold")) {
        if (!body.at("threshold").is_number()) {
            mistyped("threshold", "a number");
        }
        req.threshold = body.at("threshold").get<double>();
    }
    if (present(body, "beta")) {
        if (!body.at("beta").is_number()) {
            mistyped("beta", "a number");
        }
        req.beta = body.at("beta").get<double>(); // range checked by select_samples (422)
    }
    if (present(body, "weights")) {
        const json& w = body.at("weights");
        if (!w.is_object()) {
            mistyped("weights", "an object {uncertainty, margin, applicability}");
        }
        for (const auto& [name, v] : w.items()) {
            if (name != "uncertainty" && name != "margin" && name != "applicability") {
                fail(ErrorKind::InvalidValue,
                     "Unknown field 'weights." + name +
                         "': use uncertainty, margin or applicability.",
                     {{"field", "weights." + name}});
            }
            if (!v.is_number()) {
                mistyped("weights." + name, "a number");
            }
        }
        req.weights = w;
    }
    if (present(body, "diversity")) {
        const json& d = body.at("diversity");
        if (d.is_object()) {
            for (const auto& [name, v] : d.items()) {
                const std::string field = "diversity." + name;
                if (name == "kind") {
                    if (!v.is_string()) {
                        mistyped(field, "a string");
                    }
                } else if (name == "cap") {
                    if (!v.is_number()) {
                        mistyped(field, "a number");
                    }
                } else if (name == "pool") {
                    if (!v.is_number_unsigned()) {
                        mistyped(field, "a non-negative integer");
                    }
                } else {
                    fail(ErrorKind::InvalidValue,
                         "Unknown field '" + field + "': use kind, cap or pool.",
                         {{"field", field}});
                }
            }
        } else if (!d.is_string()) {
            mistyped("diversity", "a string or an object {kind, cap, pool}");
        }
        req.diversity = d;
    }
    if (present(body, "exclude_labeled")) {
        if (!body.at("exclude_labeled").is_boolean()) {
            mistyped("exclude_labeled", "true or false");
        }
        req.exclude_labeled = body.at("exclude_labeled").get<bool>();
    }
    if (present(body, "seed")) {
        if (!body.at("seed").is_number_integer()) {
            mistyped("seed", "an integer");
        }
        req.seed = body.at("seed").get<std::uint64_t>();
    }
    if (present(body, "preview")) {
        if (!body.at("preview").is_boolean()) {
            mistyped("preview", "true or false");
        }
        req.preview = body.at("preview").get<bool>();
    }
    return req;
}

} // namespace labelloop::service
