#include "store/postgres/connection.hpp"

#include <libpq-fe.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <strings.h>
#include <utility>

namespace labelloop::store::postgres {
namespace {

// Type OIDs (pg_type.h): every parameter is sent with its type.
constexpr unsigned kInt8 = 20;
constexpr unsigned kText = 25;
constexpr unsigned kFloat8 = 701;
constexpr unsigned kBytea = 17;

std::string one_line(std::string s) {
    for (auto& ch : s) {
        if (ch == '\n' || ch == '\t') {
            ch = ' ';
        }
    }
    while (!s.empty() && s.back() == ' ') {
        s.pop_back();
    }
    return s;
}

/// A short cause in front of libpq's own words, for the usual start-up mistakes.
std::string cause_of(const std::string& message) {
    const auto has = [&](const char* s) { return message.find(s) != std::string::npos; };
    if (has("password authentication failed") || has("no password supplied") ||
        has("authentication failed") || (has("role \"") && has("does not exist"))) {
        return "bad credentials: ";
    }
    if (has("database \"") && has("does not exist")) {
        return "no such database: ";
    }
    if (has("Connection refused") || has("could not connect") || has("timeout expired") ||
        has("could not translate host name") || has("Network is unreachable")) {
        return "server unreachable: ";
    }
    if (has("invalid") || has("missing \"=\"") || has("unexpected")) {
        return "malformed connection URL: ";
    }
    return "";
}

void ignore_notice(void* /*arg*/, const char* /*message*/) {}

std::string format_double(double v) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "Infinity" : "-Infinity";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace

// ---- Params

void Params::add(unsigned oid, std::optional<std::string> value, int format) {
    types_.push_back(oid);
    values_.push_back(std::move(value));
    formats_.push_back(format);
}

Params& Params::text(const std::string& v) {
    add(kText, v, 0);
    return *this;
}

Params& Params::opt(const std::optional<std::string>& v) {
    add(kText, v, 0);
    return *this;
}

Params& Params::num(std::int64_t v) {
    add(kInt8, std::to_string(v), 0);
    return *this;
}

Params& Params::opt_num(const std::optional<std::int64_t>& v) {
    add(kInt8, v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt, 0);
    return *this;
}

Params& Params::real(double v) {
    add(kFloat8, format_double(v), 0);
    return *this;
}

Params& Params::opt_real(const std::optional<double>& v) {
    add(kFloat8, v ? std::optional<std::string>(format_double(*v)) : std::nullopt, 0);
    return *this;
}

Params& Params::blob(const std::vector<std::uint8_t>& v) {
    add(kBytea, std::string(v.begin(), v.end()), 1);
    return *this;
}

// ---- Row

bool Row::is_null(int column) const {
    return PQgetisnull(result_, row_, column) != 0;
}

std::int64_t Row::column_int(int column) const {
    if (is_null(column)) {
        return 0;
    }
    const char* v = PQgetvalue(result_, row_, column);
    if (v[0] == 't' && v[1] == '\0') { // a boolean (EXISTS)
        return 1;
    }
    if (v[0] == 'f' && v[1] == '\0') {
        return 0;
    }
    return std::strtoll(v, nullptr, 10);
}

double Row::column_double(int column) const {
    if (is_null(column)) {
        return 0.0;
    }
    // float8out gives the shortest text that reads back to the same double.
    return std::strtod(PQgetvalue(result_, row_, column), nullptr);
}

std::string Row::column_text(int column) const {
    return std::string(PQgetvalue(result_, row_, column),
                       static_cast<std::size_t>(PQgetlength(result_, row_, column)));
}

std::optional<std::string> Row::column_optional_text(int column) const {
    if (is_null(column)) {
        return std::nullopt;
    }
    return column_text(column);
}

std::optional<double> Row::column_optional_double(int column) const {
    if (is_null(column)) {
        return std::nullopt;
    }
    return column_double(column);
}

std::vector<std::uint8_t> Row::column_blob(int column) const {
    std::vector<std::uint8_t> out;
    if (is_null(column)) {
        return out;
    }
    // bytea in text format: "\x" followed by two hex digits per byte (bytea_output = hex,
    // set on every connection).
    const char* v = PQgetvalue(result_, row_, column);
    const int n = PQgetlength(result_, row_, column);
    if (n < 2 || v[0] != '\\' || v[1] != 'x') {
        throw DatabaseError("PostgreSQL returned a bytea value not in hex format", 0);
    }
    out.reserve(static_cast<std::size_t>((n - 2) / 2));
    for (int i = 2; i + 1 < n; i += 2) {
        const int hi = hex_value(v[i]);
        const int lo = hex_value(v[i + 1]);
        if (hi < 0 || lo < 0) {
            throw DatabaseError("PostgreSQL returned a malformed bytea value", 0);
        }
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

// ---- Result

struct PipelinedStatement {
    Connection* conn = nullptr; // whose deferred queue holds it (deferred writes only)
    std::string sql;            // for messages; sent as is when `name` is empty
    std::string name;           // prepared statement
    std::vector<std::optional<std::string>> values;
    std::vector<int> formats;
    bool done = false;
    pg_result* result = nullptr; // the answer, until a Result takes it
    std::string error;           // set when it failed or was not run
    PipelinedStatement() = default;
    PipelinedStatement(const PipelinedStatement&) = delete;
    PipelinedStatement& operator=(const PipelinedStatement&) = delete;
    ~PipelinedStatement() {
        if (result != nullptr) {
            PQclear(result);
        }
    }
};

Result::Result(pg_result* result) : result_(result) {}

Result::Result(std::shared_ptr<PipelinedStatement> deferred) : deferred_(std::move(deferred)) {}

Result::~Result() {
    if (result_ != nullptr) {
        PQclear(result_);
    }
}

Result::Result(Result&& other) noexcept
    : result_(std::exchange(other.result_, nullptr)), deferred_(std::move(other.deferred_)) {}

const pg_result* Result::raw() const {
    if (result_ == nullptr && deferred_) {
        if (!deferred_->done) {
            deferred_->conn->send_deferred();
        }
        if (!deferred_->error.empty()) {
            throw DatabaseError(deferred_->error, 0);
        }
        result_ = std::exchange(deferred_->result, nullptr);
    }
    return result_;
}

int Result::rows() const {
    return PQntuples(raw());
}

std::int64_t Result::affected() const {
    const char* n = PQcmdTuples(const_cast<pg_result*>(raw()));
    return n[0] == '\0' ? 0 : std::strtoll(n, nullptr, 10);
}

// ---- Connection

std::string redact_url(const std::string& url) {
    // postgresql://user:password@host... -> postgresql://user:***@host...
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) {
        return url;
    }
    const auto at = url.find('@', scheme + 3);
    if (at == std::string::npos) {
        return url;
    }
    const auto colon = url.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) {
        return url;
    }
    return url.substr(0, colon + 1) + "***" + url.substr(at);
}

Connection::Connection(const std::string& url) {
    char* parse_error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
    if (options == nullptr) {
        const std::string why =
            parse_error != nullptr ? one_line(parse_error) : "cannot parse the connection URL";
        PQfreemem(parse_error);
        throw DatabaseError("cannot connect to PostgreSQL at " + redact_url(url) +
                                ": malformed connection URL: " + why,
                            0);
    }
    PQconninfoFree(options);
    conn_ = PQconnectdb(url.c_str());
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
        const std::string why =
            conn_ != nullptr ? one_line(PQerrorMessage(conn_)) : "out of memory";
        if (conn_ != nullptr) {
            PQfinish(conn_);
            conn_ = nullptr;
        }
        throw DatabaseError(
            "cannot connect to PostgreSQL at " + redact_url(url) + ": " + cause_of(why) + why, 0);
    }
    PQsetNoticeProcessor(conn_, &ignore_notice, nullptr);
    exec_script("SET client_min_messages = warning; SET bytea_output = 'hex'; "
                "SET extra_float_digits = 1; SET standard_conforming_strings = on");
}

Connection::~Connection() {
    if (conn_ != nullptr) {
        PQfinish(conn_);
    }
}

bool Connection::reusable() const {
    return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE &&
           PQpipelineStatus(conn_) == PQ_PIPELINE_OFF && deferred_.empty();
}

std::string Connection::describe() const {
    return std::string(PQuser(conn_)) + "@" + PQhost(conn_) + ":" + PQport(conn_) + "/" +
           PQdb(conn_);
}

namespace {

[[noreturn]] void fail(pg_conn* conn, const PGresult* r, const std::string& sql) {
    std::string why = r != nullptr ? PQresultErrorMessage(r) : "";
    if (why.empty()) {
        why = PQerrorMessage(conn);
    }
    throw DatabaseError("PostgreSQL: " + one_line(why) + " (in: " + one_line(sql) + ")", 0);
}

bool succeeded(const PGresult* r) {
    const auto status = PQresultStatus(r);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

} // namespace

void Connection::exec_script(const std::string& sql) {
    if (!deferred_.empty()) {
        send_deferred(); // in order: the deferred writes come first
    }
    Result result(PQexec(conn_, sql.c_str()));
    const PGresult* r = result.raw();
    if (r == nullptr || !succeeded(r)) {
        fail(conn_, r, sql);
    }
}

namespace {

/// INSERT / UPDATE / DELETE without RETURNING: nothing to read back but the row count.
bool is_plain_write(const std::string& sql) {
    std::size_t i = 0;
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i])) != 0) {
        ++i;
    }
    const auto starts = [&](const char* word) {
        const std::size_t n = std::strlen(word);
        return sql.size() >= i + n && ::strncasecmp(sql.c_str() + i, word, n) == 0;
    };
    if (!starts("INSERT") && !starts("UPDATE") && !starts("DELETE")) {
        return false;
    }
    std::string upper(sql);
    for (auto& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return upper.find("RETURNING") == std::string::npos;
}

} // namespace

