// PostgresStore statements for background jobs (table jobs): retrains and imports.
#include "store/postgres/rows.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::postgres;

const char* const kJobColumns = "id, kind, status, progress, message, error, result, cycle_id, "
                                "created_by, created_at, started_at, finished_at, claimed_by, "
                                "heartbeat_at";

Job read_job(const Row& s) {
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

void PostgresStore::insert_job(const Job& j) {
    write([&](Connection& db) {
        db.exec(std::string("INSERT INTO jobs(") + kJobColumns +
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                Params()
                    .text(j.id)
                    .text(j.kind)
                    .text(j.status)
                    .real(j.progress)
                    .text(j.message)
                    .opt(j.error)
                    .opt(j.result_json)
                    .opt(j.cycle_id)
                    .opt(j.created_by)
                    .text(j.created_at)
                    .opt(j.started_at)
                    .opt(j.finished_at)
                    .opt(j.claimed_by)
                    .opt(j.heartbeat_at));
    });
}

std::optional<Job> PostgresStore::find_job(const std::string& id) {
    return read([&](Connection& db) -> std::optional<Job> {
        auto r = db.exec(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = $1",
                         Params().text(id));
        if (r.empty()) {
            return std::nullopt;
        }
        return read_job(r.row(0));
    });
}

bool PostgresStore::update_job(const Job& j) {
    return write([&](Connection& db) {
        return db.exec("UPDATE jobs SET status = $1, progress = $2, message = $3, error = $4, "
                       "result = $5, started_at = $6, finished_at = $7 "
                       "WHERE id = $8 AND status IN ('queued', 'running')",
                       Params()
                           .text(j.status)
                           .real(j.progress)
                           .text(j.message)
                           .opt(j.error)
                           .opt(j.result_json)
                           .opt(j.started_at)
                           .opt(j.finished_at)
                           .text(j.id))
                   .affected() > 0;
    });
}

std::vector<Job> PostgresStore::unfinished_jobs() {
    return read([&](Connection& db) {
        auto r = db.exec(std::string("SELECT ") + kJobColumns +
                         " FROM jobs WHERE status IN ('queued', 'running') "
                         "ORDER BY created_at COLLATE \"C\"");
        std::vector<Job> out;
        for (int i = 0; i < r.rows(); ++i) {
            out.push_back(read_job(r.row(i)));
        }
        return out;
    });
}

std::optional<Job> PostgresStore::claim_job(const std::string& worker, const std::string& now) {
    return write([&](Connection& db) -> std::optional<Job> {
        // SKIP LOCKED: a job another process is claiming right now is passed over, not waited
        // for; the row lock held to the commit hands each queued job to one process only.
        auto r = db.exec(std::string("UPDATE jobs SET status = 'running', claimed_by = $1, "
                                     "started_at = $2, heartbeat_at = $2 WHERE id = "
                                     "(SELECT id FROM jobs WHERE status = 'queued' "
                                     "ORDER BY created_at COLLATE \"C\", id COLLATE \"C\" "
                                     "LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING ") +
                             kJobColumns,
                         Params().text(worker).text(now));
        if (r.empty()) {
            return std::nullopt;
        }
        return read_job(r.row(0));
    });
}

void PostgresStore::heartbeat_jobs(const std::string& worker, const std::string& now) {
    write([&](Connection& db) {
        db.exec("UPDATE jobs SET heartbeat_at = $1 WHERE status = 'running' AND claimed_by = $2",
                Params().text(now).text(worker));
    });
}

std::vector<Job> PostgresStore::abandoned_jobs(const std::string& stale_before) {
    return read([&](Connection& db) {
        auto r = db.exec(std::string("SELECT ") + kJobColumns +
                             " FROM jobs WHERE status = 'running' AND (heartbeat_at IS NULL OR "
                             "heartbeat_at COLLATE \"C\" < $1) ORDER BY created_at COLLATE \"C\"",
                         Params().text(stale_before));
        std::vector<Job> out;
        for (int i = 0; i < r.rows(); ++i) {
            out.push_back(read_job(r.row(i)));
        }
        return out;
    });
}

} // namespace labelloop::store
