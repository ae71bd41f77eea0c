// Label-submit throughput over loopback: a real HttpServer on a fresh database, C client
// threads with keep-alive connections (1, 8 and 64 by default), each labeling its own share
// of pending queue items as fast as it can. Prints submits/s and latency percentiles per
// client count; then the health endpoint's latency while a retrain runs under label load.
// Runs on SQLite (a fresh file) and on PostgreSQL (a throwaway server the bench starts
// itself, as the tests do: initdb + pg_ctl in a temporary directory on a free loopback port,
// default settings, so fsync and synchronous_commit are on), then prints both side by side.
//
//   labelloop_bench_label_throughput [--backend sqlite,postgresql] [--items N]
//                                    [--clients 1,8,64] [--dir DIR]
//                                    [--no-retrain] [--retrain-rows N]
//
// Adding a workload (sync...) is one more function like run_label_load() sending its
// requests from the client threads; the percentile and report code is shared.
#include "cli/demo_setup.hpp"
#include "http/http_server.hpp"
#include "service/services.hpp"
#include "util/ids.hpp"
#ifdef LABELLOOP_HAVE_POSTGRES
#include "postgres_server.hpp" // tests/server: the throwaway server the tests use
#include "store/postgres/connection.hpp"
#endif

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace labelloop;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Percentiles {
    double p50 = 0, p90 = 0, p99 = 0, max = 0;
    std::size_t n = 0;
};

Percentiles percentiles(std::vector<double> v) {
    Percentiles p;
    std::sort(v.begin(), v.end());
    p.n = v.size();
    if (v.empty()) {
        return p;
    }
    const auto at = [&](double q) { return v[static_cast<std::size_t>(q * (v.size() - 1))]; };
    p.p50 = at(0.5);
    p.p90 = at(0.9);
    p.p99 = at(0.99);
    p.max = v.back();
    return p;
}

struct LoadResult {
    int requests = 0;
    int failures = 0;
    double seconds = 0;
    Percentiles latency;
};

/// A lean HTTP/1.1 keep-alive client for the load generator: the request is formatted into
/// one buffer and sent with one send(), the answer read until its Content-Length is complete.
/// The load generator shares the server's 2 cores, so it should cost as little CPU as a
/// tool like wrk would; httplib's client spends about as much per request as the server.
class LeanClient {
public:
    explicit LeanClient(int port) : port_(port) { connect_now(); }
    ~LeanClient() { close_now(); }
    LeanClient(const LeanClient&) = delete;
    LeanClient& operator=(const LeanClient&) = delete;

    /// POSTs `body`; returns the status code (0 when the connection failed) and the body.
    /// Reconnects when the server ended the keep-alive connection (it closes after 1000
    /// requests, saying "Connection: close").
    int post(const std::string& path, const std::string& token, const std::string& body,
             std::string& answer) {
        if (fd_ < 0) {
            connect_now();
        }
        const int status = exchange(path, token, body, answer);
        if (status == 0 || closing_) {
            close_now();
        }
        return status;
    }

private:
    void connect_now() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port_));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port_));
        }
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    void close_now() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = -1;
    }

    int exchange(const std::string& path, const std::string& token, const std::string& body,
                 std::string& answer) {
        closing_ = false;
        request_.clear();
        request_ += "POST ";
        request_ += path;
        request_ += " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ";
        request_ += token;
        request_ += "\r\nContent-Type: application/json\r\nContent-Length: ";
        request_ += std::to_string(body.size());
        request_ += "\r\n\r\n";
        request_ += body;
        std::size_t sent = 0;
        while (sent < request_.size()) {
            const ssize_t n = ::send(fd_, request_.data() + sent, request_.size() - sent, 0);
            if (n <= 0) {
                return 0;
            }
            sent += static_cast<std::size_t>(n);
        }
        buffer_.clear();
        std::size_t header_end = std::string::npos;
        std::size_t content_length = 0;
        char chunk[4096];
        while (true) {
            if (header_end == std::string::npos) {
                header_end = buffer_.find("\r\n\r\n");
                if (header_end != std::string::npos) {
                    const std::size_t at = find_header(buffer_, header_end, "content-length:");
                    content_length = at == std::string::npos
                                         ? 0
                                         : std::strtoull(buffer_.c_str() + at, nullptr, 10);
                    const std::size_t c = find_header(buffer_, header_end, "connection:");
                    closing_ = c != std::string::npos && buffer_.compare(c, 6, " close") == 0;
                }
            }
            if (header_end != std::string::npos &&
                buffer_.size() >= header_end + 4 + content_length) {
                break;
            }
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) {
                return 0;
            }
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
        answer.assign(buffer_, header_end + 4, content_length);
        // "HTTP/1.1 200 OK"
        return buffer_.size() > 12 ? std::atoi(buffer_.c_str() + 9) : 0;
    }

    static std::size_t find_header(const std::string& head, std::size_t end, const char* name) {
        const std::size_t len = std::strlen(name);
        for (std::size_t line = head.find("\r\n"); line != std::string::npos && line < end;
             line = head.find("\r\n", line + 2)) {
            if (line + 2 + len <= end && ::strncasecmp(head.c_str() + line + 2, name, len) == 0) {
                return line + 2 + len;
            }
        }
        return std::string::npos;
    }

    int port_;
    int fd_ = -1;
    bool closing_ = false;
    std::string request_;
    std::string buffer_;
};

