// Two `labelloop serve` processes on one PostgreSQL database (issue 18), killed in turn with
// SIGKILL under load: label submits spread over both processes, every sync batch sent to both
// at once (the same op ids reaching two processes), and a retrain started in every round.
// After five kills: every acknowledged label is stored with its value, no op is stored twice
// and a full replay of every op to both processes applies nothing again, every job ended
// (succeeded, or failed because its process died) and none was applied twice: each lineage has
// one version more per succeeded job and exactly one active version.
#include "../child_server.hpp"
#include "../store_backends.hpp"
#include "../test_support.hpp"

#include "labelloop/version.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace labelloop;
using json = nlohmann::json;
using labelloop::testing::bearer;
using labelloop::testing::body_of;
using labelloop::testing::ChildServer;
using labelloop::testing::fresh_postgres_database;
using labelloop::testing::shared_postgres_server;

namespace {

constexpr int kLineages = 5;      // one retrain per round, each on its own model
constexpr int kLabelItems = 3000; // labeled through POST .../label, spread over both
constexpr int kSyncItems = 1000;  // labeled through /sync, each batch sent to both
constexpr std::size_t kBatch = 20;
const std::vector<std::string> kServeArgs = {"--job-lease", "3"};

struct World {
    std::string url;
    std::string dbname;
    std::string scientist_token;
    std::string scientist_id;
    std::string admin_token;
    std::vector<std::string> items;  // kLabelItems label items, then kSyncItems sync items
    std::vector<std::string> cycles; // one per lineage, with 15 labels waiting for a retrain
    std::vector<std::string> models; // the first version of each lineage
};

World seed() {
    World w;
    w.dbname = fresh_postgres_database();
    w.url = shared_postgres_server().url(w.dbname);
    service::Services s(w.url, service::ServicesOptions::one_shot());
    const auto team = testing::seed_team(s);
    w.scientist_token = team.alice.token;
    w.scientist_id = team.alice.user.id;
    w.admin_token = team.admin.token;
    for (int l = 0; l < kLineages; ++l) {
        const auto model = testing::seed_esol_model(s, 140, 90, "ESOL " + std::to_string(l));
        w.models.push_back(model.id);
        service::SelectRequest req;
        req.model_id = model.id;
        req.batch_size = 20;
        const auto selected = s.active_learning.select_samples(team.admin.user, req);
        w.cycles.push_back(*selected.cycle_id);
        for (std::size_t i = 0; i < 15; ++i) {
            service::LabelInput input;
            input.label = -2.0 - 0.1 * static_cast<double>(i);
            s.active_learning.submit_label(team.admin.user, selected.items[i].id, input);
        }
    }
    // After the selections: these compounds have no real features and must not join a pool.
    s.store.transaction([&] {
        const auto model = testing::insert_model_row(s.store, "labels");
        for (const auto& q : testing::insert_queue(s, model, kLabelItems + kSyncItems)) {
            w.items.push_back(q.id);
        }
    });
    return w;
}

double label_value(std::size_t i) {
    return -10.0 + 0.001 * static_cast<double>(i);
}

std::string op_id(std::size_t i) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-9000-%012zu", i);
    return buf;
}

json sync_body(const World& w, std::size_t batch) {
    json ops = json::array();
    for (std::size_t k = 0; k < kBatch; ++k) {
        const std::size_t i = kLabelItems + batch * kBatch + k;
        ops.push_back({{"op_id", op_id(i)},
                       {"kind", "label"},
                       {"item_id", w.items[i]},
                       {"base_version", 1},
                       {"user_id", w.scientist_id},
                       {"label", label_value(i)},
                       {"source", "experimental"},
                       {"confidence", "high"}});
    }
    return {{"protocol", kSyncProtocolVersion}, {"cursor", 0}, {"limit", 1}, {"ops", ops}};
}

struct Acked {
    std::mutex mutex;
    std::map<std::string, double> labels; // item id -> value, for every 200 received
    std::vector<std::string> jobs;
};

