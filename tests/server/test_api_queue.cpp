// The queue API over a real loopback server: authentication, the queue JSON shape, label /
// skip / assign with their error paths and status codes, bulk changes, permissions, limits.
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace labelloop;
using json = nlohmann::json;
using labelloop::testing::bearer;
using labelloop::testing::body_of;
using labelloop::testing::RunningServer;

namespace {

using ApiWorld = testing::QueueWorld;

void check_error(const httplib::Result& r, int status, const std::string& code) {
    REQUIRE(r);
    INFO("body: " << r->body);
    CHECK(r->status == status);
    const auto j = json::parse(r->body, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["error"]["code"] == code);
    CHECK(j["error"]["message"].is_string());
    CHECK(j["error"].contains("details"));
}

} // namespace

TEST_CASE("API: every endpoint but health needs a valid bearer token", "[api][auth]") {
    ApiWorld w;
    auto c = w.server.client();
    auto health = c.Get("/api/v1/health");
    REQUIRE(health);
    CHECK(health->status == 200);

    check_error(c.Get("/api/v1/me"), 401, "unauthorized");
    check_error(c.Get("/api/v1/me", {{"Authorization", "Bearer ll_wrong"}}), 401, "unauthorized");
    check_error(c.Get("/api/v1/me", {{"Authorization", "Basic abc"}}), 401, "unauthorized");
    check_error(c.Get(w.q.c_str()), 401, "unauthorized");
    check_error(c.Post((w.q + "/" + w.items[0].id + "/label").c_str(), R"({"label":1})",
                       "application/json"),
                401, "unauthorized");

    const auto me = body_of(w.get("/api/v1/me", w.team.alice.token));
    CHECK(me["id"] == w.team.alice.user.id);
    CHECK(me["name"] == "alice");
    CHECK(me["role"] == "scientist");
    CHECK(w.server.services().store.find_queue_item(w.items[0].id)->status == "pending");
}

TEST_CASE("API: the queue lists items with every documented field, filtered and paged",
          "[api][queue]") {
    ApiWorld w;
    const auto page =
        body_of(w.get(w.q + "?model_id=" + w.model.id + "&limit=4&offset=0", w.team.alice.token));
    CHECK(page["total"] == 6);
    CHECK(page["limit"] == 4);
    CHECK(page["offset"] == 0);
    REQUIRE(page["items"].size() == 4);
    const json& item = page["items"][0];
    for (const char* key : {"id",
                            "compound_id",
                            "model_id",
                            "smiles",
                            "compound_name",
                            "prediction",
                            "uncertainty",
                            "applicability_distance",
                            "in_domain",
                            "selection_strategy",
                            "selection_batch",
                            "priority_score",
                            "status",
                            "assigned_to",
                            "assigned_to_name",
                            "assigned_at",
                            "label",
                            "label_source",
                            "label_confidence",
                            "labeled_at",
                            "labeled_by",
                            "labeled_by_name",
                            "notes",
                            "created_at",
                            "updated_at",
                            "version"}) {
        INFO(key);
        CHECK(item.contains(key));
    }
    CHECK(item["label"].is_null());
    CHECK(item["version"].is_number_integer());
    CHECK(item["created_at"].get<std::string>().back() == 'Z');

    const auto one = body_of(w.get(w.q + "/" + w.items[2].id, w.team.alice.token));
    CHECK(one["id"] == w.items[2].id);
    check_error(w.get(w.q + "/nope", w.team.alice.token), 404, "not_found");
    check_error(w.get(w.q + "?status=weird", w.team.alice.token), 422, "invalid_value");
    check_error(w.get(w.q + "?limit=abc", w.team.alice.token), 422, "invalid_value");

    const auto next = body_of(w.get(w.q + "/next?limit=2", w.team.alice.token));
    CHECK(next["items"].size() == 2);
}

