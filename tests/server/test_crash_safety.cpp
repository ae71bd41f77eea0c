// Crash safety of the real `labelloop` binary: a child process serves a real SQLite file on
// a loopback port while client threads submit labels as fast as they can; the test kills it
// with SIGKILL mid-run, several times, and after each kill checks that every label the
// server acknowledged (HTTP 200 received) is stored with its value, that the file passes
// PRAGMA integrity_check, and that the queue is consistent. The same for a kill during a
// retrain: the previous model stays active, the job is failed, a new retrain succeeds.
//
// Adding a workload (e.g. sync) is one more `Workload` function given to run_kill_rounds():
// it sends requests until the server dies and records what was acknowledged.
#include "child_server.hpp"
#include "test_support.hpp"

#include "labelloop/version.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <regex>

using namespace labelloop;
using json = nlohmann::json;
using labelloop::testing::bearer;
using labelloop::testing::body_of;
using labelloop::testing::ChildServer;

namespace {

/// What the server acknowledged, and what it may or may not have done (no answer).
struct Acked {
    std::mutex mutex;
    std::map<std::string, double> labels; // item id -> value, for every 200 received
};

struct Seeded {
    std::string scientist_token;
    std::string scientist_id;
    std::string admin_token;
    std::vector<std::string> item_ids;
};

Seeded seed_queue(const std::string& db_path, int n_items) {
    service::Services s(db_path);
    const auto team = testing::seed_team(s);
    Seeded out{team.alice.token, team.alice.user.id, team.admin.token, {}};
    s.store.transaction([&] {
        const auto model = testing::insert_model_row(s.store, "crash");
        for (const auto& q : testing::insert_queue(s, model, n_items)) {
            out.item_ids.push_back(q.id);
        }
    });
    return out;
}

/// The value a client sends for item i: distinct per item, so a mix-up would show.
double label_value(std::size_t i) {
    return -10.0 + 0.001 * static_cast<double>(i);
}

/// Checks the file with the server dead: integrity, acknowledged labels, queue consistency.
void verify_database(const std::string& db_path, const Acked& acked,
                     const std::string& scientist_id) {
    store::Database db(db_path);
    auto integrity = db.prepare("PRAGMA integrity_check");
    REQUIRE(integrity.step());
    CHECK(integrity.column_text(0) == "ok");
    auto fk = db.prepare("PRAGMA foreign_key_check");
    CHECK_FALSE(fk.step());

    auto item = db.prepare("SELECT status, label, labeled_by, labeled_at, label_source, version "
                           "FROM label_queue WHERE id = ?");
    std::size_t missing = 0;
    for (const auto& [id, value] : acked.labels) {
        item.reset();
        item.bind(1, id);
        REQUIRE(item.step());
        const bool ok = item.column_text(0) == "labeled" && !item.is_null(1) &&
                        item.column_double(1) == value && item.column_text(2) == scientist_id &&
                        !item.is_null(3) && item.column_text(4) == "experimental" &&
                        item.column_int(5) == 2;
        if (!ok) {
            ++missing;
            UNSCOPED_INFO("acknowledged label lost or wrong: item " << id);
        }
    }
    CHECK(missing == 0);

    // Every labeled item has its label, who and when; nothing else has any of them.
    auto broken = db.prepare(
        "SELECT COUNT(*) FROM label_queue WHERE (status IN ('labeled', 'archived') AND "
        "(label IS NULL OR labeled_by IS NULL OR labeled_at IS NULL OR label_source IS NULL)) "
        "OR (status IN ('pending', 'in_progress') AND (label IS NOT NULL OR labeled_by IS NOT "
        "NULL OR labeled_at IS NOT NULL))");
    REQUIRE(broken.step());
    CHECK(broken.column_int(0) == 0);
    // Counts per status add up to the total.
    auto counts =
        db.prepare("SELECT COUNT(*), SUM(status = 'pending') + SUM(status = 'in_progress') + "
                   "SUM(status = 'labeled') + SUM(status = 'skipped') + SUM(status = 'archived') "
                   "FROM label_queue");
    REQUIRE(counts.step());
    CHECK(counts.column_int(0) == counts.column_int(1));
    // Cycle counters match their items (both are written in the label's transaction).
    auto cycles = db.prepare(
        "SELECT c.id, c.items_labeled, c.items_skipped, "
        "(SELECT COUNT(*) FROM label_queue q WHERE q.cycle_id = c.id AND "
        " q.status IN ('labeled', 'archived')), "
        "(SELECT COUNT(*) FROM label_queue q WHERE q.cycle_id = c.id AND q.status = 'skipped') "
        "FROM active_learning_cycles c");
    while (cycles.step()) {
        INFO("cycle " << cycles.column_text(0));
        CHECK(cycles.column_int(1) == cycles.column_int(3));
        CHECK(cycles.column_int(2) == cycles.column_int(4));
    }
    // One audit entry per label.
    auto audit = db.prepare("SELECT (SELECT COUNT(*) FROM audit_log WHERE action = 'label'), "
                            "(SELECT COUNT(*) FROM label_queue WHERE status = 'labeled')");
    REQUIRE(audit.step());
    CHECK(audit.column_int(0) == audit.column_int(1));
}

/// Clients label items (each its own share, skipping done ones) until the server dies.
void label_until_killed(const ChildServer& server, const Seeded& seeded, Acked& acked,
                        std::vector<char>& done, int n_clients, std::atomic<int>& in_flight_ok) {
    std::vector<std::thread> clients;
    for (int c = 0; c < n_clients; ++c) {
        clients.emplace_back([&, c] {
            auto client = server.client();
            const auto headers = bearer(seeded.scientist_token);
            for (std::size_t i = static_cast<std::size_t>(c); i < seeded.item_ids.size();
                 i += static_cast<std::size_t>(n_clients)) {
                if (done[i] != 0) {
                    continue;
                }
                const json body = {{"label", label_value(i)}, {"source", "experimental"}};
                auto r = client.Post(
                    ("/api/v1/active-learning/queue/" + seeded.item_ids[i] + "/label").c_str(),
                    headers, body.dump(), "application/json");
                if (!r) {
                    return; // the server is gone: this label may or may not be stored
                }
                if (r->status == 200) {
                    std::lock_guard<std::mutex> lock(acked.mutex);
                    acked.labels[seeded.item_ids[i]] = label_value(i);
                    done[i] = 1;
                    ++in_flight_ok;
                } else if (r->status == 409) {
                    done[i] = 1; // stored by a request whose answer the kill swallowed
                } else {
                    FAIL_CHECK("unexpected answer " << r->status << ": " << r->body);
                    return;
                }
            }
        });
    }
    for (auto& t : clients) {
        t.join();
    }
}

std::string sync_op_id(std::size_t i) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012zu", i);
    return buf;
}