/// C clients label items[first, first + count) (each its own share) until done or `stop`.
LoadResult run_label_load(int port, const std::string& token, const std::vector<std::string>& ids,
                          std::size_t first, std::size_t count, int n_clients,
                          const std::atomic<bool>* stop = nullptr) {
    std::atomic<int> failures{0};
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(n_clients));
    const auto start = Clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < n_clients; ++c) {
        clients.emplace_back([&, c] {
            LeanClient client(port);
            const std::string body =
                R"({"label": -2.5, "source": "experimental", "confidence": "high"})";
            std::string path;
            std::string answer;
            for (std::size_t i = first + static_cast<std::size_t>(c); i < first + count;
                 i += static_cast<std::size_t>(n_clients)) {
                if (stop != nullptr && stop->load()) {
                    break;
                }
                path = "/api/v1/active-learning/queue/" + ids[i] + "/label";
                const auto t0 = Clock::now();
                const int status = client.post(path, token, body, answer);
                const auto t1 = Clock::now();
                if (status != 200) {
                    if (failures++ == 0) {
                        std::fprintf(stderr, "first failure: %d %s\n", status, answer.c_str());
                    }
                }
                latencies[static_cast<std::size_t>(c)].push_back(
                    std::chrono::duration<double, std::milli>(t1 - t0).count());
            }
        });
    }
    for (auto& t : clients) {
        t.join();
    }
    LoadResult out;
    out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::vector<double> all;
    for (const auto& l : latencies) {
        all.insert(all.end(), l.begin(), l.end());
    }
    out.requests = static_cast<int>(all.size());
    out.failures = failures.load();
    out.latency = percentiles(std::move(all));
    return out;
}

domain::Model insert_bench_model(service::Services& s, const std::string& name) {
    domain::Model m;
    m.id = util::new_uuid();
    m.lineage_id = m.id;
    m.name = name;
    m.property = "logS";
    m.task = "regression";
    m.status = "active";
    m.created_at = util::utc_now();
    s.store.insert_model(m, {});
    return m;
}

std::vector<std::string> insert_bench_items(service::Services& s, const domain::Model& m, int n,
                                            int offset) {
    std::vector<std::string> ids;
    s.store.transaction([&] {
        for (int i = 0; i < n; ++i) {
            domain::Compound c;
            c.id = util::new_uuid();
            c.smiles = "C" + std::to_string(offset + i);
            c.inchikey = "BENCH-" + std::to_string(offset + i);
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
            ids.push_back(q.id);
        }
    });
    return ids;
}

