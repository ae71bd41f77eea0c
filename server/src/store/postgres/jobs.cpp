// PostgresStore statements for background jobs (table jobs): retrains and imports.
#include "store/postgres/rows.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::postgres;

const char* const kJobColumns = "id, kind, status, progress, message, error, result, cycle_id, "
                                "created_by, created_at, started_at, finished_at";

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
    return j;
}

} // namespace

void PostgresStore::insert_job(const Job& j) {
    write([&](Connection& db) {
        db.exec(std::string("INSERT INTO jobs(") + kJobColumns +
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
                    .opt(j.finished_at));
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

void PostgresStore::update_job(const Job& j) {
    write([&](Connection& db) {
        db.exec("UPDATE jobs SET status = $1, progress = $2, message = $3, error = $4, "
                "result = $5, started_at = $6, finished_at = $7 WHERE id = $8",
                Params()
                    .text(j.status)
                    .real(j.progress)
                    .text(j.message)
                    .opt(j.error)
                    .opt(j.result_json)
                    .opt(j.started_at)
                    .opt(j.finished_at)
                    .text(j.id));
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

} // namespace labelloop::store