const Connection::Prepared& Connection::prepare(const std::string& sql, const Params& params) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
        const std::string name = "ll_" + std::to_string(prepared_.size() + 1);
        Result prepared(PQprepare(conn_, name.c_str(), sql.c_str(),
                                  static_cast<int>(params.types_.size()), params.types_.data()));
        if (prepared.raw() == nullptr || !succeeded(prepared.raw())) {
            fail(conn_, prepared.raw(), sql);
        }
        it = prepared_.emplace(sql, Prepared{name, is_plain_write(sql)}).first;
    }
    return it->second;
}

Result Connection::exec(const std::string& sql, const Params& params) {
    const Prepared& prepared = prepare(sql, params);
    if (deferring_ && prepared.deferrable) {
        auto d = std::make_shared<PipelinedStatement>();
        d->conn = this;
        d->sql = sql;
        d->name = prepared.name;
        d->values = params.values_;
        d->formats = params.formats_;
        deferred_.push_back(d);
        if (deferred_.size() >= kMaxDeferred) {
            send_deferred();
        }
        return Result(std::move(d));
    }
    if (!deferred_.empty()) {
        // The deferred writes and this statement in one round trip.
        PipelinedStatement me;
        me.sql = sql;
        me.name = prepared.name;
        me.values = params.values_;
        me.formats = params.formats_;
        const auto pending = std::move(deferred_);
        deferred_.clear();
        std::vector<PipelinedStatement*> all;
        for (const auto& d : pending) {
            all.push_back(d.get());
        }
        all.push_back(&me);
        run_pipeline(all);
        for (const auto& d : pending) {
            if (!d->error.empty()) {
                throw DatabaseError(d->error, 0);
            }
        }
        if (!me.error.empty()) {
            throw DatabaseError(me.error, 0);
        }
        return Result(std::exchange(me.result, nullptr));
    }
    const std::size_t n = params.values_.size();
    std::vector<const char*> values(n);
    std::vector<int> lengths(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& v = params.values_[i];
        values[i] = v ? v->data() : nullptr;
        lengths[i] = v ? static_cast<int>(v->size()) : 0;
    }
    Result result(PQexecPrepared(conn_, prepared.name.c_str(), static_cast<int>(n), values.data(),
                                 lengths.data(), params.formats_.data(), 0));
    if (result.raw() == nullptr || !succeeded(result.raw())) {
        fail(conn_, result.raw(), sql);
    }
    return result;
}

