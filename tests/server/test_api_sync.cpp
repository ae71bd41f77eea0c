// POST /api/v1/sync over a real loopback server and SQLite file: ops applied once, replays
// harmless, conflicts kept and resolved, the change cursor, protocol mismatch, bad payloads.
#include "test_support.hpp"

#include "labelloop/version.hpp"

#include <catch2/catch.hpp>

#include <cstdio>

using namespace labelloop;
using json = nlohmann::json;
using labelloop::testing::bearer;
using labelloop::testing::body_of;
using labelloop::testing::RunningServer;

namespace {

std::string op_id(int n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
    return buf;
}

struct SyncWorld {
    RunningServer server;
    testing::Team team = testing::seed_team(server.services());
    domain::Model model = testing::insert_model_row(server.services().store, "ESOL");
    std::vector<domain::QueueItem> items = testing::insert_queue(server.services(), model, 6);

    json label_op(int n, const domain::QueueItem& item, const testing::SeededUser& who,
                  double value) const {
        return {{"op_id", op_id(n)},
                {"kind", "label"},
                {"item_id", item.id},
                {"base_version", item.version},
                {"user_id", who.user.id},
                {"label", value},
                {"source", "experimental"},
                {"confidence", "high"},
                {"created_at", "2026-11-24T10:00:00Z"}};
    }
    json skip_op(int n, const domain::QueueItem& item, const testing::SeededUser& who) const {
        return {{"op_id", op_id(n)},
                {"kind", "skip"},
                {"item_id", item.id},
                {"base_version", item.version},
                {"user_id", who.user.id}};
    }
    httplib::Result sync_raw(const std::string& body, const std::string& token) {
        auto c = server.client();
        return c.Post("/api/v1/sync", bearer(token), body, "application/json");
    }
    json sync(const std::vector<json>& ops, const testing::SeededUser& who,
              std::int64_t cursor = 0) {
        const json body = {
            {"protocol", kSyncProtocolVersion}, {"cursor", cursor}, {"ops", json(ops)}};
        auto r = sync_raw(body.dump(), who.token);
        REQUIRE(r);
        INFO(r->body);
        REQUIRE(r->status == 200);
        return body_of(r);
    }
    domain::QueueItem stored(const domain::QueueItem& item) {
        return *server.services().store.find_queue_item(item.id);
    }
    std::int64_t labeled_count() {
        domain::QueueFilter f;
        f.status = "labeled";
        return server.services().store.count_queue(f);
    }
};

void check_error(const httplib::Result& r, int status, const std::string& code) {
    REQUIRE(r);
    INFO("body: " << r->body);
    CHECK(r->status == status);
    const auto j = json::parse(r->body, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["error"]["code"] == code);
}

} // namespace

TEST_CASE("sync: ops apply once, however often the same sync is replayed", "[api][sync]") {
    SyncWorld w;
    const std::vector<json> ops = {w.label_op(1, w.items[0], w.team.alice, 1.5),
                                   w.label_op(2, w.items[1], w.team.alice, -0.25),
                                   w.skip_op(3, w.items[2], w.team.alice)};
    const json first = w.sync(ops, w.team.alice);
    REQUIRE(first["results"].size() == 3);
    for (const auto& r : first["results"]) {
        CHECK(r["outcome"] == "applied");
        CHECK(r["duplicate"] == false);
    }
    CHECK(w.stored(w.items[0]).status == "labeled");
    CHECK(w.stored(w.items[0]).label == std::optional<double>(1.5));
    CHECK(w.stored(w.items[0]).labeled_by == std::optional<std::string>(w.team.alice.user.id));
    CHECK(w.stored(w.items[2]).status == "skipped");
    const auto version_after = w.stored(w.items[0]).version;

    for (int replay = 0; replay < 3; ++replay) {
        const json again = w.sync(ops, w.team.alice);
        REQUIRE(again["results"].size() == 3);
        for (std::size_t i = 0; i < 3; ++i) {
            CHECK(again["results"][i]["duplicate"] == true);
            CHECK(again["results"][i]["outcome"] == first["results"][i]["outcome"]);
        }
    }
    CHECK(w.labeled_count() == 2);
    CHECK(w.stored(w.items[0]).version == version_after);
    CHECK(w.server.services().store.audit_for("queue_item", w.items[0].id).size() == 1);
}

