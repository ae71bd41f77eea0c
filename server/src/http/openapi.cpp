#include "http/api_router.hpp"

#include "labelloop/version.hpp"
#include "service/model_engine.hpp"

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

const json kObjectiveRef = {{"$ref", "#/components/schemas/Objective"}};
const json kStrategyRef = {{"$ref", "#/components/schemas/Strategy"}};
const json kModelRef = {{"$ref", "#/components/schemas/Model"}};
const json kCycleRef = {{"$ref", "#/components/schemas/Cycle"}};

/// The selection strategies, from the core: the names as an enum, and what each is for.
json strategy_schema() {
    json names = json::array();
    json descriptions = json::object();
    std::string text = "Selection strategy. Discovery strategies need a model with an objective "
                       "(422 otherwise).";
    for (const auto& s : service::engine::strategies()) {
        names.push_back(s.name);
        descriptions[s.name] = s.description;
        text += "\n- " + s.name + ": " + s.description;
    }
    return {{"type", "string"},
            {"enum", names},
            {"default", "uncertainty"},
            {"description", text},
            {"x-enum-descriptions", descriptions}};
}

json objective_schema() {
    const json num = {{"type", "number"}};
    return {{"type", "object"},
            {"description",
             "What discovery strategies rank toward and what counts as a hit. maximize / "
             "minimize (regression; 'maximise' / 'minimise' accepted): a hit is a value >= / "
             "<= hit_threshold, which defaults at creation to the 90th / 10th percentile of the "
             "model's labelled values. window (regression): a hit is lo <= value <= hi. class "
             "(classification): a hit is the class sought. Members a kind does not use are "
             "refused (422 naming them)."},
            {"required", json::array({"kind"})},
            {"additionalProperties", false},
            {"properties",
             {{"kind",
               {{"type", "string"},
                {"enum", {"none", "maximize", "minimize", "window", "class"}},
                {"default", "none"}}},
              {"lo", num},
              {"hi", num},
              {"class", {{"type", "integer"}, {"enum", {0, 1}}}},
              {"hit_threshold", num}}}};
}

json model_schema() {
    const json str = {{"type", "string"}};
    const json integer = {{"type", "integer"}};
    return {
        {"type", "object"},
        {"properties",
         {{"id", str},
          {"name", str},
          {"property", str},
          {"task", {{"type", "string"}, {"enum", {"regression", "classification"}}}},
          {"version", integer},
          {"status", str},
          {"parent_id", {{"type", "string"}, {"nullable", true}}},
          {"lineage_id", str},
          {"metrics", {{"type", "object"}}},
          {"params", {{"type", "object"}}},
          {"n_train", integer},
          {"n_validation", integer},
          {"created_at", str},
          {"objective", kObjectiveRef},
          {"objective_text",
           {{"type", "string"},
            {"description", "The objective in words: 'window [1, 3]', 'maximize (hit >= -1.2)', "
                            "'none'"}}}}}};
}

json cycle_schema() {
    const json str = {{"type", "string"}};
    const json integer = {{"type", "integer"}};
    const json nullable_object = {{"type", "object"}, {"nullable", true}};
    return {
        {"type", "object"},
        {"properties",
         {{"id", str},
          {"model_id", str},
          {"cycle_number", integer},
          {"selection_strategy", kStrategyRef},
          {"batch_size", integer},
          {"status",
           {{"type", "string"}, {"enum", {"selecting", "labeling", "training", "complete"}}}},
          {"metrics_before", nullable_object},
          {"metrics_after", nullable_object},
          {"items_selected", integer},
          {"items_labeled", integer},
          {"items_skipped", integer},
          {"new_model_id", {{"type", "string"}, {"nullable", true}}},
          {"started_at", str},
          {"completed_at", {{"type", "string"}, {"nullable", true}}},
          {"hits_found",
           {{"type", "integer"},
            {"nullable", true},
            {"description", "Labelled items of this cycle whose label is a hit for the model's "
                            "objective; null when the model has no objective"}}},
          {"hits_found_total",
           {{"type", "integer"},
            {"nullable", true},
            {"description", "Hits among the labels of every cycle of the lineage up to and "
                            "including this one; null without an objective"}}},
          {"expected_hits_remaining",
           {{"type", "number"},
            {"nullable", true},
            {"description",
             "Sum of P(hit) over the lineage's compounds without a label, under the model "
             "current at the end of the cycle (the new version after retraining, the selecting "
             "version while the cycle is open); a stopping guide. Null without an objective"}}}}}};
}

/// Success bodies worth describing, by method and path.
json response_schema(const std::string& method, const std::string& path) {
    const auto list_of = [](const char* key, const json& item) {
        return json{{"type", "object"},
                    {"properties", {{key, {{"type", "array"}, {"items", item}}}}}};
    };
    if (path == "/api/v1/models" && method == "get") {
        return list_of("models", kModelRef);
    }
    if ((path == "/api/v1/models" && method == "post") || path == "/api/v1/models/{model_id}") {
        return kModelRef;
    }
    if (path == "/api/v1/models/{model_id}/versions") {
        return list_of("versions", kModelRef);
    }
    if (path == "/api/v1/active-learning/cycles") {
        return list_of("cycles", kCycleRef);
    }
    if (path == "/api/v1/active-learning/cycles/{cycle_id}") {
        return kCycleRef;
    }
    return json::object();
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
             {"strategy", kStrategyRef},
             {"batch_size", integer},
             {"pool", pool},
             {"threshold", num},
             {"beta",
              {{"type", "number"},
               {"minimum", 0},
               {"default", 2.0},
               {"description", "UCB: prediction toward the objective + beta x ensemble spread "
                               "(422 when negative)"}}},
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
             {"params", {{"type", "object"}}},
             {"objective", kObjectiveRef}},
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
    out["schemas"]["Objective"] = objective_schema();
    out["schemas"]["Strategy"] = strategy_schema();
    out["schemas"]["Model"] = model_schema();
    out["schemas"]["Cycle"] = cycle_schema();
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
            {"description", "success"},
            {"content", {{r.response, {{"schema", response_schema(r.method, r.path)}}}}}};
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
