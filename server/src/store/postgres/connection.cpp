#include "store/postgres/connection.hpp"

#include <libpq-fe.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
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

Result::Result(pg_result* result) : result_(result) {}

Result::~Result() {
    if (result_ != nullptr) {
        PQclear(result_);
    }
}

Result::Result(Result&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

int Result::rows() const {
    return PQntuples(result_);
}

std::int64_t Result::affected() const {
    const char* n = PQcmdTuples(result_);
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
    return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
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
    Result result(PQexec(conn_, sql.c_str()));
    const PGresult* r = result.raw();
    if (r == nullptr || !succeeded(r)) {
        fail(conn_, r, sql);
    }
}

Result Connection::exec(const std::string& sql, const Params& params) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
        const std::string name = "ll_" + std::to_string(prepared_.size() + 1);
        Result prepared(PQprepare(conn_, name.c_str(), sql.c_str(),
                                  static_cast<int>(params.types_.size()), params.types_.data()));
        if (prepared.raw() == nullptr || !succeeded(prepared.raw())) {
            fail(conn_, prepared.raw(), sql);
        }
        it = prepared_.emplace(sql, name).first;
    }
    const std::size_t n = params.values_.size();
    std::vector<const char*> values(n);
    std::vector<int> lengths(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& v = params.values_[i];
        values[i] = v ? v->data() : nullptr;
        lengths[i] = v ? static_cast<int>(v->size()) : 0;
    }
    Result result(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(n), values.data(),
                                 lengths.data(), params.formats_.data(), 0));
    if (result.raw() == nullptr || !succeeded(result.raw())) {
        fail(conn_, result.raw(), sql);
    }
    return result;
}

} // namespace labelloop::store::postgres
