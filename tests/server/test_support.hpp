// Seeding helpers for server tests: users with tokens, compounds, models and queue items
// written through the real store (no mocks), so a test starts from a known state.
#pragma once

#include "cli/demo_setup.hpp"
#include "server_fixture.hpp"
#include "util/ids.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace labelloop::testing {

struct SeededUser {
    domain::User user;
    std::string token;
};

struct Team {
    SeededUser admin;
    SeededUser alice; // scientist
    SeededUser bob;   // scientist
};

inline Team seed_team(service::Services& s) {
    Team t;
    const auto add = [&](const std::string& name, const std::string& role) {
        SeededUser u;
        u.user = s.auth.create_user(nullptr, name, role);
        u.token = s.auth.issue_token(nullptr, u.user.id, "test").secret;
        return u;
    };
    t.admin = add("admin", "admin");
    t.alice = add("alice", "scientist");
    t.bob = add("bob", "scientist");
    return t;
}

inline domain::Compound insert_compound(store::Store& store, int i,
                                        std::vector<std::uint8_t> features = {1, 2, 3}) {
    domain::Compound c;
    c.id = util::new_uuid();
    c.smiles = std::string(static_cast<std::size_t>(1 + i % 7), 'C') + "O" + std::to_string(i);
    c.inchikey = "TESTKEY-" + std::to_string(i) + "-" + c.id.substr(0, 8);
    c.name = "compound " + std::to_string(i);
    c.features = std::move(features);
    c.created_at = util::utc_now();
    store.insert_compound(c);
    return c;
}

/// A model row without a usable artifact: enough for queue rules, not for scoring.
inline domain::Model insert_model_row(store::Store& store, const std::string& name,
                                      const std::string& task = "regression") {
    domain::Model m;
    m.id = util::new_uuid();
    m.lineage_id = m.id;
    m.name = name;
    m.property = "logS";
    m.task = task;
    m.status = "active";
    m.created_at = util::utc_now();
    store.insert_model(m, {});
    return m;
}

/// n pending queue items for new compounds, in one cycle, priorities n..1.
inline std::vector<domain::QueueItem> insert_queue(service::Services& s, const domain::Model& m,
                                                   int n) {
    domain::Cycle cycle;
    cycle.id = util::new_uuid();
    cycle.model_id = m.id;
    cycle.cycle_number = s.store.max_cycle_number(m.lineage_id) + 1;
    cycle.selection_strategy = "uncertainty";
    cycle.batch_size = n;
    cycle.status = "labeling";
    cycle.items_selected = n;
    cycle.started_at = util::utc_now();
    s.store.insert_cycle(cycle);
    std::vector<domain::QueueItem> out;
    for (int i = 0; i < n; ++i) {
        const auto c = insert_compound(s.store, 1000 * static_cast<int>(cycle.cycle_number) + i);
        domain::QueueItem q;
        q.id = util::new_uuid();
        q.compound_id = c.id;
        q.model_id = m.id;
        q.cycle_id = cycle.id;
        q.prediction = 0.5 * i;
        q.uncertainty = 1.0 / (1 + i);
        q.applicability_distance = 0.3;
        q.in_domain = true;
        q.selection_strategy = "uncertainty";
        q.selection_batch = cycle.cycle_number;
        q.priority_score = static_cast<double>(n - i);
        q.created_at = util::utc_now();
        q.updated_at = q.created_at;
        REQUIRE(s.store.insert_queue_item(q));
        out.push_back(*s.store.find_queue_item(q.id));
    }
    return out;
}

inline httplib::Headers bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

inline nlohmann::json body_of(const httplib::Result& r) {
    REQUIRE(r);
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    INFO("body: " << r->body);
    REQUIRE_FALSE(j.is_discarded());
    return j;
}

} // namespace labelloop::testing

#include <fstream>
#include <sstream>

namespace labelloop::testing {

/// The header and the first `rows` data rows of ../shared/data/esol.csv.
inline std::string esol_csv(std::size_t rows) {
    std::ifstream in(std::string(LABELLOOP_TEST_DATA_DIR) + "/esol.csv");
    REQUIRE(in);
    std::string line;
    std::string out;
    for (std::size_t i = 0; i <= rows && std::getline(in, line); ++i) {
        out += line + "\n";
    }
    return out;
}

inline service::ImportRequest esol_import(std::size_t rows) {
    return cli::esol_import_request(esol_csv(rows));
}

/// Small, quick ensembles for tests (the defaults are for real use).
inline nlohmann::json quick_params() {
    return {{"n_members", 8}, {"boosting_rounds", 15}, {"seed", 3}};
}

/// Imports `rows` ESOL rows and trains "ESOL logS" on the first `labeled` compounds; the rest
/// stays unlabeled for the model.
inline domain::Model seed_esol_model(service::Services& s, std::size_t rows, std::size_t labeled,
                                     const std::string& name = "ESOL logS",
                                     const Objective& objective = {}) {
    const auto imported = s.compounds.import(nullptr, esol_import(rows));
    service::CreateModelRequest req;
    req.name = name;
    req.property = "logS";
    req.dataset = "esol";
    req.compound_ids.assign(
        imported.compound_ids.begin(),
        imported.compound_ids.begin() +
            static_cast<std::ptrdiff_t>(std::min(labeled, imported.compound_ids.size())));
    req.params = quick_params();
    req.objective = objective;
    return s.models.create_model(nullptr, req);
}

/// A running server with a team, one model row and `n_items` pending queue items, plus JSON
/// request helpers: where the API, limits and security tests start.
struct QueueWorld {
    explicit QueueWorld(int n_items = 6) : items(insert_queue(server.services(), model, n_items)) {}

    RunningServer server;
    Team team = seed_team(server.services());
    domain::Model model = insert_model_row(server.services().store, "ESOL");
    std::vector<domain::QueueItem> items;
    std::string q = "/api/v1/active-learning/queue";

    httplib::Result post_raw(const std::string& path, const std::string& body,
                             const std::string& token) {
        auto c = server.client();
        return c.Post(path.c_str(), bearer(token), body, "application/json");
    }
    httplib::Result post(const std::string& path, const nlohmann::json& body,
                         const std::string& token) {
        return post_raw(path, body.dump(), token);
    }
    httplib::Result get(const std::string& path, const std::string& token) {
        auto c = server.client();
        return c.Get(path.c_str(), bearer(token));
    }
    /// Everything a refused request could have touched, as one comparable string.
    std::string snapshot() {
        std::string out;
        for (const char* sql :
             {"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM label_queue",
              "SELECT COUNT(*) FROM label_queue WHERE status = 'pending'",
              "SELECT COUNT(*) FROM users", "SELECT COUNT(*), COUNT(revoked_at) FROM api_tokens",
              "SELECT COUNT(*) FROM compounds", "SELECT COUNT(*) FROM ml_models",
              "SELECT COUNT(*) FROM active_learning_cycles", "SELECT COUNT(*) FROM jobs",
              "SELECT COUNT(*) FROM audit_log"}) {
            auto s = server.db().prepare(sql);
            REQUIRE(s.step());
            out += std::to_string(s.column_int(0)) + ",";
        }
        return out;
    }
};

/// Sends `target` byte for byte (no client-side normalisation) and returns the raw answer.
inline std::string raw_get(int port, const std::string& target) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    const std::string request =
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
    std::string answer;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
        answer.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return answer;
}

} // namespace labelloop::testing