TEST_CASE("sync: the cursor returns each change once, in order", "[api][sync]") {
    SyncWorld w;
    const json all = w.sync({}, w.team.bob, 0);
    CHECK(all["changes"].size() == 6);
    CHECK(all["more"] == false);
    const auto cursor = all["cursor"].get<std::int64_t>();
    CHECK(cursor > 0);

    const json nothing = w.sync({}, w.team.bob, cursor);
    CHECK(nothing["changes"].empty());
    CHECK(nothing["cursor"] == cursor);

    // Alice labels one item: Bob's next pull carries exactly that item, in its new state.
    w.sync({w.label_op(1, w.items[3], w.team.alice, 2.0)}, w.team.alice, cursor);
    const json one = w.sync({}, w.team.bob, cursor);
    REQUIRE(one["changes"].size() == 1);
    CHECK(one["changes"][0]["id"] == w.items[3].id);
    CHECK(one["changes"][0]["status"] == "labeled");
    CHECK(one["cursor"].get<std::int64_t>() > cursor);

    // Paging: a small limit says there is more, and the next page continues after it.
    const json body = {{"protocol", kSyncProtocolVersion}, {"cursor", 0}, {"limit", 4}};
    const json page1 = body_of(w.sync_raw(body.dump(), w.team.bob.token));
    CHECK(page1["changes"].size() == 4);
    CHECK(page1["more"] == true);
    const json body2 = {
        {"protocol", kSyncProtocolVersion}, {"cursor", page1["cursor"]}, {"limit", 4}};
    const json page2 = body_of(w.sync_raw(body2.dump(), w.team.bob.token));
    CHECK(page2["changes"].size() == 2);
    CHECK(page2["more"] == false);
}

TEST_CASE("sync: two scientists label the same item, one wins, the other is a conflict",
          "[api][sync]") {
    SyncWorld w;
    const auto& item = w.items[0];
    const json a = w.sync({w.label_op(1, item, w.team.alice, 1.0)}, w.team.alice);
    CHECK(a["results"][0]["outcome"] == "applied");
    const json b = w.sync({w.label_op(2, item, w.team.bob, 3.0)}, w.team.bob);
    REQUIRE(b["results"][0]["outcome"] == "conflict");
    CHECK(b["results"][0]["reason"] == "labeled_by_other");
    const auto conflict_id = b["results"][0]["conflict_id"].get<std::string>();
    CHECK(w.stored(item).label == std::optional<double>(1.0)); // the first label stays

    // Visible to both scientists and the admin, in the sync answer and the listing.
    REQUIRE(b["conflicts"].size() == 1);
    CHECK(b["conflicts"][0]["label"] == 3.0);
    CHECK(b["conflicts"][0]["user_name"] == "bob");
    for (const auto* who : {&w.team.alice, &w.team.bob, &w.team.admin}) {
        const json seen = w.sync({}, *who);
        REQUIRE(seen["conflicts"].size() == 1);
        CHECK(seen["conflicts"][0]["id"] == conflict_id);
    }
    // Replaying Bob's op neither adds a second conflict nor changes the label.
    const json replay = w.sync({w.label_op(2, item, w.team.bob, 3.0)}, w.team.bob);
    CHECK(replay["results"][0]["duplicate"] == true);
    CHECK(replay["results"][0]["conflict_id"] == conflict_id);
    CHECK(w.server.services().store.list_conflicts("", "").size() == 1);

    // Only an admin resolves; keep_both keeps Bob's value as a replicate measurement.
    auto c = w.server.client();
    const std::string resolve = "/api/v1/sync/conflicts/" + conflict_id + "/resolve";
    check_error(c.Post(resolve.c_str(), bearer(w.team.bob.token),
                       R"({"resolution":"accept_incoming"})", "application/json"),
                403, "forbidden");
    check_error(c.Post(resolve.c_str(), bearer(w.team.admin.token), R"({"resolution":"both"})",
                       "application/json"),
                422, "invalid_value");
    const json resolved = body_of(c.Post(resolve.c_str(), bearer(w.team.admin.token),
                                         R"({"resolution":"keep_both"})", "application/json"));
    CHECK(resolved["status"] == "resolved");
    CHECK(resolved["resolution"] == "keep_both");
    CHECK(w.server.services().store.replicate_labels(item.id) == std::vector<double>{3.0});
    check_error(c.Post(resolve.c_str(), bearer(w.team.admin.token), R"({"resolution":"keep_both"})",
                       "application/json"),
                409, "conflict");
    CHECK(w.sync({}, w.team.bob)["conflicts"].empty());
    const json listed =
        body_of(c.Get("/api/v1/sync/conflicts?status=resolved", bearer(w.team.alice.token)));
    CHECK(listed["conflicts"].size() == 1);
}

