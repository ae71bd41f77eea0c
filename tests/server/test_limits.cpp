// Request limits over a real loopback server: body size, batch size, string lengths,
// nesting and NUL characters are each refused with their status code and a clear message,
// and the refused request changes nothing in the database.
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace labelloop;
using json = nlohmann::json;
using labelloop::testing::bearer;
using labelloop::testing::RunningServer;

namespace {

struct LimitWorld : testing::QueueWorld {
    LimitWorld() : QueueWorld(4) {}
};

void check_refused(const httplib::Result& r, int status, const std::string& code,
                   const std::string& message_part) {
    REQUIRE(r);
    INFO("body: " << r->body.substr(0, 500));
    CHECK(r->status == status);
    const auto j = json::parse(r->body, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["error"]["code"] == code);
    CHECK(j["error"]["message"].get<std::string>().find(message_part) != std::string::npos);
}

} // namespace

TEST_CASE("limits: a JSON body over 1 MB is 413 and changes nothing", "[limits]") {
    LimitWorld w;
    const auto before = w.snapshot();
    const json body = {{"label", 1.0}, {"notes", std::string(1100000, 'x')}};
    check_refused(w.post(w.q + "/" + w.items[0].id + "/label", body, w.team.alice.token), 413,
                  "payload_too_large", "accepts at most 1048576");
    check_refused(w.post("/api/v1/users", {{"name", std::string(2000000, 'n')}, {"role", "admin"}},
                         w.team.admin.token),
                  413, "payload_too_large", "bytes");
    CHECK(w.snapshot() == before);
}

TEST_CASE("limits: an import over 32 MB is 413, a large file inside the limit is accepted",
          "[limits]") {
    LimitWorld w;
    const auto before = w.snapshot();
    const json big = {{"format", "csv"}, {"content", "smiles\n" + std::string(33u << 20, 'C')}};
    check_refused(w.post("/api/v1/compounds/import", big, w.team.admin.token), 413,
                  "payload_too_large", "accepts at most");
    CHECK(w.snapshot() == before);
    // The file content is exempt from the 1 000-byte string limit (only the body size counts).
    std::string csv = "smiles,note\n";
    while (csv.size() < 5000) {
        csv += "CCO,ethanol\n";
    }
    auto ok = w.post("/api/v1/compounds/import", {{"format", "csv"}, {"content", csv}},
                     w.team.admin.token);
    REQUIRE(ok);
    CHECK(ok->status == 200);
}

TEST_CASE("limits: too long strings are 422 with the field named, and change nothing", "[limits]") {
    LimitWorld w;
    const auto before = w.snapshot();
    const std::string item = w.q + "/" + w.items[0].id;
    // notes: up to 10 000 bytes
    check_refused(w.post(item + "/label", {{"label", 1.0}, {"notes", std::string(10001, 'n')}},
                         w.team.alice.token),
                  422, "invalid_value", "Field 'notes' has 10001 bytes; at most 10000");
    check_refused(w.post(item + "/skip", {{"notes", std::string(20000, 'n')}}, w.team.alice.token),
                  422, "invalid_value", "'notes'");
    // names and other short strings: the service's own limit (100), then the generic 1 000
    check_refused(w.post("/api/v1/users", {{"name", std::string(101, 'n')}, {"role", "scientist"}},
                         w.team.admin.token),
                  422, "invalid_value", "1 to 100 characters");
    check_refused(w.post("/api/v1/users", {{"name", std::string(1001, 'n')}, {"role", "scientist"}},
                         w.team.admin.token),
                  422, "invalid_value", "Field 'name' has 1001 bytes");
    check_refused(w.post("/api/v1/users/" + w.team.alice.user.id + "/tokens",
                         {{"label", std::string(5000, 'l')}}, w.team.admin.token),
                  422, "invalid_value", "'label'");
    check_refused(w.post("/api/v1/models", {{"name", "m"}, {"property", std::string(1500, 'p')}},
                         w.team.admin.token),
                  422, "invalid_value", "'property'");
    // SMILES in a posted pool: up to 4 000 bytes each, reported with their position
    const json select = {
        {"model_id", w.model.id},
        {"pool", {{"kind", "compounds"}, {"smiles", {"CCO", std::string(4001, 'C')}}}}};
    check_refused(w.post("/api/v1/active-learning/select", select, w.team.admin.token), 422,
                  "invalid_value", "Field 'pool.smiles[1]' has 4001 bytes");
    // the status field of a label is tiny: a huge one is refused by the same rule
    check_refused(w.post(item + "/label", {{"label", 1.0}, {"source", std::string(3000, 's')}},
                         w.team.alice.token),
                  422, "invalid_value", "'source'");
    CHECK(w.snapshot() == before);

    // At the limit, accepted and stored in full.
    auto ok = w.post(item + "/label", {{"label", 1.0}, {"notes", std::string(10000, 'n')}},
                     w.team.alice.token);
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(json::parse(ok->body)["notes"].get<std::string>().size() == 10000);
}