TEST_CASE("API: label an item, and the error paths of labeling", "[api][queue]") {
    ApiWorld w;
    const std::string url = w.q + "/" + w.items[0].id + "/label";
    auto r = w.post(url,
                    {{"label", -3.1},
                     {"source", "experimental"},
                     {"confidence", "high"},
                     {"notes", "shake flask"}},
                    w.team.alice.token);
    REQUIRE(r);
    CHECK(r->status == 200);
    const auto item = body_of(r);
    CHECK(item["status"] == "labeled");
    CHECK(item["label"] == -3.1);
    CHECK(item["labeled_by"] == w.team.alice.user.id);
    CHECK(item["labeled_by_name"] == "alice");
    CHECK(item["version"] == 2);

    check_error(w.post(url, {{"label", 1.0}}, w.team.alice.token), 409, "conflict");
    const std::string url2 = w.q + "/" + w.items[1].id + "/label";
    check_error(w.post(url2, {{"label", "NaN"}}, w.team.alice.token), 422, "invalid_value");
    // A null label was once read from an empty optional and stored as 0.
    check_error(w.post(url2, {{"label", nullptr}}, w.team.alice.token), 422, "invalid_value");
    check_error(w.post(url2, {{"label", 1.0}, {"source", "rumour"}}, w.team.alice.token), 422,
                "invalid_value");
    check_error(w.post(url2, {{"source", "experimental"}}, w.team.alice.token), 400, "bad_request");
    check_error(w.post(url2, json::array({1, 2}), w.team.alice.token), 400, "bad_request");
    {
        auto c = w.server.client();
        check_error(c.Post(url2.c_str(), bearer(w.team.alice.token), "{\"label\": 1.0,",
                           "application/json"),
                    400, "bad_request");
        // NaN is not JSON; a client that writes it anyway gets a 400, not a stored NaN.
        check_error(c.Post(url2.c_str(), bearer(w.team.alice.token), "{\"label\": NaN}",
                           "application/json"),
                    400, "bad_request");
    }
    check_error(w.post(w.q + "/missing/label", {{"label", 1.0}}, w.team.alice.token), 404,
                "not_found");
    // Bad input changed nothing.
    const auto untouched = *w.server.services().store.find_queue_item(w.items[1].id);
    CHECK(untouched.status == "pending");
    CHECK(untouched.version == 1);
    CHECK(w.server.services().store.audit_for("queue_item", w.items[1].id).empty());
}

TEST_CASE("API: scientists may not assign, select, retrain or work on others' items",
          "[api][auth]") {
    ApiWorld w;
    const std::string& alice = w.team.alice.token;
    check_error(
        w.post(w.q + "/" + w.items[0].id + "/assign", {{"user_id", w.team.alice.user.id}}, alice),
        403, "forbidden");
    check_error(w.post(w.q + "/bulk-assign",
                       {{"item_ids", {w.items[0].id}}, {"user_id", w.team.alice.user.id}}, alice),
                403, "forbidden");
    check_error(w.post(w.q + "/bulk-skip", {{"item_ids", {w.items[0].id}}}, alice), 403,
                "forbidden");
    check_error(w.post("/api/v1/active-learning/select", {{"model_id", w.model.id}}, alice), 403,
                "forbidden");
    check_error(w.post("/api/v1/active-learning/cycles/" + *w.items[0].cycle_id + "/retrain",
                       json::object(), alice),
                403, "forbidden");
    check_error(w.get("/api/v1/users", alice), 403, "forbidden");
    check_error(w.post("/api/v1/users", {{"name", "eve"}, {"role", "admin"}}, alice), 403,
                "forbidden");

    auto r = w.post(w.q + "/" + w.items[0].id + "/assign", {{"user_id", w.team.bob.user.id}},
                    w.team.admin.token);
    CHECK(body_of(r)["status"] == "in_progress");
    check_error(w.post(w.q + "/" + w.items[0].id + "/label", {{"label", 1.0}}, alice), 403,
                "forbidden");
    check_error(w.post(w.q + "/" + w.items[0].id + "/skip", json::object(), alice), 403,
                "forbidden");
    auto bob = w.post(w.q + "/" + w.items[0].id + "/label", {{"label", 1.0}}, w.team.bob.token);
    CHECK(body_of(bob)["status"] == "labeled");
}

TEST_CASE("API: skip and assign, including unassign with null", "[api][queue]") {
    ApiWorld w;
    auto skipped = body_of(w.post(w.q + "/" + w.items[1].id + "/skip",
                                  {{"notes", "insoluble in DMSO"}}, w.team.alice.token));
    CHECK(skipped["status"] == "skipped");
    CHECK(skipped["notes"] == "insoluble in DMSO");

    const std::string assign = w.q + "/" + w.items[2].id + "/assign";
    auto a = body_of(w.post(assign, {{"user_id", w.team.alice.user.id}}, w.team.admin.token));
    CHECK(a["assigned_to"] == w.team.alice.user.id);
    CHECK(a["assigned_to_name"] == "alice");
    auto un = body_of(w.post(assign, {{"user_id", nullptr}}, w.team.admin.token));
    CHECK(un["assigned_to"].is_null());
    CHECK(un["status"] == "pending");
    check_error(w.post(assign, json::object(), w.team.admin.token), 400, "bad_request");
    check_error(w.post(assign, {{"user_id", "ghost"}}, w.team.admin.token), 422, "invalid_value");

    const auto filtered =
        body_of(w.get(w.q + "?status=skipped&model_id=" + w.model.id, w.team.alice.token));
    CHECK(filtered["total"] == 1);
}

