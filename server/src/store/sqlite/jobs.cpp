// SqliteStore statements for background jobs (table jobs): retrains and imports.
#include "store/sqlite/rows.hpp"
#include "store/sqlite_store.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::sqlite;

const char* const kJobColumns = "id, kind, status, progress, message, error, result, cycle_id, "
                                "created_by, created_at, started_at, finished_at, claimed_by, "
                                "heartbeat_at";

Job read_job(const Statement& s) {
    Job j;
    j.id = s.column_text(0);
    j.kind = s.column_text(1);
    j.status = s.column_text(2);
    j.progress = s.column_double(3);
    j.message = s.column_text(4);
    j.error = s.column_optional_text(5);
    j.result_json = s.column_optional_text(6);
    j.cycle_id = s.column_optional_text(7);
    j.created_by = s.column_optional_text(8);
    j.created_at = s.column_text(9);
    j.started_at = s.column_optional_text(10);
    j.finished_at = s.column_optional_text(11);
    j.claimed_by = s.column_optional_text(12);
    j.heartbeat_at = s.column_optional_text(13);
    return j;
}

} // namespace

void SqliteStore::insert_job(const Job& j) {
    auto s = connection().prepare(std::string("INSERT INTO jobs(") + kJobColumns +
                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, j.id).bind(2, j.kind).bind(3, j.status).bind(4, j.progress).bind(5, j.message);
    bind_opt(s, 6, j.error);
    bind_opt(s, 7, j.result_json);
    bind_opt(s, 8, j.cycle_id);
    bind_opt(s, 9, j.created_by);
    s.bind(10, j.created_at);
    bind_opt(s, 11, j.started_at);
    bind_opt(s, 12, j.finished_at);
    bind_opt(s, 13, j.claimed_by);
    bind_opt(s, 14, j.heartbeat_at);
    s.run();
}

std::optional<Job> SqliteStore::find_job(const std::string& id) {
    auto s = connection().prepare(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_job(s);
}

bool SqliteStore::update_job(const Job& j) {
    auto s = connection().prepare("UPDATE jobs SET status = ?, progress = ?, message = ?, "
                                  "error = ?, result = ?, started_at = ?, finished_at = ? "
                                  "WHERE id = ? AND status IN ('queued', 'running')");
    s.bind(1, j.status).bind(2, j.progress).bind(3, j.message);
    bind_opt(s, 4, j.error);
    bind_opt(s, 5, j.result_json);
    bind_opt(s, 6, j.started_at);
    bind_opt(s, 7, j.finished_at);
    s.bind(8, j.id).run();
    return connection().changes() > 0;
}

std::vector<Job> SqliteStore::unfinished_jobs() {
    auto s = connection().prepare(std::string("SELECT ") + kJobColumns +
                                  " FROM jobs WHERE status IN ('queued', 'running') "
                                  "ORDER BY created_at");
    std::vector<Job> out;
    while (s.step()) {
        out.push_back(read_job(s));
    }
    return out;
}

std::optional<Job> SqliteStore::claim_job(const std::string& worker, const std::string& now) {
    std::optional<Job> claimed;
    transaction([&] {
        auto s = connection().prepare(std::string("SELECT ") + kJobColumns +
                                      " FROM jobs WHERE status = 'queued' "
                                      "ORDER BY created_at, id LIMIT 1");
        if (!s.step()) {
            return;
        }
        Job j = read_job(s);
        j.status = "running";
        j.claimed_by = worker;
        j.started_at = now;
        j.heartbeat_at = now;
        connection()
            .prepare("UPDATE jobs SET status = 'running', claimed_by = ?, started_at = ?, "
                     "heartbeat_at = ? WHERE id = ? AND status = 'queued'")
            .bind(1, worker)
            .bind(2, now)
            .bind(3, now)
            .bind(4, j.id)
            .run();
        claimed = std::move(j);
    });
    return claimed;
}

void SqliteStore::heartbeat_jobs(const std::string& worker, const std::string& now) {
    connection()
        .prepare("UPDATE jobs SET heartbeat_at = ? WHERE status = 'running' AND claimed_by = ?")
        .bind(1, now)
        .bind(2, worker)
        .run();
}

std::vector<Job> SqliteStore::abandoned_jobs(const std::string& stale_before) {
    auto s = connection().prepare(std::string("SELECT ") + kJobColumns +
                                  " FROM jobs WHERE status = 'running' AND "
                                  "(heartbeat_at IS NULL OR heartbeat_at < ?) ORDER BY created_at");
    s.bind(1, stale_before);
    std::vector<Job> out;
    while (s.step()) {
        out.push_back(read_job(s));
    }
    return out;
}

} // namespace labelloop::store
