#include "http/api_router.hpp"

#include "labelloop/version.hpp"

#include <regex>

namespace labelloop::http {

namespace {

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
                {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
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