/// The sync body a browser sends for items [from, to): one label op each.
json sync_body(const Seeded& seeded, std::size_t from, std::size_t to) {
    json ops = json::array();
    for (std::size_t i = from; i < to; ++i) {
        ops.push_back({{"op_id", sync_op_id(i)},
                       {"kind", "label"},
                       {"item_id", seeded.item_ids[i]},
                       {"base_version", 1},
                       {"user_id", seeded.scientist_id},
                       {"label", label_value(i)},
                       {"source", "experimental"},
                       {"confidence", "high"}});
    }
    return {{"protocol", kSyncProtocolVersion}, {"cursor", 0}, {"limit", 1}, {"ops", ops}};
}

/// Browsers push their op logs in batches through /sync until the server dies; a batch
/// counts as acknowledged only when its 200 arrived.
void sync_until_killed(const ChildServer& server, const Seeded& seeded, Acked& acked,
                       std::size_t batch, int n_clients, std::atomic<int>& in_flight_ok) {
    std::vector<std::thread> clients;
    const std::size_t n_batches = seeded.item_ids.size() / batch;
    for (int c = 0; c < n_clients; ++c) {
        clients.emplace_back([&, c] {
            auto client = server.client();
            for (std::size_t b = static_cast<std::size_t>(c); b < n_batches;
                 b += static_cast<std::size_t>(n_clients)) {
                auto r = client.Post("/api/v1/sync", bearer(seeded.scientist_token),
                                     sync_body(seeded, b * batch, (b + 1) * batch).dump(),
                                     "application/json");
                if (!r) {
                    return; // the server is gone: this batch may or may not be stored
                }
                if (r->status != 200) {
                    FAIL_CHECK("unexpected answer " << r->status << ": " << r->body);
                    return;
                }
                std::lock_guard<std::mutex> lock(acked.mutex);
                for (std::size_t i = b * batch; i < (b + 1) * batch; ++i) {
                    acked.labels[seeded.item_ids[i]] = label_value(i);
                }
                ++in_flight_ok;
            }
        });
    }
    for (auto& t : clients) {
        t.join();
    }
}

} // namespace

