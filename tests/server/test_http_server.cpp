// The server's HTTP face against a real server on a loopback port: health, the embedded
// app with its MIME types and caching headers, unknown paths, and path traversal.
#include "test_support.hpp"

#include "labelloop/version.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using labelloop::testing::raw_get;
using labelloop::testing::RunningServer;
using json = nlohmann::json;

namespace {

int status_of(const std::string& raw) {
    REQUIRE(raw.size() > 12);
    return std::stoi(raw.substr(9, 3));
}

} // namespace

TEST_CASE("health reports product, sync protocol and schema versions", "[http][health]") {
    RunningServer server;
    auto res = server.client().Get("/api/v1/health");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    CHECK(res->get_header_value("Cache-Control") == "no-store");
    const auto body = json::parse(res->body);
    CHECK(body["status"] == "ok");
    CHECK(body["product"] == "LabelLoop");
    CHECK(body["version"] == labelloop::kProductVersion);
    CHECK(body["sync_protocol_version"] == labelloop::kSyncProtocolVersion);
    CHECK(body["schema_version"] == labelloop::store::latest_schema_version());
    // One log line per request, with method, path and status.
    CHECK(server.wait_for_log("GET /api/v1/health 200"));
}

TEST_CASE("the embedded app is served with the right MIME types and caching", "[http][static]") {
    RunningServer server;
    auto client = server.client();

    auto index = client.Get("/");
    REQUIRE(index);
    CHECK(index->status == 200);
    CHECK(index->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK(index->get_header_value("Cache-Control") == "no-cache");
    CHECK(index->body.find("labelloop_app.js") != std::string::npos);

    auto js = client.Get("/labelloop_app.js");
    REQUIRE(js);
    CHECK(js->status == 200);
    CHECK(js->get_header_value("Content-Type") == "text/javascript; charset=utf-8");

    auto wasm = client.Get("/labelloop_app.wasm");
    REQUIRE(wasm);
    CHECK(wasm->status == 200);
    CHECK(wasm->get_header_value("Content-Type") == "application/wasm");
    REQUIRE(wasm->body.size() > 8);
    CHECK(wasm->body.compare(0, 4, std::string("\0asm", 4)) == 0);

    // RDKit sits under a versioned path and may be cached for good.
    const auto rdkit_pos = index->body.find("/vendor/rdkit-");
    REQUIRE(rdkit_pos != std::string::npos);
    const auto rdkit_dir =
        index->body.substr(rdkit_pos, index->body.find('/', rdkit_pos + 8) - rdkit_pos);
    auto rdkit = client.Get((rdkit_dir + "/RDKit_minimal.wasm").c_str());
    REQUIRE(rdkit);
    CHECK(rdkit->status == 200);
    CHECK(rdkit->get_header_value("Content-Type") == "application/wasm");
    CHECK(rdkit->get_header_value("Cache-Control") == "public, max-age=31536000, immutable");
    CHECK(rdkit->body.size() > 1000000);

    // Revalidation: the same ETag gives 304 without a body.
    const std::string etag = js->get_header_value("ETag");
    REQUIRE_FALSE(etag.empty());
    auto again = client.Get("/labelloop_app.js", {{"If-None-Match", etag}});
    REQUIRE(again);
    CHECK(again->status == 304);
    CHECK(again->body.empty());
}

TEST_CASE("clients that accept gzip get the compressed bytes", "[http][static]") {
    RunningServer server;
    auto client = server.client();
    auto plain = client.Get("/labelloop_app.wasm");
    REQUIRE(plain);
    // Ask for gzip without letting the client decompress, to see the wire bytes.
    client.set_decompress(false);
    auto gz = client.Get("/labelloop_app.wasm", {{"Accept-Encoding", "gzip"}});
    REQUIRE(gz);
    CHECK(gz->status == 200);
    CHECK(gz->get_header_value("Content-Encoding") == "gzip");
    CHECK(gz->body.size() < plain->body.size());
    CHECK(static_cast<unsigned char>(gz->body[0]) == 0x1f);
    CHECK(static_cast<unsigned char>(gz->body[1]) == 0x8b);
}

TEST_CASE("unknown paths are 404, unknown API endpoints answer in JSON", "[http][errors]") {
    RunningServer server;
    auto client = server.client();
    auto page = client.Get("/no-such-file.js");
    REQUIRE(page);
    CHECK(page->status == 404);

    auto api = client.Get("/api/v1/no-such-endpoint");
    REQUIRE(api);
    CHECK(api->status == 404);
    const auto body = json::parse(api->body);
    CHECK(body["error"]["code"] == "not_found");
    CHECK(body["error"]["message"].get<std::string>().find("/api/v1/no-such-endpoint") !=
          std::string::npos);
}

TEST_CASE("path traversal never escapes the embedded assets", "[http][security]") {
    RunningServer server;
    for (const std::string target :
         {"/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
          "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/vendor/../../etc/passwd", "/..%5c..%5cetc%5cpasswd",
          "/labelloop_app.js/../../etc/passwd"}) {
        INFO("request target: " << target);
        const std::string raw = raw_get(server.port(), target);
        const int status = status_of(raw);
        CHECK((status == 400 || status == 404));
        CHECK(raw.find("root:") == std::string::npos);
    }
    // The same server still serves the app normally afterwards.
    CHECK(status_of(raw_get(server.port(), "/index.html")) == 200);
}
