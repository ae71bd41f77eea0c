// The OpenAPI document matches the routes: every endpoint the browser app relies on is in
// it, and every documented path is answered by a real route (not the unknown-endpoint 404).
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace labelloop;
using json = nlohmann::json;

TEST_CASE("API: openapi.json documents every route, and every documented route exists",
          "[api][openapi]") {
    testing::RunningServer server;
    const auto team = testing::seed_team(server.services());
    auto c = server.client();
    const auto doc = testing::body_of(c.Get("/api/v1/openapi.json"));
    CHECK(doc["openapi"].get<std::string>().rfind("3.", 0) == 0);
    const json& paths = doc["paths"];

    const std::vector<std::pair<std::string, std::string>> expected = {
        {"get", "/api/v1/health"},
        {"get", "/api/v1/me"},
        {"get", "/api/v1/openapi.json"},
        {"post", "/api/v1/active-learning/select"},
        {"get", "/api/v1/active-learning/queue"},
        {"get", "/api/v1/active-learning/queue/{item_id}"},
        {"post", "/api/v1/active-learning/queue/{item_id}/label"},
        {"post", "/api/v1/active-learning/queue/{item_id}/skip"},
        {"post", "/api/v1/active-learning/queue/{item_id}/assign"},
        {"post", "/api/v1/active-learning/queue/bulk-assign"},
        {"post", "/api/v1/active-learning/queue/bulk-skip"},
        {"get", "/api/v1/active-learning/cycles"},
        {"post", "/api/v1/active-learning/cycles/{cycle_id}/retrain"},
        {"get", "/api/v1/active-learning/stats/{model_id}"},
        {"get", "/api/v1/models"},
        {"post", "/api/v1/models"},
        {"get", "/api/v1/models/{model_id}"},
        {"get", "/api/v1/models/{model_id}/versions"},
        {"get", "/api/v1/models/{model_id}/artifact"},
        {"get", "/api/v1/models/{model_id}/training-set"},
        {"get", "/api/v1/compounds"},
        {"post", "/api/v1/compounds/import"},
        {"get", "/api/v1/compounds/{compound_id}"},
        {"get", "/api/v1/compounds/{compound_id}/similar"},
        {"get", "/api/v1/jobs/{job_id}"},
        {"get", "/api/v1/users"},
        {"post", "/api/v1/users"},
        {"get", "/api/v1/users/{user_id}/tokens"},
        {"post", "/api/v1/users/{user_id}/tokens"},
        {"delete", "/api/v1/tokens/{token_id}"},
        {"get", "/api/v1/export/queue.csv"},
        {"get", "/api/v1/export/labels.csv"},
    };
    for (const auto& [method, path] : expected) {
        INFO(method << " " << path);
        REQUIRE(paths.contains(path));
        CHECK(paths[path].contains(method));
    }

    // Request bodies are described, e.g. the label a scientist submits.
    const json& label = paths["/api/v1/active-learning/queue/{item_id}/label"]["post"];
    const json& schema = label["requestBody"]["content"]["application/json"]["schema"];
    CHECK(schema["required"] == json::array({"label"}));
    CHECK(schema["properties"]["source"]["enum"].size() == 3);

    // Discovery (issue 16): every strategy with what it is for, beta, the objective, and the
    // cycle's hit figures.
    const json& schemas = doc["components"]["schemas"];
    const json& strategy = schemas["Strategy"];
    const json names = {"greedy",  "ucb",     "ei",     "pi",      "thompson", "uncertainty",
                        "density", "cluster", "margin", "entropy", "hybrid",   "random"};
    CHECK(strategy["enum"] == names);
    for (const auto& name : names) {
        INFO(name);
        CHECK_FALSE(
            strategy["x-enum-descriptions"][name.get<std::string>()].get<std::string>().empty());
        CHECK(strategy["description"].get<std::string>().find("- " + name.get<std::string>() +
                                                              ": ") != std::string::npos);
    }
    const json& select = paths["/api/v1/active-learning/select"]["post"]["requestBody"]["content"]
                              ["application/json"]["schema"]["properties"];
    CHECK(select["strategy"]["$ref"] == "#/components/schemas/Strategy");
    CHECK(select["beta"]["minimum"] == 0);
    const json& create = paths["/api/v1/models"]["post"]["requestBody"]["content"]
                              ["application/json"]["schema"]["properties"];
    CHECK(create["objective"]["$ref"] == "#/components/schemas/Objective");
    CHECK(schemas["Objective"]["properties"]["kind"]["enum"] ==
          json::array({"none", "maximize", "minimize", "window", "class"}));
    for (const char* key : {"lo", "hi", "class", "hit_threshold"}) {
        CHECK(schemas["Objective"]["properties"].contains(key));
    }
    for (const char* key : {"objective", "objective_text"}) {
        CHECK(schemas["Model"]["properties"].contains(key));
    }
    for (const char* key : {"hits_found", "hits_found_total", "expected_hits_remaining"}) {
        CHECK(schemas["Cycle"]["properties"][key]["nullable"] == true);
    }
    CHECK(paths["/api/v1/active-learning/cycles/{cycle_id}"]["get"]["responses"]["200"]["content"]
               ["application/json"]["schema"]["$ref"] == "#/components/schemas/Cycle");

    // Every documented operation reaches a real handler (ids that do not exist give a JSON
    // error from the handler, never the catch-all "no such endpoint").
    static const std::regex param(R"(\{[a-z_]+\})");
    int operations = 0;
    for (auto it = paths.begin(); it != paths.end(); ++it) {
        const std::string url = std::regex_replace(it.key(), param, "00000000-0000-4000-8000-0");
        for (auto op = it.value().begin(); op != it.value().end(); ++op) {
            INFO(op.key() << " " << url);
            const auto h = testing::bearer(team.admin.token);
            auto r = [&] {
                if (op.key() == "post") {
                    return c.Post(url.c_str(), h, "{}", "application/json");
                }
                if (op.key() == "delete") {
                    return c.Delete(url.c_str(), h);
                }
                return c.Get(url.c_str(), h);
            }();
            REQUIRE(r);
            CHECK(r->body.find("There is no API endpoint") == std::string::npos);
            CHECK(r->status != 500);
            CHECK(op.value()["responses"].is_object());
            ++operations;
        }
    }
    CHECK(operations >= static_cast<int>(expected.size()));
}
