// Security over a real loopback server. The mutating endpoints are walked from the served
// OpenAPI document (generated from the route table), so a new endpoint is covered without
// touching this file: no or a bad token is 401; a scientist is 403 on admin endpoints and on
// someone else's items. Also: tokens are hashed at rest, static files cannot escape the
// embedded table, and hostile strings in text fields come back verbatim with the DB intact.
#include "test_support.hpp"

#include "service/auth_service.hpp"
#include "util/ids.hpp"

#include "labelloop/version.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>

using namespace labelloop;
using json = nlohmann::json;
using labelloop::testing::bearer;
using labelloop::testing::body_of;
using labelloop::testing::raw_get;
using labelloop::testing::RunningServer;

namespace {

struct SecurityWorld : testing::QueueWorld {

    /// A value for each path parameter: real ids, so a refusal is about who calls, not 404.
    std::string fill(const std::string& templ) {
        static const std::regex param(R"(\{([a-z_]+)\})");
        std::string out;
        auto last = templ.cbegin();
        for (auto it = std::sregex_iterator(templ.begin(), templ.end(), param);
             it != std::sregex_iterator(); ++it) {
            out.append(last, templ.cbegin() + it->position());
            const std::string name = (*it)[1].str();
            if (name == "item_id") {
                out += items[0].id;
            } else if (name == "user_id") {
                out += team.bob.user.id;
            } else if (name == "model_id") {
                out += model.id;
            } else if (name == "cycle_id") {
                out += items[0].cycle_id.value_or("none");
            } else if (name == "token_id") {
                out += first_token_id(team.bob.user.id);
            } else {
                out += util::new_uuid();
            }
            last = templ.cbegin() + it->position() + it->length();
        }
        out.append(last, templ.cend());
        return out;
    }
    std::string first_token_id(const std::string& user_id) {
        auto s = server.db().prepare("SELECT id FROM api_tokens WHERE user_id = ? LIMIT 1");
        s.bind(1, user_id);
        REQUIRE(s.step());
        return s.column_text(0);
    }
    httplib::Result send(const std::string& method, const std::string& path,
                         const httplib::Headers& headers, const std::string& body = "{}") {
        auto c = server.client();
        if (method == "post") {
            return c.Post(path.c_str(), headers, body, "application/json");
        }
        if (method == "put") {
            return c.Put(path.c_str(), headers, body, "application/json");
        }
        if (method == "delete") {
            return c.Delete(path.c_str(), headers);
        }
        return c.Get(path.c_str(), headers);
    }
    /// Every mutating operation of the served OpenAPI document: (method, path template, admin).
    std::vector<std::tuple<std::string, std::string, bool>> mutating_routes() {
        auto c = server.client();
        const auto doc = body_of(c.Get("/api/v1/openapi.json"));
        std::vector<std::tuple<std::string, std::string, bool>> out;
        for (const auto& [path, ops] : doc["paths"].items()) {
            for (const auto& [method, op] : ops.items()) {
                if (method == "get") {
                    continue;
                }
                out.emplace_back(method, path, op.value("x-labelloop-role", "") == "admin");
            }
        }
        return out;
    }
};

/// Percent-encodes every byte but letters and digits.
std::string pct(const std::string& text) {
    std::string out;
    char buf[4];
    for (unsigned char ch : text) {
        if (std::isalnum(ch) != 0) {
            out += static_cast<char>(ch);
        } else {
            std::snprintf(buf, sizeof buf, "%%%02X", ch);
            out += buf;
        }
    }
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace

TEST_CASE("security: every mutating endpoint refuses a missing, wrong or revoked token",
          "[security][auth]") {
    SecurityWorld w;
    // A revoked token of an admin: once valid, then revoked through the API.
    const auto issued = w.server.services().auth.issue_token(nullptr, w.team.admin.user.id, "old");
    auto me = w.send("get", "/api/v1/me", bearer(issued.secret));
    REQUIRE(me);
    REQUIRE(me->status == 200); // now cached as valid
    auto revoke = w.send("delete", "/api/v1/tokens/" + issued.token.id, bearer(w.team.admin.token));
    REQUIRE(revoke);
    REQUIRE(revoke->status == 200);

    const auto routes = w.mutating_routes();
    REQUIRE(routes.size() >= 10);
    const auto before = w.snapshot();
    for (const auto& [method, templ, admin] : routes) {
        const std::string path = w.fill(templ);
        for (const httplib::Headers& headers :
             {httplib::Headers{}, bearer(""), bearer("ll_not_a_token"), bearer(issued.secret),
              httplib::Headers{{"Authorization", "Basic " + w.team.admin.token}},
              httplib::Headers{{"Authorization", "bearer " + w.team.admin.token}},
              bearer(w.team.admin.token + "x"), bearer(w.team.admin.token.substr(1))}) {
            INFO(method << " " << path << " with "
                        << (headers.empty() ? "no header" : headers.begin()->second));
            auto r = w.send(method, path, headers);
            REQUIRE(r);
            CHECK(r->status == 401);
            CHECK(r->get_header_value("WWW-Authenticate") == "Bearer");
            CHECK(body_of(r)["error"]["code"] == "unauthorized");
        }
    }
    CHECK(w.snapshot() == before);
}

TEST_CASE("security: a scientist is refused admin endpoints and other people's items",
          "[security][auth]") {
    SecurityWorld w;
    // Bob owns item 1; Alice must not act on it.
    auto assign = w.send("post", "/api/v1/active-learning/queue/" + w.items[1].id + "/assign",
                         bearer(w.team.admin.token), json{{"user_id", w.team.bob.user.id}}.dump());
    REQUIRE(assign);
    REQUIRE(assign->status == 200);

    // What "someone else's behalf" means for each mutating endpoint a scientist may call.
    // A new such endpoint fails this test until it gets a case here.
    const std::map<std::string, std::pair<std::string, std::string>> on_behalf = {
        {"/api/v1/active-learning/queue/{item_id}/label",
         {"/api/v1/active-learning/queue/" + w.items[1].id + "/label",
          json{{"label", -1.5}}.dump()}},
        {"/api/v1/active-learning/queue/{item_id}/skip",
         {"/api/v1/active-learning/queue/" + w.items[1].id + "/skip",
          json{{"notes", "not mine"}}.dump()}},
        // A sync carrying an op made by Bob.
        {"/api/v1/sync",
         {"/api/v1/sync",
          json{{"protocol", kSyncProtocolVersion},
               {"ops", json::array({{{"op_id", "00000000-0000-4000-8000-0000000000b0"},
                                     {"kind", "label"},
                                     {"item_id", w.items[1].id},
                                     {"base_version", 1},
                                     {"user_id", w.team.bob.user.id},
                                     {"label", -1.5}}})}}
              .dump()}},
    };
    const auto before = w.snapshot();
    for (const auto& [method, templ, admin] : w.mutating_routes()) {
        INFO(method << " " << templ);
        if (admin) {
            auto r = w.send(method, w.fill(templ), bearer(w.team.alice.token));
            REQUIRE(r);
            CHECK(r->status == 403);
            CHECK(body_of(r)["error"]["code"] == "forbidden");
            continue;
        }
        const auto it = on_behalf.find(templ);
        REQUIRE(it != on_behalf.end());
        auto r = w.send(method, it->second.first, bearer(w.team.alice.token), it->second.second);
        REQUIRE(r);
        CHECK(r->status == 403);
        const auto j = body_of(r);
        CHECK(j["error"]["code"] == "forbidden");
        CHECK(j["error"]["message"].get<std::string>().find("bob") != std::string::npos);
    }
    CHECK(w.snapshot() == before);
    // Bob himself may label it, and Alice her unassigned one.
    auto own = w.send("post", "/api/v1/active-learning/queue/" + w.items[1].id + "/label",
                      bearer(w.team.bob.token), json{{"label", -1.5}}.dump());
    REQUIRE(own);
    CHECK(own->status == 200);
}

TEST_CASE("security: tokens are stored only as SHA-256 and compared in constant time",
          "[security][auth]") {
    std::string db_path;
    std::vector<std::string> secrets;
    {
        SecurityWorld w;
        secrets = {w.team.admin.token, w.team.alice.token, w.team.bob.token};
        auto issued = w.send("post", "/api/v1/users/" + w.team.alice.user.id + "/tokens",
                             bearer(w.team.admin.token), json{{"label", "laptop"}}.dump());
        secrets.push_back(body_of(issued)["token"].get<std::string>());
        auto s = w.server.db().prepare("SELECT token_hash FROM api_tokens");
        std::vector<std::string> hashes;
        while (s.step()) {
            hashes.push_back(s.column_text(0));
        }
        for (const auto& secret : secrets) {
            CHECK(std::find(hashes.begin(), hashes.end(), util::sha256_hex(secret)) !=
                  hashes.end());
        }
        // The files on disk (database and its WAL) never hold a clear token.
        const std::string path = w.server.db().path();
        const std::string bytes = read_file(path) + read_file(path + "-wal");
        REQUIRE(bytes.size() > 1000);
        for (const auto& secret : secrets) {
            CHECK(bytes.find(secret) == std::string::npos);
        }
        // Nor does any API answer after the issuing one.
        auto tokens = w.send("get", "/api/v1/users/" + w.team.alice.user.id + "/tokens",
                             bearer(w.team.admin.token));
        REQUIRE(tokens);
        for (const auto& secret : secrets) {
            CHECK(tokens->body.find(secret) == std::string::npos);
        }
    }
    using service::constant_time_equals;
    CHECK(constant_time_equals("", ""));
    CHECK(constant_time_equals("abc", "abc"));
    CHECK_FALSE(constant_time_equals("abc", "abd"));
    CHECK_FALSE(constant_time_equals("abc", "xbc"));
    CHECK_FALSE(constant_time_equals("abc", "abcd"));
    CHECK_FALSE(constant_time_equals(std::string("a\0c", 3), std::string("a\0d", 3)));
}

TEST_CASE("security: static file serving refuses every form of path traversal",
          "[security][static]") {
    RunningServer server;
    for (const std::string target :
         {"/../etc/passwd", "/..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
          "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/%252e%252e/%252e%252e/etc/passwd",
          "/vendor/..%2f..%2f..%2fetc%2fpasswd", "/.%2e/.%2e/etc/passwd", "/..\\..\\etc\\passwd",
          "/%2e%2e%5c%2e%2e%5cetc%5cpasswd", "/index.html%00.js", "/index.html%2500",
          "//etc/passwd", "/./././etc/passwd", "/%c0%ae%c0%ae/etc/passwd",
          "/labelloop_app.js/..%2f..%2f..%2fproc/self/environ"}) {
        INFO("request target: " << target);
        const std::string raw = raw_get(server.port(), target);
        REQUIRE(raw.size() > 12);
        const int status = std::stoi(raw.substr(9, 3));
        CHECK((status == 400 || status == 404));
        CHECK(raw.find("root:") == std::string::npos);
        CHECK(raw.find("PATH=") == std::string::npos);
    }
    CHECK(raw_get(server.port(), "/index.html").substr(9, 3) == "200");
}

TEST_CASE("security: hostile strings in every text field are stored verbatim, DB intact",
          "[security][injection]") {
    SecurityWorld w;
    std::string huge_unicode;
    while (huge_unicode.size() < 900) {
        huge_unicode += "\xF0\x9F\xA7\xAA\xE2\x80\xAE\xC3\xA9\xE6\xBC\xA2"; // 🧪 RLO é 漢
    }
    const std::vector<std::string> hostile = {
        "Robert'); DROP TABLE users;--",
        "' OR '1'='1",
        "\" OR 1=1 --",
        "x'; UPDATE label_queue SET label = 0; --",
        "%s%n%x%d",
        "<script>alert('x')</script>",
        "line1\nline2\r\n\ttab\\backslash",
        huge_unicode.substr(0, 96),
    };
    auto& db = w.server.db();
    const auto admin = bearer(w.team.admin.token);
    int n = 0;
    for (const auto& text : hostile) {
        INFO("hostile string #" << n);
        const std::string tag = std::to_string(n++);
        // user name (100 characters at most, so shortened, but still hostile)
        const std::string name = (tag + text).substr(0, 100);
        auto user = w.send("post", "/api/v1/users", admin,
                           json{{"name", name}, {"role", "scientist"}}.dump());
        REQUIRE(user);
        REQUIRE(user->status == 201);
        const auto user_id = body_of(user)["id"].get<std::string>();
        auto users = body_of(w.send("get", "/api/v1/users", admin));
        bool found = false;
        for (const auto& u : users["users"]) {
            found = found || (u["id"] == user_id && u["name"] == name);
        }
        CHECK(found);
        // token label
        auto token = w.send("post", "/api/v1/users/" + user_id + "/tokens", admin,
                            json{{"label", text}}.dump());
        REQUIRE(token);
        REQUIRE(token->status == 201);
        CHECK(body_of(token)["label"] == text);
        auto tokens = body_of(w.send("get", "/api/v1/users/" + user_id + "/tokens", admin));
        CHECK(tokens["tokens"][0]["label"] == text);
        // notes on a label and a skip
        const auto& item = w.items[static_cast<std::size_t>(n % 6)];
        auto label = w.send("post", "/api/v1/active-learning/queue/" + item.id + "/label", admin,
                            json{{"label", 1.25}, {"notes", text}}.dump());
        REQUIRE(label);
        if (label->status == 200) {
            auto again = body_of(w.send("get", "/api/v1/active-learning/queue/" + item.id, admin));
            CHECK(again["notes"] == text);
        } else {
            CHECK(label->status == 409); // already labeled by an earlier round
        }
        // enum-like fields: refused with 422, never interpreted
        auto bad = w.send("post", "/api/v1/active-learning/queue/" + item.id + "/label", admin,
                          json{{"label", 1.0}, {"source", text}}.dump());
        REQUIRE(bad);
        CHECK((bad->status == 422 || bad->status == 409));
        // ids in paths and queries: 404, nothing else
        auto missing = w.send("get", "/api/v1/models/" + pct(text), admin);
        REQUIRE(missing);
        CHECK(missing->status == 404);
        auto audit = w.send(
            "get", "/api/v1/audit?entity_type=" + pct(text) + "&entity_id=" + pct(text), admin);
        REQUIRE(audit);
        CHECK(audit->status == 200);
        CHECK(body_of(audit)["entries"].empty());
        // model name and property (the model is not trained: too few labels, 409 or 422)
        auto model = w.send("post", "/api/v1/models", admin,
                            json{{"name", text}, {"property", text}, {"dataset", text}}.dump());
        REQUIRE(model);
        CHECK(model->status >= 400);
        CHECK(model->status < 500);
        // import: dataset name and compound names through CSV
        const std::string csv = "smiles,name\nCCO,\"" + std::string("ethanol ") + tag + "\"\n";
        auto imported = w.send(
            "post", "/api/v1/compounds/import", admin,
            json{{"format", "csv"}, {"content", csv}, {"name_column", "name"}, {"dataset", text}}
                .dump());
        REQUIRE(imported);
        CHECK(imported->status == 200);
        auto listed = w.send("get", "/api/v1/compounds?dataset=" + pct(text), admin);
        REQUIRE(listed);
        CHECK(listed->status == 200);
        CHECK(body_of(listed)["total"].get<int>() >= 1);
    }
    // Every table is still there, the file is sound, and nothing was rewritten in bulk.
    auto check = db.prepare("PRAGMA integrity_check");
    REQUIRE(check.step());
    CHECK(check.column_text(0) == "ok");
    for (const char* table : {"users", "api_tokens", "label_queue", "compounds", "audit_log"}) {
        auto s = db.prepare(std::string("SELECT COUNT(*) FROM ") + table);
        REQUIRE(s.step());
        CHECK(s.column_int(0) > 0);
    }
    auto zeroed = db.prepare("SELECT COUNT(*) FROM label_queue WHERE label = 0");
    REQUIRE(zeroed.step());
    CHECK(zeroed.column_int(0) == 0);
}
