// Thin RAII layer over SQLite: one connection, prepared statements with bound parameters
// only (no SQL is ever built from user text), and scoped transactions. Prepared statements
// are cached per connection, so a hot request path does not re-parse its SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace labelloop::store {

/// Any SQLite failure, with SQLite's own message and the statement that failed.
class DatabaseError : public std::runtime_error {
public:
    DatabaseError(const std::string& message, int code)
        : std::runtime_error(message), code_(code) {}
    int code() const { return code_; }

private:
    int code_;
};

class Statement;

/// "NORMAL" (default: durable against a crash of the process) or "FULL" (also against power
/// loss; set LABELLOOP_SQLITE_SYNCHRONOUS=FULL), read once per process.
const char* synchronous_mode();

/// One SQLite connection. Opening creates the file if missing and turns on WAL journaling,
/// foreign keys and a busy timeout, so concurrent readers never see half-written data.
class Database {
public:
    explicit Database(const std::string& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Runs one or more statements that take no parameters (schema, pragmas).
    void exec(const std::string& sql);
    /// A statement for `sql`, taken from this connection's cache when one is idle. It goes
    /// back to the cache (reset, bindings cleared) when the Statement is destroyed.
    Statement prepare(std::string_view sql);
    std::int64_t last_insert_rowid() const;
    int changes() const;
    const std::string& path() const { return path_; }
    sqlite3* handle() { return db_; }

private:
    friend class Statement;
    void give_back(std::string sql, sqlite3_stmt* stmt);
    /// Throws DatabaseError, before anything is written, for a file that is not SQLite or an
    /// SQLite database of another application (tables but no schema_version).
    void refuse_foreign_file();

    sqlite3* db_ = nullptr;
    std::string path_;
    // Idle prepared statements by SQL text. A connection belongs to one thread, so no lock;
    // a statement in use is not in here, so nested use of the same SQL prepares another.
    std::unordered_map<std::string, std::vector<sqlite3_stmt*>> idle_;
};

/// A prepared statement. Parameters are 1-based like SQLite's; columns are 0-based.
class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, const std::string& value) {
        return bind(index, std::string_view(value));
    }
    Statement& bind_blob(int index, const void* data, std::size_t size);
    Statement& bind_null(int index);

    /// Advances to the next row; false when done.
    bool step();
    /// Runs a statement that returns no rows.
    void run();
    void reset();

    bool is_null(int column) const;
    std::int64_t column_int(int column) const;
    double column_double(int column) const;
    std::string column_text(int column) const;
    std::vector<std::uint8_t> column_blob(int column) const;
    std::optional<std::string> column_optional_text(int column) const;

private:
    friend class Database;
    Statement(Database* owner, std::string sql, sqlite3_stmt* stmt);
    void check(int rc, const char* what) const;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    Database* owner_ = nullptr; // set when the statement returns to owner_'s cache
    std::string sql_;
};

/// BEGIN IMMEDIATE on construction; rolls back on destruction unless commit() was called,
/// so an exception anywhere leaves nothing half-written.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    bool done_ = false;
};

} // namespace labelloop::store