TEST_CASE("sync: accept_incoming replaces the winning label", "[api][sync]") {
    SyncWorld w;
    const auto& item = w.items[1];
    w.sync({w.label_op(1, item, w.team.alice, 1.0)}, w.team.alice);
    const json b = w.sync({w.label_op(2, item, w.team.bob, 7.0)}, w.team.bob);
    const auto conflict_id = b["results"][0]["conflict_id"].get<std::string>();
    const auto before = w.stored(item);
    w.server.services().sync.resolve(w.team.admin.user, conflict_id, "accept_incoming");
    const auto after = w.stored(item);
    CHECK(after.label == std::optional<double>(7.0));
    CHECK(after.labeled_by == std::optional<std::string>(w.team.bob.user.id));
    CHECK(after.version == before.version + 1);
    CHECK(after.change_seq > before.change_seq);
}

TEST_CASE("sync: a skip that comes too late changes nothing, a label reopens a skip",
          "[api][sync]") {
    SyncWorld w;
    w.sync({w.label_op(1, w.items[0], w.team.alice, 1.0)}, w.team.alice);
    const json late = w.sync({w.skip_op(2, w.items[0], w.team.bob)}, w.team.bob);
    CHECK(late["results"][0]["outcome"] == "superseded");
    CHECK(w.stored(w.items[0]).status == "labeled");

    w.sync({w.skip_op(3, w.items[1], w.team.bob)}, w.team.bob);
    const json measured = w.sync({w.label_op(4, w.items[1], w.team.alice, 2.5)}, w.team.alice);
    CHECK(measured["results"][0]["outcome"] == "applied");
    CHECK(w.stored(w.items[1]).status == "labeled");
}