std::exception_ptr Connection::flush(const std::vector<std::string>& then) {
    auto all = std::move(deferred_);
    deferred_.clear();
    const std::size_t n_deferred = all.size();
    for (const auto& sql : then) {
        auto t = std::make_shared<PipelinedStatement>();
        t->sql = sql;
        all.push_back(std::move(t));
    }
    if (all.empty()) {
        return nullptr;
    }
    std::vector<PipelinedStatement*> statements;
    for (const auto& s : all) {
        statements.push_back(s.get());
    }
    run_pipeline(statements);
    for (std::size_t i = 0; i < n_deferred; ++i) {
        if (!all[i]->error.empty()) {
            return std::make_exception_ptr(DatabaseError(all[i]->error, 0));
        }
    }
    for (std::size_t i = n_deferred; i < all.size(); ++i) {
        if (!all[i]->error.empty()) {
            throw DatabaseError(all[i]->error, 0);
        }
    }
    return nullptr;
}

void Connection::send_deferred() {
    if (const std::exception_ptr error = flush()) {
        std::rethrow_exception(error);
    }
}

void Connection::discard_deferred() {
    for (const auto& d : deferred_) {
        d->done = true;
        d->error =
            "PostgreSQL: not sent, the transaction body failed first (in: " + one_line(d->sql) +
            ")";
    }
    deferred_.clear();
}