void print_load(const char* what, int clients, const LoadResult& r) {
    std::printf("%-28s %3d clients: %6d submits in %6.2f s -> %7.0f submits/s;  latency ms "
                "p50 %6.2f  p90 %6.2f  p99 %6.2f  max %7.2f;  failures %d\n",
                what, clients, r.requests, r.seconds, r.requests / r.seconds, r.latency.p50,
                r.latency.p90, r.latency.p99, r.latency.max, r.failures);
    std::fflush(stdout);
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Options {
    int n_items = 4000;
    std::vector<int> client_counts = {1, 8, 64};
    bool retrain = true;
    int retrain_rows = 400;
    std::string dir = std::filesystem::temp_directory_path().string();
};

struct BackendResult {
    std::string name;
    std::map<int, LoadResult> loads; // by client count
    int failures = 0;
};

/// 8 clients submit labels while a real model on ESOL (the demo data set) with a labeled
/// batch is retrained over HTTP and one client polls /health every 5 ms.
void run_retrain(service::Services& services, int port, const std::string& token,
                 const std::string& admin_token, const std::vector<std::string>& item_ids,
                 std::size_t next, int retrain_rows, int& failures) {
    const auto imported = services.compounds.import(
        nullptr, cli::esol_import_request(read_text(LABELLOOP_SOURCE_DIR "/assets/demo/esol.csv"),
                                          static_cast<std::size_t>(retrain_rows)));
    service::CreateModelRequest mreq;
    mreq.name = "retrain bench";
    mreq.property = "logS";
    mreq.dataset = "esol";
    mreq.compound_ids.assign(imported.compound_ids.begin(),
                             imported.compound_ids.begin() +
                                 static_cast<std::ptrdiff_t>(imported.compound_ids.size() * 3 / 4));
    const auto admin = *services.auth.authenticate(admin_token);
    const auto model = services.models.create_model(nullptr, mreq);
    service::SelectRequest sel;
    sel.model_id = model.id;
    sel.batch_size = 20;
    sel.pool.kind = "dataset";
    sel.pool.dataset = "esol";
    const auto selected = services.active_learning.select_samples(admin, sel);
    for (std::size_t i = 0; i < 12 && i < selected.items.size(); ++i) {
        service::LabelInput in;
        in.label = -3.0;
        services.active_learning.submit_label(admin, selected.items[i].id, in);
    }
    httplib::Client c("127.0.0.1", port);
    const httplib::Headers admin_headers = {{"Authorization", "Bearer " + admin_token}};
    auto started =
        c.Post(("/api/v1/active-learning/cycles/" + *selected.cycle_id + "/retrain").c_str(),
               admin_headers, "{}", "application/json");
    if (!started || started->status != 202) {
        std::fprintf(stderr, "retrain did not start\n");
        ++failures;
        return;
    }
    const std::string job = json::parse(started->body)["job_id"].get<std::string>();
    std::atomic<bool> finished{false};
    std::vector<double> health;
    std::thread poller([&] {
        httplib::Client h("127.0.0.1", port);
        h.set_keep_alive(true);
        httplib::Client jobs("127.0.0.1", port);
        while (!finished.load()) {
            const auto t0 = Clock::now();
            auto r = h.Get("/api/v1/health");
            health.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            if (!r || r->status != 200) {
                ++failures;
            }
            auto j = jobs.Get(("/api/v1/jobs/" + job).c_str(), admin_headers);
            if (j && j->status == 200) {
                const auto status = json::parse(j->body)["status"].get<std::string>();
                if (status == "succeeded" || status == "failed") {
                    finished = true;
                    if (status == "failed") {
                        std::fprintf(stderr, "retrain failed: %s\n", j->body.c_str());
                        ++failures;
                    }
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });
    const auto t0 = Clock::now();
    const auto load =
        run_label_load(port, token, item_ids, next, item_ids.size() - next, 8, &finished);
    poller.join();
    failures += load.failures;
    const double retrain_s = std::chrono::duration<double>(Clock::now() - t0).count();
    print_load("label submit during retrain", 8, load);
    const auto h = percentiles(health);
    std::printf("health during retrain (%.1f s, %zu training compounds): %zu requests, latency ms "
                "p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
                retrain_s, mreq.compound_ids.size(), h.n, h.p50, h.p90, h.p99, h.max);
}

/// The whole load on one database (`db`: an SQLite path or a postgresql:// URL).
BackendResult run_backend(const std::string& name, const std::string& db, const Options& o) {
    BackendResult out;
    out.name = name;
    std::vector<std::string> item_ids;
    std::string token;
    std::string admin_token;
    const int total_items = o.n_items * static_cast<int>(o.client_counts.size() + 1);
    {
        service::Services s(db);
        const auto user = s.auth.create_user(nullptr, "bench", "scientist");
        token = s.auth.issue_token(nullptr, user.id, "bench").secret;
        const auto admin = s.auth.create_user(nullptr, "bench-admin", "admin");
        admin_token = s.auth.issue_token(nullptr, admin.id, "bench").secret;
        const auto m = insert_bench_model(s, "bench");
        item_ids = insert_bench_items(s, m, total_items, 0);
    }

    service::Services services(db);
    http::HttpServer server(services, http::ServerInfo{services.store.schema_version()}, nullptr);
    const int port = server.bind("127.0.0.1", 0);
    std::thread server_thread([&] { server.run(); });
    while (!server.is_running()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }

    std::printf("\n== %s: label submit over loopback (%u hardware threads)\n", name.c_str(),
                std::thread::hardware_concurrency());
    std::size_t next = 0;
    for (int clients : o.client_counts) {
        const auto r = run_label_load(port, token, item_ids, next,
                                      static_cast<std::size_t>(o.n_items), clients);
        next += static_cast<std::size_t>(o.n_items);
        print_load(("label submit, " + name).c_str(), clients, r);
        out.failures += r.failures;
        out.loads[clients] = r;
    }
    if (o.retrain) {
        run_retrain(services, port, token, admin_token, item_ids, next, o.retrain_rows,
                    out.failures);
    }
    server.stop();
    server_thread.join();
    return out;
}

BackendResult run_sqlite(const Options& o) {
    const std::string db_path = o.dir + "/labelloop-bench-" + util::new_uuid() + ".db";
    BackendResult r = run_backend("sqlite", db_path, o);
    std::filesystem::remove(db_path);
    std::filesystem::remove(db_path + "-wal");
    std::filesystem::remove(db_path + "-shm");
    return r;
}

#ifdef LABELLOOP_HAVE_POSTGRES
BackendResult run_postgres(const Options& o) {
    testing::PostgresServer pg; // stopped and removed when this returns
    std::string settings;
    {
        store::postgres::Connection c(pg.url());
        const auto r =
            c.exec("SELECT current_setting('server_version'), current_setting('fsync'), "
                   "current_setting('synchronous_commit'), current_setting('wal_sync_method'), "
                   "current_setting('shared_buffers'), current_setting('max_connections')");
        const auto row = r.row(0);
        settings = "PostgreSQL " + row.column_text(0) + ", fsync " + row.column_text(1) +
                   ", synchronous_commit " + row.column_text(2) + ", wal_sync_method " +
                   row.column_text(3) + ", shared_buffers " + row.column_text(4) +
                   ", max_connections " + row.column_text(5);
    }
    std::printf("\nthrowaway server on 127.0.0.1:%d (data in %s): %s\n", pg.port(),
                pg.dir().c_str(), settings.c_str());
    return run_backend("postgresql", pg.url(), o);
}
#endif

/// Best submits/s among `clients` runs with no failure and p99 within `p99_ms`.
double best_within(const BackendResult& r, const std::vector<int>& clients, double p99_ms) {
    double best = 0;
    for (int c : clients) {
        const auto it = r.loads.find(c);
        if (it != r.loads.end() && it->second.failures == 0 && it->second.latency.p99 <= p99_ms) {
            best = std::max(best, it->second.requests / it->second.seconds);
        }
    }
    return best;
}

/// Every run of `clients` within the target.
bool all_within(const BackendResult& r, const std::vector<int>& clients, double rate,
                double p99_ms) {
    for (int c : clients) {
        const auto it = r.loads.find(c);
        if (it == r.loads.end() || it->second.failures != 0 || it->second.latency.p99 > p99_ms ||
            it->second.requests / it->second.seconds < rate) {
            return false;
        }
    }
    return true;
}

void print_side_by_side(const BackendResult& sqlite, const BackendResult& pg,
                        const std::vector<int>& client_counts) {
    std::printf("\nside by side (PostgreSQL / SQLite):\n");
    std::printf("%8s | %22s | %22s | %10s %10s\n", "clients", "sqlite /s  p50  p99 ms",
                "postgresql /s  p50  p99", "rate ratio", "p99 ratio");
    for (int c : client_counts) {
        const auto& a = sqlite.loads.at(c);
        const auto& b = pg.loads.at(c);
        const double ra = a.requests / a.seconds;
        const double rb = b.requests / b.seconds;
        std::printf("%8d | %7.0f %6.2f %7.2f | %7.0f %6.2f %7.2f | %9.2fx %9.2fx\n", c, ra,
                    a.latency.p50, a.latency.p99, rb, b.latency.p50, b.latency.p99, rb / ra,
                    a.latency.p99 > 0 ? b.latency.p99 / a.latency.p99 : 0.0);
    }
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    std::vector<std::string> backends = {"sqlite", "postgresql"};
    for (int i = 1; i < argc; ++i) {
        const std::string key = argv[i];
        const bool has_value = i + 1 < argc;
        if (key == "--items" && has_value) {
            o.n_items = std::atoi(argv[++i]);
        } else if (key == "--clients" && has_value) {
            o.client_counts.clear();
            std::stringstream list(argv[++i]);
            std::string part;
            while (std::getline(list, part, ',')) {
                o.client_counts.push_back(std::atoi(part.c_str()));
            }
        } else if ((key == "--backend" || key == "--db") && has_value) {
            backends.clear();
            std::stringstream list(argv[++i]);
            std::string part;
            while (std::getline(list, part, ',')) {
                if (part == "postgres") {
                    part = "postgresql";
                }
                if (part != "sqlite" && part != "postgresql") {
                    std::cerr << "unknown backend '" << part << "': use sqlite, postgresql\n";
                    return 2;
                }
                backends.push_back(part);
            }
        } else if (key == "--dir" && has_value) {
            o.dir = argv[++i];
        } else if (key == "--no-retrain") {
            o.retrain = false;
        } else if (key == "--retrain-rows" && has_value) {
            o.retrain_rows = std::atoi(argv[++i]);
        } else {
            std::cerr << "usage: " << argv[0]
                      << " [--backend sqlite,postgresql] [--items N] [--clients 1,8,64] "
                         "[--dir DIR] [--no-retrain] [--retrain-rows N]\n";
            return 2;
        }
    }
    std::printf("label submit over loopback: each submit its own transaction (savepoint), "
                "concurrent submits group-committed; see docs/RELIABILITY.md\n");
    std::map<std::string, BackendResult> results;
    int failures = 0;
    for (const auto& b : backends) {
        if (b == "sqlite") {
            results[b] = run_sqlite(o);
        } else {
#ifdef LABELLOOP_HAVE_POSTGRES
            results[b] = run_postgres(o);
#else
            std::cerr << "this build has no PostgreSQL support (libpq-dev missing)\n";
            return 2;
#endif
        }
        failures += results[b].failures;
    }

    std::printf("\n");
    const std::vector<int> pg_clients = {8, 64};
    if (results.count("sqlite") != 0) {
        const double best = best_within(results["sqlite"], o.client_counts, 20.0);
        std::printf("target (issue 8, SQLite): >= 5000 submits/s with p99 < 20 ms: best run %.0f "
                    "submits/s (%.2fx the target) -> %s\n",
                    best, best / 5000.0, best >= 5000.0 ? "MET" : "NOT MET");
    }
    if (results.count("postgresql") != 0) {
        const auto& pg = results["postgresql"];
        const bool met = all_within(pg, pg_clients, 2000.0, 30.0);
        std::printf("target (issue 18, PostgreSQL, one process): >= 2000 submits/s with p99 <= 30 "
                    "ms at 8 and 64 clients:");
        for (int c : pg_clients) {
            const auto it = pg.loads.find(c);
            if (it != pg.loads.end()) {
                std::printf(" %d clients %.0f/s p99 %.2f ms;", c,
                            it->second.requests / it->second.seconds, it->second.latency.p99);
            }
        }
        std::printf(" -> %s\n", met ? "MET" : "NOT MET");
    }
    if (results.count("sqlite") != 0 && results.count("postgresql") != 0) {
        print_side_by_side(results["sqlite"], results["postgresql"], o.client_counts);
    }
    return failures == 0 ? 0 : 1;
}