TEST_CASE("sync: bad requests change nothing and say why", "[api][sync]") {
    SyncWorld w;
    const auto before = w.labeled_count();
    const json good = w.label_op(1, w.items[0], w.team.alice, 1.0);

    SECTION("protocol mismatch") {
        const json body = {{"protocol", kSyncProtocolVersion + 1}, {"ops", json::array({good})}};
        auto r = w.sync_raw(body.dump(), w.team.alice.token);
        check_error(r, 409, "conflict");
        CHECK(r->body.find("reload the page") != std::string::npos);
        check_error(w.sync_raw(R"({"ops":[]})", w.team.alice.token), 400, "bad_request");
    }
    SECTION("not JSON, wrong shapes") {
        check_error(w.sync_raw("{not json", w.team.alice.token), 400, "bad_request");
        check_error(w.sync_raw(json{{"protocol", kSyncProtocolVersion}, {"ops", "x"}}.dump(),
                               w.team.alice.token),
                    400, "bad_request");
        check_error(w.sync_raw(json{{"protocol", kSyncProtocolVersion}, {"cursor", "x"}}.dump(),
                               w.team.alice.token),
                    400, "bad_request");
    }
    SECTION("one malformed op rejects the whole batch") {
        json bad = w.label_op(2, w.items[1], w.team.alice, 1.0);
        bad["label"] = nullptr;
        const json body = {{"protocol", kSyncProtocolVersion}, {"ops", {good, bad}}};
        auto r = w.sync_raw(body.dump(), w.team.alice.token);
        check_error(r, 400, "bad_request");
        CHECK(r->body.find("Operation 1: 'label' must be a number") != std::string::npos);
    }
    SECTION("an op on someone else's behalf is refused") {
        const json body = {{"protocol", kSyncProtocolVersion},
                           {"ops", {good, w.label_op(2, w.items[1], w.team.bob, 1.0)}}};
        check_error(w.sync_raw(body.dump(), w.team.alice.token), 403, "forbidden");
    }
    SECTION("a replayed op id from another user is refused") {
        w.sync({good}, w.team.alice);
        json stolen = good;
        stolen["user_id"] = w.team.bob.user.id;
        const json body = {{"protocol", kSyncProtocolVersion}, {"ops", json::array({stolen})}};
        check_error(w.sync_raw(body.dump(), w.team.bob.token), 403, "forbidden");
        CHECK(w.labeled_count() == before + 1);
        return;
    }
    SECTION("too many ops") {
        json ops = json::array();
        for (int i = 0; i < 1001; ++i) {
            ops.push_back(w.skip_op(i + 10, w.items[0], w.team.alice));
        }
        const json body = {{"protocol", kSyncProtocolVersion}, {"ops", ops}};
        check_error(w.sync_raw(body.dump(), w.team.alice.token), 413, "payload_too_large");
    }
    SECTION("no token") {
        auto c = w.server.client();
        check_error(c.Post("/api/v1/sync", json{{"protocol", 1}}.dump(), "application/json"), 401,
                    "unauthorized");
    }
    SECTION("an unknown item is rejected per op, the others apply") {
        json unknown = w.label_op(2, w.items[1], w.team.alice, 1.0);
        unknown["item_id"] = "no-such-item";
        const json answer = w.sync({good, unknown}, w.team.alice);
        CHECK(answer["results"][0]["outcome"] == "applied");
        CHECK(answer["results"][1]["outcome"] == "rejected");
        CHECK(answer["results"][1]["reason"] == "unknown_item");
        CHECK(w.labeled_count() == before + 1);
        return;
    }
    CHECK(w.labeled_count() == before);
    CHECK(w.server.services().store.find_sync_op(op_id(1)) == std::nullopt);
}