/// One round of load until `stop`: label clients on both processes (each client its own share
/// of the label items), sync clients sending each batch to both processes at once.
void run_load(const World& w, ChildServer* servers[2], Acked& acked, std::vector<char>& done,
              std::vector<char>& synced, const std::atomic<bool>& stop, std::atomic<int>& ok) {
    std::vector<std::thread> threads;
    constexpr int kLabelClients = 6;
    for (int c = 0; c < kLabelClients; ++c) {
        threads.emplace_back([&, c] {
            auto client = servers[c % 2]->client();
            const auto headers = bearer(w.scientist_token);
            for (std::size_t i = static_cast<std::size_t>(c); i < kLabelItems && !stop;
                 i += kLabelClients) {
                if (done[i] != 0) {
                    continue;
                }
                const json body = {{"label", label_value(i)}, {"source", "experimental"}};
                auto r =
                    client.Post(("/api/v1/active-learning/queue/" + w.items[i] + "/label").c_str(),
                                headers, body.dump(), "application/json");
                if (!r) {
                    return; // this process is gone: the label may or may not be stored
                }
                if (r->status == 200) {
                    std::lock_guard<std::mutex> lock(acked.mutex);
                    acked.labels[w.items[i]] = label_value(i);
                    done[i] = 1;
                    ++ok;
                } else if (r->status == 409) {
                    done[i] = 1; // stored by a request whose answer a kill swallowed
                } else {
                    FAIL_CHECK("unexpected answer " << r->status << ": " << r->body);
                    return;
                }
            }
        });
    }
    // The same batches, in the same order, to both processes at once.
    for (int p = 0; p < 2; ++p) {
        threads.emplace_back([&, p] {
            auto client = servers[p]->client();
            for (std::size_t b = 0; b < kSyncItems / kBatch && !stop; ++b) {
                if (synced[b] != 0) {
                    continue;
                }
                auto r = client.Post("/api/v1/sync", bearer(w.scientist_token),
                                     sync_body(w, b).dump(), "application/json");
                if (!r) {
                    return;
                }
                if (r->status != 200) {
                    FAIL_CHECK("unexpected sync answer " << r->status << ": " << r->body);
                    return;
                }
                const auto answer = json::parse(r->body);
                for (const auto& res : answer["results"]) {
                    CHECK(res["outcome"] == "applied");
                }
                std::lock_guard<std::mutex> lock(acked.mutex);
                for (std::size_t k = 0; k < kBatch; ++k) {
                    const std::size_t i = kLabelItems + b * kBatch + k;
                    acked.labels[w.items[i]] = label_value(i);
                }
                synced[b] = 1;
                ++ok;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
}

std::int64_t count(const World& w, const std::string& sql) {
    return std::stoll(testing::postgres_scalar(sql, w.dbname));
}

} // namespace

TEST_CASE("two server processes on one PostgreSQL database: 5 SIGKILLs under label, sync and "
          "retrain load lose no label, store no op twice, apply no job twice",
          "[postgres][crash][slow]") {
    testing::TempDir dir;
    const World w = seed();
    {
        // Retrains heavy enough to be killed midway (a few seconds each).
        for (const auto& id : w.models) {
            testing::postgres_admin(
                "UPDATE ml_models SET params = '" +
                    json{{"n_members", 48}, {"boosting_rounds", 400}, {"seed", 3}}.dump() +
                    "' WHERE id = '" + id + "'",
                w.dbname);
        }
    }
    Acked acked;
    std::vector<char> done(kLabelItems, 0);
    std::vector<char> synced(kSyncItems / kBatch, 0);
    std::mt19937 rng(20261206);
    std::unique_ptr<ChildServer> procs[2];
    int kills = 0;
    for (int round = 0; round < 5; ++round) {
        INFO("round " << round);
        for (int p = 0; p < 2; ++p) {
            if (!procs[p] || !procs[p]->running()) {
                procs[p] = std::make_unique<ChildServer>(
                    w.url, dir.file("server-" + std::to_string(p) + ".log"), kServeArgs);
            }
        }
        // A retrain of this round's lineage, asked of either process; either may run it.
        {
            auto c = procs[round % 2]->client();
            auto r =
                c.Post(("/api/v1/active-learning/cycles/" + w.cycles[round] + "/retrain").c_str(),
                       bearer(w.admin_token), "{}", "application/json");
            REQUIRE(r);
            INFO(r->body);
            REQUIRE(r->status == 202);
            acked.jobs.push_back(json::parse(r->body)["job_id"].get<std::string>());
        }
        ChildServer* servers[2] = {procs[0].get(), procs[1].get()};
        std::atomic<bool> stop{false};
        std::atomic<int> ok{0};
        std::thread load([&] { run_load(w, servers, acked, done, synced, stop, ok); });
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (ok.load() < 60 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 400)(rng)));
        int victim = std::uniform_int_distribution<int>(0, 1)(rng);
        if (round % 2 == 0) {
            // Kill the process running this round's retrain (jobs.claimed_by names its pid),
            // once it runs, so the other process has to find the job quiet and fail it.
            const std::string& job = acked.jobs.back();
            for (int i = 0; i < 3000; ++i) {
                const auto claimed = testing::postgres_scalar(
                    "SELECT COALESCE(claimed_by, '') || '|' || status FROM jobs WHERE id = '" +
                        job + "'",
                    w.dbname);
                if (claimed.find("|running") != std::string::npos) {
                    for (int p = 0; p < 2; ++p) {
                        if (claimed.find(":" + std::to_string(procs[p]->pid()) + ":") !=
                            std::string::npos) {
                            victim = p;
                        }
                    }
                    break;
                }
                if (claimed.find("|queued") == std::string::npos) {
                    break; // finished already: too quick to be killed midway
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
        procs[victim]->kill_hard();
        ++kills;
        // The other process keeps serving its clients a little longer, then the round ends.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        stop = true;
        load.join();
        CHECK(ok.load() > 0);
    }
    REQUIRE(kills == 5);

    // Both up again; every job ends: run to the end, or failed once its process was quiet for
    // the lease (3 s).
    for (int p = 0; p < 2; ++p) {
        if (!procs[p]->running()) {
            procs[p] = std::make_unique<ChildServer>(
                w.url, dir.file("server-" + std::to_string(p) + ".log"), kServeArgs);
        }
    }
    auto c0 = procs[0]->client();
    auto c1 = procs[1]->client();
    std::map<std::string, json> finished;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(600);
    for (const auto& job : acked.jobs) {
        json j;
        do {
            j = body_of(c1.Get(("/api/v1/jobs/" + job).c_str(), bearer(w.admin_token)));
            if (j["status"] == "queued" || j["status"] == "running") {
                REQUIRE(std::chrono::steady_clock::now() < deadline);
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        } while (j["status"] == "queued" || j["status"] == "running");
        finished[job] = j;
    }

    // Every op sent again to both processes, acknowledged or not: nothing applies twice.
    for (std::size_t b = 0; b < kSyncItems / kBatch; ++b) {
        for (auto* c : {&c0, &c1}) {
            const auto answer = body_of(c->Post("/api/v1/sync", bearer(w.scientist_token),
                                                sync_body(w, b).dump(), "application/json"));
            for (const auto& r : answer["results"]) {
                CHECK(r["outcome"] == "applied");
                // An unacknowledged batch may or may not have been stored before.
                if (synced[b] != 0 || c == &c1) {
                    CHECK(r["duplicate"] == true);
                }
            }
        }
        synced[b] = 1;
    }
    CHECK(procs[0]->stop() == 0);
    CHECK(procs[1]->stop() == 0);

    // No acknowledged label lost.
    {
        service::Services s(w.url, service::ServicesOptions::one_shot());
        std::size_t lost = 0;
        for (const auto& [id, value] : acked.labels) {
            const auto item = s.store.find_queue_item(id);
            REQUIRE(item);
            if (item->status != "labeled" || item->label != value ||
                item->labeled_by != w.scientist_id) {
                ++lost;
                UNSCOPED_INFO("acknowledged label lost or wrong: item " << id);
            }
        }
        CHECK(lost == 0);
    }
    // Each op once; one audit entry per label; labels and only labels have who and when.
    CHECK(count(w, "SELECT COUNT(*) FROM sync_ops") == kSyncItems);
    CHECK(count(w, "SELECT COUNT(DISTINCT op_id) FROM sync_ops") == kSyncItems);
    CHECK(count(w, "SELECT COUNT(*) FROM audit_log WHERE action = 'label'") ==
          count(w, "SELECT COUNT(*) FROM label_queue WHERE status IN ('labeled', 'archived')"));
    CHECK(count(w, "SELECT COUNT(*) FROM label_queue WHERE status IN ('labeled', 'archived') "
                   "AND (label IS NULL OR labeled_by IS NULL OR labeled_at IS NULL)") == 0);

    // Jobs: each ended; none applied twice.
    int succeeded = 0;
    int failed = 0;
    for (int l = 0; l < kLineages; ++l) {
        const json& j = finished[acked.jobs[static_cast<std::size_t>(l)]];
        INFO("job " << j.dump());
        const std::string lineage = w.models[static_cast<std::size_t>(l)];
        const auto versions =
            count(w, "SELECT COUNT(*) FROM ml_models WHERE lineage_id = '" + lineage + "'");
        const auto active = count(w, "SELECT COUNT(*) FROM ml_models WHERE lineage_id = '" +
                                         lineage + "' AND status = 'active'");
        CHECK(active == 1);
        const auto cycle_status =
            testing::postgres_scalar("SELECT status FROM active_learning_cycles WHERE id = '" +
                                         w.cycles[static_cast<std::size_t>(l)] + "'",
                                     w.dbname);
        if (j["status"] == "succeeded") {
            ++succeeded;
            CHECK(versions == 2);
            CHECK(cycle_status == "complete");
        } else {
            ++failed;
            CHECK(j["status"] == "failed");
            // Failed by the live process once the killed one was quiet for the lease.
            CHECK(j["error"].get<std::string>().find("stopped answering") != std::string::npos);
            CHECK(versions == 1);
            CHECK(cycle_status == "labeling");
        }
    }
    CHECK(count(w, "SELECT COUNT(*) FROM jobs WHERE status NOT IN ('succeeded', 'failed')") == 0);
    // Rounds 0, 2 and 4 kill the process running the retrain while it runs (a 48-member
    // ensemble takes seconds); at least one of those must have been caught midway.
    CHECK(failed > 0);
    WARN("two processes, " << kills << " SIGKILLs: acknowledged labels checked: "
                           << acked.labels.size() << ", retrains succeeded " << succeeded
                           << ", failed by a kill " << failed);
}
