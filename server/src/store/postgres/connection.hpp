// Thin RAII layer over libpq for PostgresStore: one connection, statements with parameters
// only (no SQL is ever built from user text; every parameter carries its PostgreSQL type, so
// `$1 IS NULL` needs no cast), prepared once per connection and cached by SQL text, and a
// result whose rows read like SQLite's Statement columns (text, int, double, blob, NULL).
// Results come back in text format; bytea parameters go out in binary.
//
// Deferred writes (PostgresStore's group commit turns them on while a transaction body runs):
// an INSERT / UPDATE / DELETE without RETURNING is not sent at once but queued, and goes out
// in libpq pipeline mode together with the next statement that needs an answer (a read, or
// the savepoint / COMMIT statements ending the body), so a body's writes cost one round trip
// together instead of one each. Its Result is resolved on first use (affected(), rows()), which
// sends the queue then; an error of a deferred write is thrown by whatever sends it.
#pragma once

#include "store/database.hpp" // DatabaseError: the one error type the layers above catch

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace labelloop::store::postgres {

/// Typed statement parameters ($1, $2, ... in the order added).
class Params {
public:
    Params& text(const std::string& v);
    Params& opt(const std::optional<std::string>& v);
    Params& num(std::int64_t v);
    Params& opt_num(const std::optional<std::int64_t>& v);
    Params& real(double v);
    Params& opt_real(const std::optional<double>& v);
    Params& blob(const std::vector<std::uint8_t>& v);

    std::size_t size() const { return values_.size(); }

private:
    friend class Connection;
    void add(unsigned oid, std::optional<std::string> value, int format);
    std::vector<unsigned> types_;
    std::vector<std::optional<std::string>> values_;
    std::vector<int> formats_;
};

/// One row of a Result, read like SQLite's Statement.
class Row {
public:
    Row(const pg_result* result, int row) : result_(result), row_(row) {}
    bool is_null(int column) const;
    std::int64_t column_int(int column) const;
    double column_double(int column) const;
    std::string column_text(int column) const;
    std::optional<std::string> column_optional_text(int column) const;
    std::optional<double> column_optional_double(int column) const;
    std::vector<std::uint8_t> column_blob(int column) const;

private:
    const pg_result* result_;
    int row_;
};

/// One statement sent in a pipeline (a deferred write, a read, or a parameterless statement);
/// its answer or error once the pipeline ran.
struct PipelinedStatement;

class Result {
public:
    explicit Result(pg_result* result);
    /// The answer of a deferred write, resolved (sending the queued writes) on first use.
    explicit Result(std::shared_ptr<PipelinedStatement> deferred);
    ~Result();
    Result(Result&& other) noexcept;
    Result& operator=(Result&&) = delete;
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;

    int rows() const;
    Row row(int i) const { return Row(raw(), i); }
    bool empty() const { return rows() == 0; }
    /// Rows written by an INSERT / UPDATE / DELETE.
    std::int64_t affected() const;
    const pg_result* raw() const;

private:
    mutable pg_result* result_ = nullptr;
    std::shared_ptr<PipelinedStatement> deferred_;
};

class Connection {
public:
    /// Connects; throws DatabaseError naming the server and libpq's reason.
    explicit Connection(const std::string& url);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Runs one parameterised statement (prepared on first use on this connection).
    Result exec(const std::string& sql, const Params& params = Params());
    /// Runs parameterless SQL text (several statements allowed): BEGIN, COMMIT, DDL.
    void exec_script(const std::string& sql);

    /// Deferred writes on or off (see the top of this file). Turning it off sends nothing.
    void set_deferring(bool on) { deferring_ = on; }
    /// Sends the deferred writes, then `then` (parameterless statements such as SAVEPOINT or
    /// COMMIT), in one round trip. Returns the error of the first deferred write that failed
    /// (the statements after it, `then` included, were not run: the transaction is aborted),
    /// or nullptr. Throws DatabaseError when a `then` statement fails.
    std::exception_ptr flush(const std::vector<std::string>& then = {});
    /// Forgets the deferred writes without sending them (their body failed before they went).
    void discard_deferred();

    /// True when the connection is usable, not inside a transaction and has nothing deferred
    /// (fit for the pool).
    bool reusable() const;
    /// "user@host:port/dbname", for messages.
    std::string describe() const;

private:
    friend class Result;
    /// Sends `statements` in one pipeline with one sync and stores each one's answer or error.
    void run_pipeline(const std::vector<PipelinedStatement*>& statements);
    /// Sends the deferred writes; throws the first one's error.
    void send_deferred();

    struct Prepared {
        std::string name;
        bool deferrable = false; // INSERT / UPDATE / DELETE without RETURNING
    };
    const Prepared& prepare(const std::string& sql, const Params& params);

    static constexpr std::size_t kMaxDeferred = 256; // then sent at once: bounded pipelines
    pg_conn* conn_ = nullptr;
    std::unordered_map<std::string, Prepared> prepared_; // by SQL text
    bool deferring_ = false;
    std::vector<std::shared_ptr<PipelinedStatement>> deferred_;
};

/// `url` with any password replaced by "***" (for messages and logs).
std::string redact_url(const std::string& url);

} // namespace labelloop::store::postgres