TEST_CASE("crash safety: SIGKILL during syncs loses no acknowledged op, and resending every "
          "op afterwards applies each exactly once",
          "[crash][slow][sync]") {
    testing::TempDir dir;
    const std::string db_path = dir.file("crash-sync.db");
    const std::size_t batch = 25;
    const int n_items = 4000;
    const Seeded seeded = seed_queue(db_path, n_items);
    Acked acked;
    std::mt19937 rng(1124);
    const int kills = 3;
    for (int round = 0; round < kills; ++round) {
        INFO("kill round " << round);
        ChildServer server(db_path, dir.file("server.log"));
        std::atomic<int> ok{0};
        std::thread load([&] { sync_until_killed(server, seeded, acked, batch, 4, ok); });
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (ok.load() < 5 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(10, 200)(rng)));
        server.kill_hard();
        load.join();
        verify_database(db_path, acked, seeded.scientist_id);
    }
    REQUIRE_FALSE(acked.labels.empty());

    // Every browser sends its whole op log again, acknowledged or not: all of it lands once.
    ChildServer server(db_path, dir.file("server.log"));
    auto c = server.client();
    std::size_t duplicates = 0;
    for (std::size_t b = 0; b < static_cast<std::size_t>(n_items) / batch; ++b) {
        const auto answer = body_of(c.Post("/api/v1/sync", bearer(seeded.scientist_token),
                                           sync_body(seeded, b * batch, (b + 1) * batch).dump(),
                                           "application/json"));
        for (const auto& r : answer["results"]) {
            CHECK(r["outcome"] == "applied");
            duplicates += r["duplicate"].get<bool>() ? 1 : 0;
        }
    }
    CHECK(duplicates >= acked.labels.size());
    CHECK(server.stop() == 0);
    Acked all;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n_items); ++i) {
        all.labels[seeded.item_ids[i]] = label_value(i);
    }
    verify_database(db_path, all, seeded.scientist_id);
    store::Database db(db_path);
    auto ops = db.prepare("SELECT COUNT(*) FROM sync_ops");
    REQUIRE(ops.step());
    CHECK(ops.column_int(0) == n_items);
    WARN("sync kills survived: " << kills << ", acknowledged ops checked: " << acked.labels.size()
                                 << ", resent as duplicates: " << duplicates);
}

TEST_CASE("crash safety: SIGKILL during label submits loses no acknowledged label",
          "[crash][slow]") {
    testing::TempDir dir;
    const std::string db_path = dir.file("crash.db");
    const int n_items = 6000;
    const Seeded seeded = seed_queue(db_path, n_items);
    Acked acked;
    std::vector<char> done(static_cast<std::size_t>(n_items), 0);
    std::mt19937 rng(20261124);
    const int kills = 5;
    std::size_t acked_before_round = 0;
    for (int round = 0; round < kills; ++round) {
        INFO("kill round " << round);
        ChildServer server(db_path, dir.file("server.log"));
        std::atomic<int> ok{0};
        std::thread load([&] { label_until_killed(server, seeded, acked, done, 8, ok); });
        // Let the load run at full speed, then kill at a random moment.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (ok.load() < 100 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 400)(rng)));
        server.kill_hard();
        load.join();
        CHECK(ok.load() > 0);
        verify_database(db_path, acked, seeded.scientist_id);
        CHECK(acked.labels.size() > acked_before_round);
        acked_before_round = acked.labels.size();
    }
    // A last start after the kills: serves normally and shuts down cleanly.
    ChildServer server(db_path, dir.file("server.log"));
    auto c = server.client();
    auto first =
        body_of(c.Get(("/api/v1/active-learning/queue/" + acked.labels.begin()->first).c_str(),
                      bearer(seeded.scientist_token)));
    CHECK(first["status"] == "labeled");
    CHECK(first["label"].get<double>() == acked.labels.begin()->second);
    CHECK(server.stop() == 0);
    verify_database(db_path, acked, seeded.scientist_id);
    WARN("kills survived: " << kills << ", acknowledged labels checked: " << acked.labels.size());
}