void Connection::run_pipeline(const std::vector<PipelinedStatement*>& statements) {
    const auto give_up = [&](const std::string& why) {
        const std::string message =
            "PostgreSQL pipeline: " + why + ": " + one_line(PQerrorMessage(conn_));
        for (PipelinedStatement* s : statements) {
            if (!s->done) {
                s->done = true;
                s->error = message;
            }
        }
        throw DatabaseError(message, 0);
    };
    if (PQenterPipelineMode(conn_) != 1) {
        give_up("cannot enter pipeline mode");
    }
    for (PipelinedStatement* s : statements) {
        int sent = 0;
        if (s->name.empty()) {
            sent =
                PQsendQueryParams(conn_, s->sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0);
        } else {
            const std::size_t n = s->values.size();
            std::vector<const char*> values(n);
            std::vector<int> lengths(n);
            for (std::size_t i = 0; i < n; ++i) {
                const auto& v = s->values[i];
                values[i] = v ? v->data() : nullptr;
                lengths[i] = v ? static_cast<int>(v->size()) : 0;
            }
            sent = PQsendQueryPrepared(conn_, s->name.c_str(), static_cast<int>(n), values.data(),
                                       lengths.data(), s->formats.data(), 0);
        }
        if (sent != 1) {
            give_up("cannot send");
        }
    }
    if (PQpipelineSync(conn_) != 1) {
        give_up("cannot sync");
    }
    for (PipelinedStatement* s : statements) {
        PGresult* r = PQgetResult(conn_);
        if (r == nullptr) {
            give_up("answer missing");
        }
        const auto status = PQresultStatus(r);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            s->result = r;
        } else {
            if (status == PGRES_PIPELINE_ABORTED) {
                s->error = "PostgreSQL: not run, an earlier statement of its transaction failed "
                           "(in: " +
                           one_line(s->sql) + ")";
            } else {
                std::string why = PQresultErrorMessage(r);
                if (why.empty()) {
                    why = PQerrorMessage(conn_);
                }
                s->error = "PostgreSQL: " + one_line(why) + " (in: " + one_line(s->sql) + ")";
            }
            PQclear(r);
        }
        s->done = true;
        // Each statement's answer ends with a null result.
        while ((r = PQgetResult(conn_)) != nullptr) {
            PQclear(r);
        }
    }
    PGresult* sync = PQgetResult(conn_);
    const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    if (sync != nullptr) {
        PQclear(sync);
    }
    if (!synced || PQexitPipelineMode(conn_) != 1) {
        give_up("out of step with the server");
    }
}

} // namespace labelloop::store::postgres