TEST_CASE("limits: batches over 1 000 items are 422 and change nothing", "[limits]") {
    LimitWorld w;
    const auto before = w.snapshot();
    std::vector<std::string> ids(1001, w.items[0].id);
    check_refused(w.post(w.q + "/bulk-assign", {{"item_ids", ids}, {"user_id", w.team.bob.user.id}},
                         w.team.admin.token),
                  422, "invalid_value", "Field 'item_ids' lists 1001 values; at most 1000");
    check_refused(w.post(w.q + "/bulk-skip", {{"item_ids", ids}}, w.team.admin.token), 422,
                  "invalid_value", "'item_ids'");
    // posted compound lists may hold 10 000 ids
    std::vector<std::string> compounds(10001, "x");
    check_refused(w.post("/api/v1/active-learning/select",
                         {{"model_id", w.model.id},
                          {"pool", {{"kind", "compounds"}, {"compound_ids", compounds}}}},
                         w.team.admin.token),
                  422, "invalid_value", "'pool.compound_ids' lists 10001");
    check_refused(w.post("/api/v1/active-learning/select",
                         {{"model_id", w.model.id}, {"batch_size", 1001}}, w.team.admin.token),
                  422, "invalid_value", "batch_size");
    CHECK(w.snapshot() == before);
}

TEST_CASE("limits: deep nesting and NUL characters are 400, malformed JSON too", "[limits]") {
    LimitWorld w;
    const auto before = w.snapshot();
    const std::string item = w.q + "/" + w.items[0].id;
    std::string deep = R"({"label": 1, "notes": "x", "extra": )";
    deep += std::string(5000, '[') + std::string(5000, ']') + "}";
    check_refused(w.post_raw(item + "/label", deep, w.team.alice.token), 400, "bad_request",
                  "nests deeper than 16 levels");
    check_refused(
        w.post_raw(item + "/label", R"({"label": 1, "notes": "a\u0000b"})", w.team.alice.token),
        400, "bad_request", "NUL character");
    check_refused(
        w.post_raw(item + "/label", R"({"label": 1, "notes": "unterminated)", w.team.alice.token),
        400, "bad_request", "not valid JSON");
    // Where it goes wrong; a number no double holds is a bad value of its field (once only
    // "not valid JSON").
    check_refused(w.post_raw(item + "/label", R"({"label": 1,, "notes": "x"})", w.team.alice.token),
                  400, "bad_request", "syntax error at byte 13");
    check_refused(w.post_raw(item + "/label", R"({"label": 1e999})", w.team.alice.token), 422,
                  "invalid_value", "Field 'label' holds a number too large for a double");
    check_refused(w.post_raw("/api/v1/active-learning/queue/bulk-skip",
                             R"({"item_ids": ["x"], "deep": {"list": [1, -2e400]}})",
                             w.team.admin.token),
                  422, "invalid_value", "Field 'deep.list' holds a number too large");
    // invalid UTF-8 inside a string is not JSON either
    check_refused(
        w.post_raw(item + "/label", "{\"label\": 1, \"notes\": \"\xff\xfe\"}", w.team.alice.token),
        400, "bad_request", "not valid JSON");
    check_refused(w.post_raw(item + "/label", "[1, 2]", w.team.alice.token), 400, "bad_request",
                  "must be a JSON object");
    CHECK(w.snapshot() == before);
}

TEST_CASE("limits: an absurdly long token is refused as unauthorized", "[limits][auth]") {
    LimitWorld w;
    auto c = w.server.client();
    check_refused(c.Get("/api/v1/me", bearer(std::string(4000, 'a'))), 401, "unauthorized",
                  "Bearer");
    // Past httplib's 8 KB header line limit the request itself is refused, still in JSON.
    check_refused(c.Get("/api/v1/me", bearer(std::string(100000, 'a'))), 400, "bad_request",
                  "could not be handled");
}