TEST_CASE("sync: a selection proposed offline is added once, by admins only", "[api][sync]") {
    RunningServer server;
    auto& s = server.services();
    const auto team = testing::seed_team(s);
    const auto model = testing::seed_esol_model(s, 60, 40);
    const auto pool = s.store.list_unlabeled_compounds(model.lineage_id, 3, 0);
    REQUIRE(pool.size() == 3);
    json ids = json::array();
    for (const auto& c : pool) {
        ids.push_back(c.id);
    }
    const auto select_op = [&](int n, const testing::SeededUser& who) {
        return json{{"op_id", op_id(n)},
                    {"kind", "select"},
                    {"item_id", op_id(n)},
                    {"base_version", 0},
                    {"user_id", who.user.id},
                    {"selection",
                     {{"model_id", model.id},
                      {"strategy", "uncertainty"},
                      {"batch_size", 3},
                      {"pool", {{"kind", "compounds"}, {"compound_ids", ids}}}}}};
    };
    const auto post = [&](const json& op, const testing::SeededUser& who) {
        const json body = {{"protocol", kSyncProtocolVersion}, {"ops", json::array({op})}};
        auto c = server.client();
        return body_of(c.Post("/api/v1/sync", bearer(who.token), body.dump(), "application/json"));
    };
    domain::QueueFilter all;
    all.model_id = model.id;

    const json refused = post(select_op(1, team.alice), team.alice);
    CHECK(refused["results"][0]["outcome"] == "rejected");
    CHECK(refused["results"][0]["reason"] == "admins_only");
    CHECK(s.store.count_queue(all) == 0);

    const json added = post(select_op(2, team.admin), team.admin);
    INFO(added.dump());
    CHECK(added["results"][0]["outcome"] == "applied");
    CHECK(added["results"][0]["message"] == "Added 3 compounds to the queue.");
    CHECK(s.store.count_queue(all) == 3);
    CHECK(added["changes"].size() == 3);
    for (int i = 0; i < 2; ++i) {
        const json replay = post(select_op(2, team.admin), team.admin);
        CHECK(replay["results"][0]["duplicate"] == true);
    }
    CHECK(s.store.count_queue(all) == 3);
    // The same compounds proposed again by another op are duplicates, never queued twice.
    const json again = post(select_op(3, team.admin), team.admin);
    CHECK(again["results"][0]["outcome"] == "applied");
    CHECK(s.store.count_queue(all) == 3);
}

TEST_CASE("sync: an offline selection may use a discovery strategy with beta, one the model "
          "cannot run is rejected with the reason",
          "[api][sync][objective]") {
    RunningServer server;
    auto& s = server.services();
    const auto team = testing::seed_team(s);
    Objective window;
    window.kind = ObjectiveKind::Window;
    window.lo = -3.0;
    window.hi = -1.0;
    const auto model = testing::seed_esol_model(s, 60, 40, "ESOL window", window);
    json ids = json::array();
    for (const auto& c : s.store.list_unlabeled_compounds(model.lineage_id, 6, 0)) {
        ids.push_back(c.id);
    }
    const auto select_op = [&](int n, const json& selection) {
        json op = {{"op_id", op_id(n)},
                   {"kind", "select"},
                   {"item_id", op_id(n)},
                   {"base_version", 0},
                   {"user_id", team.admin.user.id},
                   {"selection", selection}};
        op["selection"]["model_id"] = model.id;
        op["selection"]["batch_size"] = 3;
        op["selection"]["pool"] = {{"kind", "compounds"}, {"compound_ids", ids}};
        const json body = {{"protocol", kSyncProtocolVersion}, {"ops", json::array({op})}};
        auto c = server.client();
        const json answer = body_of(
            c.Post("/api/v1/sync", bearer(team.admin.token), body.dump(), "application/json"));
        INFO(answer.dump());
        REQUIRE(answer.contains("results"));
        return answer["results"][0];
    };
    domain::QueueFilter all;
    all.model_id = model.id;

    const json applied = select_op(1, {{"strategy", "ucb"}, {"beta", 0.5}});
    CHECK(applied["outcome"] == "applied");
    CHECK(s.store.count_queue(all) == 3);
    const auto cycles = s.active_learning.list_cycles(model.id);
    REQUIRE(cycles.size() == 1);
    CHECK(cycles[0].selection_strategy == "ucb");

    const json negative = select_op(2, {{"strategy", "ucb"}, {"beta", -1}});
    CHECK(negative["outcome"] == "rejected");
    CHECK(negative["reason"] == "invalid_value");
    CHECK_THAT(negative["message"].get<std::string>(), Catch::Contains("beta"));
    const json unknown = select_op(3, {{"strategy", "bayes"}});
    CHECK(unknown["outcome"] == "rejected");
    CHECK_THAT(unknown["message"].get<std::string>(), Catch::Contains("Unknown strategy 'bayes'"));
    CHECK(s.store.count_queue(all) == 3);
}