TEST_CASE("crash safety: SIGKILL during a retrain keeps the previous model, fails the job, "
          "and a new retrain succeeds",
          "[crash][slow]") {
    testing::TempDir dir;
    const std::string db_path = dir.file("retrain.db");
    std::string admin_token;
    std::string model_id;
    std::string cycle_id;
    {
        service::Services s(db_path);
        const auto team = testing::seed_team(s);
        admin_token = team.admin.token;
        const auto model = testing::seed_esol_model(s, 160, 100);
        model_id = model.id;
        service::SelectRequest req;
        req.model_id = model.id;
        req.batch_size = 30;
        const auto selected = s.active_learning.select_samples(team.admin.user, req);
        cycle_id = *selected.cycle_id;
        for (std::size_t i = 0; i < 15; ++i) {
            service::LabelInput input;
            input.label = -2.0 - 0.1 * static_cast<double>(i);
            s.active_learning.submit_label(team.admin.user, selected.items[i].id, input);
        }
        // A heavier ensemble for the retrain, so it runs long enough to be killed midway.
        auto slow = s.store.connection().prepare("UPDATE ml_models SET params = ? WHERE id = ?");
        slow.bind(1, json{{"n_members", 48}, {"boosting_rounds", 400}, {"seed", 3}}.dump());
        slow.bind(2, model.id);
        slow.run();
    }
    const auto headers = bearer(admin_token);
    const std::string retrain = "/api/v1/active-learning/cycles/" + cycle_id + "/retrain";
    std::string killed_job;
    {
        ChildServer server(db_path, dir.file("server.log"));
        auto c = server.client();
        auto started = c.Post(retrain.c_str(), headers, "{}", "application/json");
        REQUIRE(started);
        REQUIRE(started->status == 202);
        killed_job = body_of(started)["job_id"].get<std::string>();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        std::string status;
        while (status != "running") {
            status = body_of(c.Get(("/api/v1/jobs/" + killed_job).c_str(), headers))["status"];
            REQUIRE(status != "succeeded"); // too fast to be killed midway
            REQUIRE(status != "failed");
            REQUIRE(std::chrono::steady_clock::now() < deadline);
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        // Labels keep coming in while it trains; the health endpoint answers.
        auto health = c.Get("/api/v1/health");
        REQUIRE(health);
        CHECK(health->status == 200);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        server.kill_hard();
    }
    {
        store::Database db(db_path);
        auto integrity = db.prepare("PRAGMA integrity_check");
        REQUIRE(integrity.step());
        CHECK(integrity.column_text(0) == "ok");
    }
    ChildServer server(db_path, dir.file("server.log"));
    auto c = server.client();
    const auto job = body_of(c.Get(("/api/v1/jobs/" + killed_job).c_str(), headers));
    CHECK(job["status"] == "failed");
    CHECK(job["error"].get<std::string>().find("previous model version stays active") !=
          std::string::npos);
    const auto model = body_of(c.Get(("/api/v1/models/" + model_id).c_str(), headers));
    CHECK(model["status"] == "active");
    CHECK(model["version"] == 1);
    const auto versions =
        body_of(c.Get(("/api/v1/models/" + model_id + "/versions").c_str(), headers));
    for (const auto& v : versions["versions"]) {
        CHECK(v["status"] != "training");
    }
    const auto cycle =
        body_of(c.Get(("/api/v1/active-learning/cycles/" + cycle_id).c_str(), headers));
    CHECK(cycle["status"] == "labeling");
    const auto stats =
        body_of(c.Get(("/api/v1/active-learning/stats/" + model_id).c_str(), headers));
    CHECK(stats["queue"]["labeled"] == 15);

    // The same cycle retrains fine after the restart (the quick ensemble again).
    {
        store::Database db(db_path);
        auto quick = db.prepare("UPDATE ml_models SET params = ? WHERE id = ?");
        quick.bind(1, testing::quick_params().dump());
        quick.bind(2, model_id);
        quick.run();
    }
    auto again = c.Post(retrain.c_str(), headers, "{}", "application/json");
    REQUIRE(again);
    REQUIRE(again->status == 202);
    const std::string job_id = body_of(again)["job_id"].get<std::string>();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
    json done;
    do {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        done = body_of(c.Get(("/api/v1/jobs/" + job_id).c_str(), headers));
        REQUIRE(std::chrono::steady_clock::now() < deadline);
    } while (done["status"] == "queued" || done["status"] == "running");
    INFO("job: " << done.dump());
    CHECK(done["status"] == "succeeded");
    const auto after =
        body_of(c.Get(("/api/v1/models/" + model_id + "/versions").c_str(), headers));
    REQUIRE(after["versions"].size() == 2);
    CHECK(after["versions"][0]["status"] == "superseded");
    CHECK(after["versions"][1]["status"] == "active");
    CHECK(server.stop() == 0);
}
