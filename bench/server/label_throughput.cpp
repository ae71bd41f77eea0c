// Label-submit throughput over loopback: a real HttpServer on a fresh SQLite file (WAL,
// synchronous=FULL), N client threads with keep-alive connections, each labeling its own
// share of pending queue items. Prints requests/s and latency percentiles.
//
//   labelloop_bench_label_throughput [--items N] [--clients C] [--dir DIR]
#include "http/http_server.hpp"
#include "service/services.hpp"
#include "util/ids.hpp"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using namespace labelloop;

int main(int argc, char** argv) {
    int n_items = 2000;
    int n_clients = 4;
    std::string dir = std::filesystem::temp_directory_path().string();
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        if (key == "--items") {
            n_items = std::atoi(argv[i + 1]);
        } else if (key == "--clients") {
            n_clients = std::atoi(argv[i + 1]);
        } else if (key == "--dir") {
            dir = argv[i + 1];
        }
    }
    const std::string db_path = dir + "/labelloop-bench-" + util::new_uuid() + ".db";
    std::vector<std::string> item_ids;
    std::string token;
    {
        service::Services s(db_path);
        const auto user = s.auth.create_user(nullptr, "bench", "scientist");
        token = s.auth.issue_token(nullptr, user.id, "bench").secret;
        domain::Model m;
        m.id = util::new_uuid();
        m.lineage_id = m.id;
        m.name = "bench";
        m.property = "logS";
        m.task = "regression";
        m.status = "active";
        m.created_at = util::utc_now();
        s.store.transaction([&] {
            s.store.insert_model(m, {});
            for (int i = 0; i < n_items; ++i) {
                domain::Compound c;
                c.id = util::new_uuid();
                c.smiles = "C" + std::to_string(i);
                c.inchikey = "BENCH-" + std::to_string(i);
                c.features = {0};
                c.created_at = util::utc_now();
                s.store.insert_compound(c);
                domain::QueueItem q;
                q.id = util::new_uuid();
                q.compound_id = c.id;
                q.model_id = m.id;
                q.selection_strategy = "uncertainty";
                q.selection_batch = 1;
                q.priority_score = 1.0;
                q.created_at = c.created_at;
                q.updated_at = c.created_at;
                s.store.insert_queue_item(q);
                item_ids.push_back(q.id);
            }
        });
    }

    service::Services services(db_path);
    http::HttpServer server(services, http::ServerInfo{services.store.schema_version()}, nullptr);
    const int port = server.bind("127.0.0.1", 0);
    std::thread server_thread([&] { server.run(); });
    while (!server.is_running()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }

    std::atomic<int> failures{0};
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(n_clients));
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < n_clients; ++c) {
        clients.emplace_back([&, c] {
            httplib::Client client("127.0.0.1", port);
            client.set_keep_alive(true);
            client.set_tcp_nodelay(true);
            const httplib::Headers headers = {{"Authorization", "Bearer " + token}};
            for (std::size_t i = static_cast<std::size_t>(c); i < item_ids.size();
                 i += static_cast<std::size_t>(n_clients)) {
                const auto t0 = std::chrono::steady_clock::now();
                auto r = client.Post(
                    ("/api/v1/active-learning/queue/" + item_ids[i] + "/label").c_str(), headers,
                    R"({"label": -2.5, "source": "experimental", "confidence": "high"})",
                    "application/json");
                const auto t1 = std::chrono::steady_clock::now();
                if (!r || r->status != 200) {
                    ++failures;
                }
                latencies[static_cast<std::size_t>(c)].push_back(
                    std::chrono::duration<double, std::milli>(t1 - t0).count());
            }
        });
    }
    for (auto& t : clients) {
        t.join();
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    server.stop();
    server_thread.join();

    std::vector<double> all;
    for (const auto& l : latencies) {
        all.insert(all.end(), l.begin(), l.end());
    }
    std::sort(all.begin(), all.end());
    const auto pct = [&](double p) {
        return all.empty() ? 0.0 : all[static_cast<std::size_t>(p * (all.size() - 1))];
    };
    std::printf("label submit over loopback: %d requests, %d clients, %.2f s -> %.0f requests/s\n",
                n_items, n_clients, seconds, n_items / seconds);
    std::printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f; failures %d\n", pct(0.5),
                pct(0.9), pct(0.99), pct(1.0), failures.load());
    std::printf("(each label is one BEGIN IMMEDIATE ... COMMIT with synchronous=FULL, WAL)\n");
    std::filesystem::remove(db_path);
    std::filesystem::remove(db_path + "-wal");
    std::filesystem::remove(db_path + "-shm");
    return failures == 0 ? 0 : 1;
}
