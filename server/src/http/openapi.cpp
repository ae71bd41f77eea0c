#include "http/api_router.hpp"

#include "labelloop/version.hpp"

#include <regex>

namespace labelloop::http {

namespace {

json object_schema(std::initializer_list<std::pair<const char*, json>> properties,
                   std::initializer_list<const char*> required = {}) {
    json props = json::object();
    for (const auto& [name, schema] : properties) {
        props[name] = schema;
    }
    json out = {{"type", "object"}, {"properties", props}};
    if (required.size() > 0) {
        out["required"] = json::array();
        for (const char* r : required) {
            out["required"].push_back(r);
        }
    }
    return out;
}

/// Request bodies of the POST routes, by path.
json request_schema(const std::string& path) {
    const json str = {{"type", "string"}};
    const json num = {{"type", "number"}};
    const json integer = {{"type", "integer"}};
    const json boolean = {{"type", "boolean"}};
    const json ids = {{"type", "array"}, {"items", str}};
    const json source = {{"type", "string"},
                         {"enum", {"experimental", "literature", "expert_estimate"}}};
    const json confidence = {{"type", "string"}, {"enum", {"high", "medium", "low"}}};
    const auto ends_with = [&](const std::string& suffix) {
        return path.size() >= suffix.size() &&
               path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends_with("/label")) {
        return object_schema({{"label", num},
                              {"source", source},
                              {"confidence", confidence},
                              {"notes", str},
                              {"version", integer}},
                             {"label"});
    }
    if (ends_with("/skip")) {
        return object_schema({{"notes", str}});
    }
    if (ends_with("/assign")) {
        return object_schema({{"user_id", {{"type", "string"}, {"nullable", true}}}}, {"user_id"});
    }
    if (ends_with("/bulk-assign")) {
        return object_schema({{"item_ids", ids}, {"user_id", str}}, {"item_ids", "user_id"});
    }
    if (ends_with("/bulk-skip")) {
        return object_schema({{"item_ids", ids}}, {"item_ids"});
    }
    if (ends_with("/select")) {
        const json pool = object_schema(
            {{"kind", {{"type", "string"}, {"enum", {"unlabeled", "dataset", "compounds"}}}},
             {"dataset", str},
             {"compound_ids", ids},
             {"smiles", ids}});
        return object_schema(
            {{"model_id", str},
             {"strategy",
              {{"type", "string"},
               {"enum", {"uncertainty", "margin", "entropy", "random", "hybrid"}}}},
             {"batch_size", integer},
             {"pool", pool},
             {"threshold", num},
             {"weights",
              object_schema({{"uncertainty", num}, {"margin", num}, {"applicability", num}})},
             {"diversity", json::object()},
             {"exclude_labeled", boolean},
             {"seed", integer},
             {"preview", boolean}},
            {"model_id"});
    }
    if (ends_with("/retrain")) {
        return object_schema({{"min_new_labels", integer}});
    }
    if (ends_with("/compounds/import")) {
        return object_schema({{"format", {{"type", "string"}, {"enum", {"csv", "sdf"}}}},
                              {"content", str},
                              {"smiles_column", str},
                              {"id_column", str},
                              {"label_column", str},
                              {"property", str},
                              {"dataset", str},
                              {"source", source},
                              {"confidence", confidence}},
                             {"content"});
    }
    if (ends_with("/models")) {
        return object_schema(
            {{"name", str},
             {"property", str},
             {"task", {{"type", "string"}, {"enum", {"regression", "classification"}}}},
             {"dataset", str},
             {"split", {{"type", "string"}, {"enum", {"random", "scaffold"}}}},
             {"validation_fraction", num},
             {"seed", integer},
             {"params", {{"type", "object"}}}},
            {"name", "property"});
    }
    if (ends_with("/users")) {
        return object_schema(
            {{"name", str}, {"role", {{"type", "string"}, {"enum", {"admin", "scientist"}}}}},
            {"name", "role"});
    }
    if (ends_with("/tokens")) {
        return object_schema({{"label", str}});
    }
    return {{"type", "object"}};
}

json components() {
    json error;
    error["type"] = "object";
    error["properties"]["error"]["type"] = "object";
    error["properties"]["error"]["properties"] = {{"code", {{"type", "string"}}},
                                                  {"message", {{"type", "string"}}},
                                                  {"details", {{"type", "object"}}}};
    json out;
    out["securitySchemes"]["bearer"] = {{"type", "http"}, {"scheme", "bearer"}};
    out["schemas"]["Error"] = error;
    return out;
}

} // namespace

json openapi_document(const std::vector<RouteDoc>& routes) {
    json paths = json::object();
    const json error_schema = {{"$ref", "#/components/schemas/Error"}};
    for (const auto& r : routes) {
        json op;
        op["summary"] = r.summary;
        json params = json::array();
        static const std::regex param(R"(\{([a-z_]+)\})");
        for (auto it = std::sregex_iterator(r.path.begin(), r.path.end(), param);
             it != std::sregex_iterator(); ++it) {
            params.push_back({{"name", (*it)[1].str()},
                              {"in", "path"},
                              {"required", true},
                              {"schema", {{"type", "string"}}}});
        }
        for (const auto& q : r.query) {
            params.push_back({{"name", q},
                              {"in", "query"},
                              {"required", false},
                              {"schema", {{"type", "string"}}}});
        }
        if (!params.empty()) {
            op["parameters"] = params;
        }
        if (r.access != Access::Public) {
            op["security"] = json::array({{{"bearer", json::array()}}});
        }
        if (r.method == "post" || r.method == "put") {
            op["requestBody"] = {
                {"required", false},
                {"content", {{"application/json", {{"schema", request_schema(r.path)}}}}}};
        }
        json responses;
        responses[std::to_string(r.success_status)] = {
            {"description", "success"}, {"content", {{r.response, {{"schema", json::object()}}}}}};
        const auto err = [&](int status, const char* what) {
            responses[std::to_string(status)] = {
                {"description", what},
                {"content", {{"application/json", {{"schema", error_schema}}}}}};
        };
        err(400, "malformed request");
        if (r.access != Access::Public) {
            err(401, "no or invalid token");
            err(403, "not allowed for this user");
        }
        err(404, "unknown id");
        if (r.method != "get") {
            err(409, "the current state does not allow this");
            err(413, "request body too large");
            err(422, "invalid value");
        }
        op["responses"] = responses;
        if (r.access == Access::Admin) {
            op["x-labelloop-role"] = "admin";
        }
        paths[r.path][r.method] = op;
    }
    return {
        {"openapi", "3.0.3"},
        {"info",
         {{"title", "LabelLoop API"},
          {"version", kProductVersion},
          {"description", "Human-in-the-loop active learning for molecular property models. Every "
                          "endpoint except /api/v1/health and /api/v1/openapi.json needs "
                          "'Authorization: Bearer <token>'. Errors are {\"error\": {code, message, "
                          "details}}; ids are UUID strings, timestamps ISO-8601 UTC."}}},
        {"servers", json::array({{{"url", "/"}}})},
        {"paths", paths},
        {"components", components()}};
}

} // namespace labelloop::http
