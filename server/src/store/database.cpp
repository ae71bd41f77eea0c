#include "store/database.hpp"

#include <vector>

#include <sqlite3.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace labelloop::store {
namespace {

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& context) {
    const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw DatabaseError(context + ": " + (msg != nullptr ? msg : "unknown SQLite error"), rc);
}

} // namespace

const char* synchronous_mode() {
    static const char* mode = [] {
        const char* env = std::getenv("LABELLOOP_SQLITE_SYNCHRONOUS");
        if (env != nullptr && (std::strcmp(env, "FULL") == 0 || std::strcmp(env, "full") == 0)) {
            return "FULL";
        }
        return "NORMAL";
    }();
    return mode;
}

Database::Database(const std::string& path) : path_(path) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = "cannot open database '" + path + "'";
        if (db_ != nullptr) {
            message += ": " + std::string(sqlite3_errmsg(db_));
            sqlite3_close(db_);
            db_ = nullptr;
        }
        throw DatabaseError(message, rc);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 5000);
    try {
        refuse_foreign_file();
    } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
    exec("PRAGMA journal_mode=WAL;");
    // WAL + NORMAL: a COMMIT appends its frames to the WAL with write(); they are in the OS
    // page cache before the answer is sent, so a process crash or SIGKILL loses nothing
    // committed (tests/server/test_crash_safety.cpp). Only an OS crash or power loss can
    // lose the last commits (never corrupt the file). LABELLOOP_SQLITE_SYNCHRONOUS=FULL
    // fsyncs every commit instead, for power-loss durability at a few hundred commits/s.
    exec(std::string("PRAGMA synchronous=") + synchronous_mode() + "; PRAGMA foreign_keys=ON;");
}

void Database::refuse_foreign_file() {
    // Read-only look before anything writes (WAL mode rewrites the header): a file that is not
    // SQLite, or an SQLite database of another application (tables, no schema_version), is left
    // exactly as it was.
    const std::string leave = "; LabelLoop leaves it untouched: choose another file with --db";
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_,
                                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                                "LIKE 'sqlite_%' ORDER BY name = 'schema_version' DESC, name",
                                -1, &stmt, nullptr);
    std::vector<std::string> tables;
    while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    if ((rc & 0xff) == SQLITE_NOTADB) {
        throw DatabaseError(
            "'" + path_ + "' is not a LabelLoop database (not an SQLite file)" + leave, rc);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_OK) {
        throw DatabaseError("cannot read database '" + path_ + "': " + sqlite3_errmsg(db_), rc);
    }
    if (tables.empty() || tables.front() == "schema_version") {
        return;
    }
    std::string names;
    for (std::size_t i = 0; i < tables.size() && i < 3; ++i) {
        names += (i ? ", " : "") + tables[i];
    }
    throw DatabaseError("'" + path_ + "' is not a LabelLoop database (it holds tables " + names +
                            (tables.size() > 3 ? ", ..." : "") + " of another application)" + leave,
                        0);
}

Database::~Database() {
    for (auto& entry : idle_) {
        for (sqlite3_stmt* stmt : entry.second) {
            sqlite3_finalize(stmt);
        }
    }
    if (db_ != nullptr) {
        sqlite3_close_v2(db_);
    }
}

void Database::exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string message = err != nullptr ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw DatabaseError("database error: " + message, rc);
    }
}

Statement Database::prepare(std::string_view sql) {
    std::string key(sql);
    auto it = idle_.find(key);
    if (it != idle_.end() && !it->second.empty()) {
        sqlite3_stmt* stmt = it->second.back();
        it->second.pop_back();
        return Statement(this, std::move(key), stmt);
    }
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        fail(db_, rc, "cannot prepare statement");
    }
    return Statement(this, std::move(key), stmt);
}

void Database::give_back(std::string sql, sqlite3_stmt* stmt) {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    auto& slot = idle_[std::move(sql)];
    // A few idle copies cover nested use; more would only be kept for nothing.
    if (slot.size() < 4) {
        slot.push_back(stmt);
    } else {
        sqlite3_finalize(stmt);
    }
}

std::int64_t Database::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

int Database::changes() const {
    return sqlite3_changes(db_);
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    const int rc =
        sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) {
        fail(db, rc, "cannot prepare statement");
    }
}

Statement::Statement(Database* owner, std::string sql, sqlite3_stmt* stmt)
    : db_(owner->db_), stmt_(stmt), owner_(owner), sql_(std::move(sql)) {}

Statement::~Statement() {
    if (stmt_ == nullptr) {
        return;
    }
    if (owner_ != nullptr) {
        try {
            owner_->give_back(std::move(sql_), stmt_);
            return;
        } catch (...) {
            // Out of memory for the cache slot: fall through and just finalize.
        }
    }
    sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)),
      owner_(std::exchange(other.owner_, nullptr)), sql_(std::move(other.sql_)) {}

void Statement::check(int rc, const char* what) const {
    if (rc != SQLITE_OK) {
        fail(db_, rc, what);
    }
}

Statement& Statement::bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value), "cannot bind integer");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    check(sqlite3_bind_double(stmt_, index, value), "cannot bind number");
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                            SQLITE_TRANSIENT),
          "cannot bind text");
    return *this;
}

Statement& Statement::bind_blob(int index, const void* data, std::size_t size) {
    check(sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT), "cannot bind blob");
    return *this;
}

Statement& Statement::bind_null(int index) {
    check(sqlite3_bind_null(stmt_, index), "cannot bind null");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    fail(db_, rc, "statement failed");
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::column_int(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

double Statement::column_double(int column) const {
    return sqlite3_column_double(stmt_, column);
}

std::string Statement::column_text(int column) const {
    const auto* text = sqlite3_column_text(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return text != nullptr
               ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size))
               : std::string();
}

std::vector<std::uint8_t> Statement::column_blob(int column) const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    return data != nullptr ? std::vector<std::uint8_t>(data, data + size)
                           : std::vector<std::uint8_t>();
}

std::optional<std::string> Statement::column_optional_text(int column) const {
    if (is_null(column)) {
        return std::nullopt;
    }
    return column_text(column);
}

Transaction::Transaction(Database& db) : db_(db) {
    db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    if (!done_) {
        try {
            db_.exec("ROLLBACK");
        } catch (...) {
            // Nothing more can be done in a destructor; SQLite rolls back on close anyway.
        }
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

} // namespace labelloop::store
