// SqliteStore statements for background jobs (table jobs): retrains and imports.
#include "store/sqlite/rows.hpp"
#include "store/sqlite_store.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::sqlite;

const char* const kJobColumns = "id, kind, status, progress, message, error, result, cycle_id, "
                                "created_by, created_at, started_at, finished_at";

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
    return j;
}

} // namespace

void SqliteStore::insert_job(const Job& j) {
    auto s = connection().prepare(std::string("INSERT INTO jobs(") + kJobColumns +
                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, j.id).bind(2, j.kind).bind(3, j.status).bind(4, j.progress).bind(5, j.message);
    bind_opt(s, 6, j.error);
    bind_opt(s, 7, j.result_json);
    bind_opt(s, 8, j.cycle_id);
    bind_opt(s, 9, j.created_by);
    s.bind(10, j.created_at);
    bind_opt(s, 11, j.started_at);
    bind_opt(s, 12, j.finished_at);
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

void SqliteStore::update_job(const Job& j) {
    auto s = connection().prepare("UPDATE jobs SET status = ?, progress = ?, message = ?, "
                                  "error = ?, result = ?, started_at = ?, finished_at = ? "
                                  "WHERE id = ?");
    s.bind(1, j.status).bind(2, j.progress).bind(3, j.message);
    bind_opt(s, 4, j.error);
    bind_opt(s, 5, j.result_json);
    bind_opt(s, 6, j.started_at);
    bind_opt(s, 7, j.finished_at);
    s.bind(8, j.id).run();
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

} // namespace labelloop::store
