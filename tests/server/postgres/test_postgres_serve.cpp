// `labelloop serve --db postgresql://...` (issue 18): the real server binary, as a child
// process on a loopback port, runs on a fresh database of the throwaway PostgreSQL server;
// one label goes through the HTTP API and is in PostgreSQL after the server stopped. A URL
// whose server is unreachable stops the binary at start-up with the cause.
#include "../store_backends.hpp"
#include "../test_support.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <thread>

using namespace labelloop;
using labelloop::testing::bearer;
using labelloop::testing::body_of;
using labelloop::testing::fresh_postgres_database;
using labelloop::testing::shared_postgres_server;

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Starts `labelloop serve --db <db> --port 0` with its output in `log_path`.
pid_t spawn_server(const std::string& db, const std::string& log_path) {
    const int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(out >= 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(out, 1);
        ::dup2(out, 2);
        ::execl(LABELLOOP_SERVER_BINARY, LABELLOOP_SERVER_BINARY, "serve", "--db", db.c_str(),
                "--host", "127.0.0.1", "--port", "0", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(out);
    return pid;
}

} // namespace

TEST_CASE("serve --db postgresql://: a label round trip through the HTTP API lands in "
          "PostgreSQL",
          "[postgres][serve]") {
    testing::TempDir dir;
    const std::string url = shared_postgres_server().url(fresh_postgres_database());
    std::string token;
    std::string item_id;
    {
        service::Services s(url); // the same factory the binary uses: PostgreSQL
        REQUIRE(s.store.is_postgres());
        const auto team = testing::seed_team(s);
        token = team.alice.token;
        s.store.transaction([&] {
            const auto model = testing::insert_model_row(s.store, "pg");
            item_id = testing::insert_queue(s, model, 3).front().id;
        });
    }

    const std::string log = dir.file("server.log");
    pid_t pid = spawn_server(url, log);
    int port = 0;
    static const std::regex running(R"(LabelLoop is running: open http://127\.0\.0\.1:(\d+)/)");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (port == 0) {
        std::smatch m;
        const std::string text = read_all(log);
        if (std::regex_search(text, m, running)) {
            port = std::stoi(m[1].str());
            break;
        }
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            FAIL("the server exited at start: " << text);
        }
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK_THAT(read_all(log), Catch::Contains("(database " + url + ", schema " +
                                              std::to_string(store::latest_schema_version())));

    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30);
    const std::string item_url = "/api/v1/active-learning/queue/" + item_id;
    const nlohmann::json label = {
        {"label", -3.1}, {"source", "experimental"}, {"confidence", "high"}};
    auto r = c.Post((item_url + "/label").c_str(), bearer(token), label.dump(), "application/json");
    REQUIRE(r);
    INFO("body: " << r->body);
    CHECK(r->status == 200);
    CHECK(body_of(r)["status"] == "labeled");
    const auto again = body_of(c.Get(item_url.c_str(), bearer(token)));
    CHECK(again["label"] == -3.1);
    CHECK(again["labeled_by_name"] == "alice");

    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);

    store::PostgresStore after(url); // what the server committed is in the database
    const auto stored = after.find_queue_item(item_id);
    REQUIRE(stored);
    CHECK(stored->status == "labeled");
    CHECK(stored->label == std::optional<double>(-3.1));
    CHECK(after.audit_for("queue_item", item_id).size() == 1);
}

TEST_CASE("serve --db with an unreachable PostgreSQL stops at start-up naming the cause",
          "[postgres][serve][bad-input]") {
    testing::TempDir dir;
    const std::string log = dir.file("server.log");
    const pid_t pid =
        spawn_server("postgresql://someone:secret@127.0.0.1:1/labelloop?connect_timeout=5", log);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) != 0);
    const std::string text = read_all(log);
    CHECK_THAT(text, Catch::Contains("cannot connect to PostgreSQL at "
                                     "postgresql://someone:***@127.0.0.1:1/labelloop") &&
                         Catch::Contains("server unreachable") && !Catch::Contains("secret"));
}