TEST_CASE("API: bulk assign is all or nothing", "[api][queue]") {
    ApiWorld w;
    auto label = w.post(w.q + "/" + w.items[5].id + "/label", {{"label", 0.0}}, w.team.bob.token);
    CHECK(label->status == 200);
    check_error(
        w.post(w.q + "/bulk-assign",
               {{"item_ids", {w.items[0].id, w.items[5].id}}, {"user_id", w.team.alice.user.id}},
               w.team.admin.token),
        409, "conflict");
    CHECK(body_of(w.get(w.q + "?assigned_to=" + w.team.alice.user.id,
                        w.team.admin.token))["total"] == 0);
    const auto ok = body_of(
        w.post(w.q + "/bulk-assign",
               {{"item_ids", {w.items[0].id, w.items[1].id}}, {"user_id", w.team.alice.user.id}},
               w.team.admin.token));
    CHECK(ok["updated"] == 2);
    CHECK(ok["items"].size() == 2);
    CHECK(body_of(w.get(w.q + "?assigned_to=me", w.team.alice.token))["total"] == 2);
    const auto skipped = body_of(w.post(
        w.q + "/bulk-skip", {{"item_ids", {w.items[2].id, w.items[3].id}}}, w.team.admin.token));
    CHECK(skipped["updated"] == 2);
    check_error(w.post(w.q + "/bulk-skip", {{"item_ids", "x"}}, w.team.admin.token), 400,
                "bad_request");
}

TEST_CASE("API: users and tokens are managed by admins, a revoked token stops working",
          "[api][auth]") {
    ApiWorld w;
    const std::string& admin = w.team.admin.token;
    auto created = w.post("/api/v1/users", {{"name", "carol"}, {"role", "scientist"}}, admin);
    REQUIRE(created);
    CHECK(created->status == 201);
    const auto carol = body_of(created);
    check_error(w.post("/api/v1/users", {{"name", "carol"}, {"role", "scientist"}}, admin), 409,
                "conflict");
    check_error(w.post("/api/v1/users", {{"name", "dave"}, {"role", "king"}}, admin), 422,
                "invalid_value");

    auto issued = w.post("/api/v1/users/" + carol["id"].get<std::string>() + "/tokens",
                         {{"label", "laptop"}}, admin);
    CHECK(issued->status == 201);
    const auto token = body_of(issued);
    const std::string secret = token["token"];
    CHECK(body_of(w.get("/api/v1/me", secret))["name"] == "carol");

    const auto users = body_of(w.get("/api/v1/users", admin));
    CHECK(users["users"].size() == 4);
    const auto tokens =
        body_of(w.get("/api/v1/users/" + carol["id"].get<std::string>() + "/tokens", admin));
    REQUIRE(tokens["tokens"].size() == 1);
    CHECK_FALSE(tokens["tokens"][0].contains("token"));

    auto c = w.server.client();
    auto revoked =
        c.Delete(("/api/v1/tokens/" + token["id"].get<std::string>()).c_str(), bearer(admin));
    CHECK(revoked->status == 200);
    check_error(w.get("/api/v1/me", secret), 401, "unauthorized");
}

TEST_CASE("API: oversized bodies get 413, unknown endpoints a JSON 404", "[api][errors]") {
    ApiWorld w;
    const std::string big(2 << 20, ' ');
    auto c = w.server.client();
    check_error(c.Post((w.q + "/" + w.items[0].id + "/label").c_str(), bearer(w.team.alice.token),
                       "{\"label\": 1.0}" + big, "application/json"),
                413, "payload_too_large");
    const std::string huge(80u << 20, ' ');
    auto r =
        c.Post("/api/v1/compounds/import", bearer(w.team.admin.token), huge, "application/json");
    if (r) { // httplib may close the connection instead of answering a body this large
        CHECK(r->status == 413);
    }
    CHECK(w.server.services().store.find_queue_item(w.items[0].id)->status == "pending");
    check_error(w.get("/api/v1/nothing-here", w.team.alice.token), 404, "not_found");
}

TEST_CASE("API: an acknowledged label survives a server restart", "[api][durability]") {
    testing::TempDir dir;
    const std::string db = dir.file("durable.db");
    std::string item_id;
    std::string token;
    {
        RunningServer server(db);
        const auto team = testing::seed_team(server.services());
        token = team.alice.token;
        const auto model = testing::insert_model_row(server.services().store, "ESOL");
        item_id = testing::insert_queue(server.services(), model, 1)[0].id;
        auto c = server.client();
        auto r =
            c.Post(("/api/v1/active-learning/queue/" + item_id + "/label").c_str(), bearer(token),
                   R"({"label": 2.25, "confidence": "low"})", "application/json");
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    RunningServer again(db);
    auto c = again.client();
    const auto item =
        body_of(c.Get(("/api/v1/active-learning/queue/" + item_id).c_str(), bearer(token)));
    CHECK(item["status"] == "labeled");
    CHECK(item["label"] == 2.25);
    CHECK(item["label_confidence"] == "low");
}
