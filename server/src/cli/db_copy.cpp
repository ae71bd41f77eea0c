// `labelloop db copy`: SQLite file -> empty PostgreSQL database.
//
//   1. the source: opened read-only, one read transaction for the whole run (a consistent
//      snapshot even while a server writes to it); refused when missing, not SQLite, not
//      LabelLoop's, of another schema version, or holding a table this file does not know
//   2. the target: refused when it already holds rows (before and again inside the copy's
//      transaction), migrated through PostgresStore's normal start-up so the schema exists
//   3. the copy: every table in foreign-key order inside ONE PostgreSQL transaction, columns
//      as the SQLite table lists them (PRAGMA table_info), rows in rowid order as
//      parameterised multi-row INSERTs; identity sequences moved past the copied ids
//   4. the check: row counts per table on both sides, printed; a mismatch fails the command
#include "cli/db_copy.hpp"

#include "cli/admin_commands.hpp"
#include "store/migrations.hpp"
#include "store/store_selection.hpp"
#ifdef LABELLOOP_HAVE_POSTGRES
#include "store/postgres/connection.hpp"
#include "store/postgres/postgres_store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <map>
#include <memory>
#include <optional>
#endif

#include <algorithm>
#include <iostream>

namespace labelloop::cli {

const std::vector<std::string>& copied_tables() {
    // Parents first: a row's foreign keys always point at rows copied before it (checked
    // against the source's own foreign keys on every run). ml_models.parent_id points into
    // its own table; rowid order puts a parent version before its children.
    static const std::vector<std::string> tables = {"server_info",     "users",
                                                    "api_tokens",      "compounds",
                                                    "datasets",        "dataset_compounds",
                                                    "compound_labels", "ml_models",
                                                    "model_members",   "active_learning_cycles",
                                                    "label_queue",     "jobs",
                                                    "audit_log",       "sync_ops",
                                                    "label_conflicts", "label_replicates"};
    return tables;
}

bool DbCopyReport::counts_match() const {
    return std::all_of(counts.begin(), counts.end(),
                       [](const TableCount& c) { return c.sqlite_rows == c.postgres_rows; });
}

#ifdef LABELLOOP_HAVE_POSTGRES
namespace {

using store::postgres::Connection;
using store::postgres::Params;

const char* const kNothing = "; nothing was copied";
// Flush a multi-row INSERT at this many rows or this many bytes of parameters.
constexpr std::size_t kMaxBatchRows = 500;
constexpr std::size_t kMaxBatchParams = 30000;
constexpr std::size_t kMaxBatchBytes = 8u << 20;

std::string quote_ident(const std::string& name) {
    std::string out = "\"";
    for (char ch : name) {
        out += ch;
        if (ch == '"') {
            out += '"';
        }
    }
    return out + "\"";
}

// ---- the SQLite source

class SqliteQuery {
public:
    SqliteQuery(sqlite3* db, const std::string& sql, const std::string& where) : where_(where) {
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
            const std::string why = sqlite3_errmsg(db);
            sqlite3_finalize(stmt_);
            throw DbCopyError("cannot read " + where_ + ": " + why + kNothing);
        }
    }
    ~SqliteQuery() { sqlite3_finalize(stmt_); }
    SqliteQuery(const SqliteQuery&) = delete;
    SqliteQuery& operator=(const SqliteQuery&) = delete;

    SqliteQuery& bind(int index, const std::string& text) {
        sqlite3_bind_text(stmt_, index, text.c_str(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT);
        return *this;
    }
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc == SQLITE_DONE) {
            return false;
        }
        throw DbCopyError("cannot read " + where_ + ": " +
                          sqlite3_errmsg(sqlite3_db_handle(stmt_)) + kNothing);
    }
    sqlite3_stmt* get() const { return stmt_; }
    std::int64_t int_at(int column) const { return sqlite3_column_int64(stmt_, column); }
    std::string text_at(int column) const {
        const auto* p = sqlite3_column_text(stmt_, column);
        return p == nullptr
                   ? std::string()
                   : std::string(reinterpret_cast<const char*>(p),
                                 static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
    }

private:
    sqlite3_stmt* stmt_ = nullptr;
    std::string where_;
};

struct SourceTable {
    std::string name;
    std::vector<std::string> columns; // PRAGMA table_info order
    std::int64_t rows = 0;
    std::int64_t autoincrement_seq = 0; // sqlite_sequence: the highest id ever handed out
};

/// The SQLite file, read-only, inside one read transaction from open to close.
class SqliteSource {
public:
    explicit SqliteSource(const std::string& path) : path_(path) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            throw DbCopyError("source database '" + path + "' does not exist" + kNothing);
        }
        if (!std::filesystem::is_regular_file(path, ec)) {
            throw DbCopyError("source '" + path + "' is not a file" + kNothing);
        }
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw DbCopyError("cannot open source database '" + path + "' read-only: " + why +
                              kNothing);
        }
        sqlite3_busy_timeout(db_, 5000);
        try {
            exec("BEGIN");
            inspect();
        } catch (...) {
            sqlite3_close(db_);
            throw;
        }
    }
    ~SqliteSource() {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); // ends the read snapshot
        sqlite3_close(db_);
    }
    SqliteSource(const SqliteSource&) = delete;
    SqliteSource& operator=(const SqliteSource&) = delete;

    int schema_version() const { return schema_version_; }
    const std::vector<SourceTable>& tables() const { return tables_; }
    std::int64_t total_rows() const {
        std::int64_t n = 0;
        for (const auto& t : tables_) {
            n += t.rows;
        }
        return n;
    }
    sqlite3* handle() const { return db_; }
    const std::string& path() const { return path_; }

private:
    void exec(const char* sql) {
        char* error = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
            const std::string why = error != nullptr ? error : sqlite3_errmsg(db_);
            sqlite3_free(error);
            throw DbCopyError("cannot read source database '" + path_ + "': " + why + kNothing);
        }
    }

    void inspect() {
        // The first read of a file that is not SQLite fails here ("file is not a database").
        std::vector<std::string> present;
        {
            SqliteQuery q(db_, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                          "source database '" + path_ + "'");
            while (q.step()) {
                present.push_back(q.text_at(0));
            }
        }
        const auto has = [&](const std::string& name) {
            return std::find(present.begin(), present.end(), name) != present.end();
        };
        if (!has("schema_version")) {
            throw DbCopyError("source '" + path_ + "' is not a LabelLoop database (" +
                              (present.empty() ? std::string("it holds no tables")
                                               : "it has no schema_version table") +
                              ")" + kNothing);
        }
        {
            SqliteQuery q(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_version",
                          "source database '" + path_ + "'");
            q.step();
            schema_version_ = static_cast<int>(q.int_at(0));
        }
        const int latest = store::latest_schema_version();
        if (schema_version_ != latest) {
            throw DbCopyError(
                "source '" + path_ + "' has schema version " + std::to_string(schema_version_) +
                " but this LabelLoop writes version " + std::to_string(latest) + ": " +
                (schema_version_ < latest
                     ? "open it once with this LabelLoop (e.g. `labelloop serve --db " + path_ +
                           "`) so it is migrated, then copy"
                     : std::string("copy it with the LabelLoop that wrote it (or a newer one)")) +
                kNothing);
        }
        const auto& known = copied_tables();
        for (const auto& name : present) {
            const bool internal = name.rfind("sqlite_", 0) == 0 || name == "schema_version";
            if (!internal && std::find(known.begin(), known.end(), name) == known.end()) {
                throw DbCopyError("source '" + path_ + "' has a table '" + name +
                                  "' that db copy does not know; refusing rather than leaving "
                                  "it behind" +
                                  kNothing);
            }
        }
        for (std::size_t i = 0; i < known.size(); ++i) {
            if (!has(known[i])) {
                throw DbCopyError("source '" + path_ + "' has no table '" + known[i] +
                                  "' although its schema version is " +
                                  std::to_string(schema_version_) + kNothing);
            }
            check_parents_come_first(known, i);
            tables_.push_back(describe(known[i], has("sqlite_sequence")));
        }
    }

    void check_parents_come_first(const std::vector<std::string>& order, std::size_t i) {
        SqliteQuery q(db_, "SELECT \"table\" FROM pragma_foreign_key_list(?)",
                      "the foreign keys of " + order[i]);
        q.bind(1, order[i]);
        while (q.step()) {
            const std::string parent = q.text_at(0);
            const auto at = std::find(order.begin(), order.end(), parent);
            if (at == order.end() || static_cast<std::size_t>(at - order.begin()) > i) {
                throw DbCopyError("db copy's table order is wrong: " + order[i] + " references " +
                                  parent + ", which is copied after it" + kNothing);
            }
        }
    }

    SourceTable describe(const std::string& name, bool has_sequence_table) {
        SourceTable t;
        t.name = name;
        {
            SqliteQuery q(db_, "SELECT name FROM pragma_table_info(?) ORDER BY cid",
                          "the columns of " + name);
            q.bind(1, name);
            while (q.step()) {
                t.columns.push_back(q.text_at(0));
            }
        }
        {
            SqliteQuery q(db_, "SELECT COUNT(*) FROM " + quote_ident(name), name);
            q.step();
            t.rows = q.int_at(0);
        }
        if (has_sequence_table) {
            SqliteQuery q(db_, "SELECT seq FROM sqlite_sequence WHERE name = ?", "sqlite_sequence");
            q.bind(1, name);
            if (q.step()) {
                t.autoincrement_seq = q.int_at(0);
            }
        }
        return t;
    }

    sqlite3* db_ = nullptr;
    std::string path_;
    int schema_version_ = 0;
    std::vector<SourceTable> tables_;
};

// ---- the PostgreSQL target

enum class Kind { Text, Integer, Real, Bytea };

struct TargetColumn {
    std::string name;
    std::string type; // format_type(): "text", "bigint", "double precision", "bytea", ...
    Kind kind = Kind::Text;
    char identity = '\0'; // pg_attribute.attidentity: 'a' always, 'd' by default, or none
};

struct TablePlan {
    const SourceTable* source = nullptr;
    std::vector<TargetColumn> columns; // the source's columns, in its order
    bool overriding = false;           // a copied column is GENERATED ALWAYS AS IDENTITY
};

std::optional<Kind> kind_of(const std::string& type) {
    if (type == "text" || type.rfind("character varying", 0) == 0) {
        return Kind::Text;
    }
    if (type == "bigint" || type == "integer" || type == "smallint") {
        return Kind::Integer;
    }
    if (type == "double precision" || type == "real") {
        return Kind::Real;
    }
    if (type == "bytea") {
        return Kind::Bytea;
    }
    return std::nullopt;
}

std::vector<std::string> target_tables(Connection& pg) {
    auto r = pg.exec("SELECT table_name::text FROM information_schema.tables "
                     "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                     "ORDER BY table_name");
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back(r.row(i).column_text(0));
    }
    return out;
}

/// The first table of the target holding rows, with its count; schema_version and
/// server_info are written by the migrations themselves and do not count.
std::optional<std::pair<std::string, std::int64_t>> first_table_with_rows(Connection& pg) {
    for (const auto& table : target_tables(pg)) {
        if (table == "schema_version" || table == "server_info") {
            continue;
        }
        auto r = pg.exec("SELECT COUNT(*) FROM " + quote_ident(table));
        const auto n = r.row(0).column_int(0);
        if (n > 0) {
            return std::make_pair(table, n);
        }
    }
    return std::nullopt;
}

void refuse_if_not_empty(Connection& pg, const std::string& where) {
    if (const auto found = first_table_with_rows(pg)) {
        throw DbCopyError("target " + where + " already holds data (table " + found->first +
                          " has " + std::to_string(found->second) +
                          " rows); db copy only fills an empty LabelLoop database, so nothing "
                          "is merged or duplicated" +
                          kNothing);
    }
}

TablePlan plan_table(Connection& pg, const SourceTable& source) {
    auto r = pg.exec("SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), "
                     "a.attidentity::text "
                     "FROM pg_catalog.pg_attribute a "
                     "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
                     "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                     "WHERE n.nspname = current_schema() AND c.relname = $1 "
                     "AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped "
                     "ORDER BY a.attnum",
                     Params().text(source.name));
    if (r.empty()) {
        throw DbCopyError("the PostgreSQL schema has no table '" + source.name + "'" + kNothing);
    }
    std::map<std::string, TargetColumn> target;
    for (int i = 0; i < r.rows(); ++i) {
        TargetColumn c;
        c.name = r.row(i).column_text(0);
        c.type = r.row(i).column_text(1);
        const std::string identity = r.row(i).column_text(2);
        c.identity = identity.empty() ? '\0' : identity[0];
        target[c.name] = c;
    }
    TablePlan plan;
    plan.source = &source;
    for (const auto& name : source.columns) {
        const auto it = target.find(name);
        if (it == target.end()) {
            throw DbCopyError("column " + source.name + "." + name +
                              " is in the SQLite database but not in PostgreSQL" + kNothing);
        }
        TargetColumn c = it->second;
        const auto kind = kind_of(c.type);
        if (!kind) {
            throw DbCopyError("column " + source.name + "." + name + " has PostgreSQL type " +
                              c.type + ", which db copy does not handle" + kNothing);
        }
        c.kind = *kind;
        plan.overriding = plan.overriding || c.identity == 'a';
        plan.columns.push_back(c);
        target.erase(it);
    }
    // PostgreSQL-only columns must fill themselves: the identity `seq` that keeps SQLite's
    // rowid order (assigned in copy order, which is rowid order).
    for (const auto& [name, c] : target) {
        if (c.identity == '\0') {
            throw DbCopyError("column " + source.name + "." + name +
                              " exists only in PostgreSQL; db copy would leave it empty" +
                              kNothing);
        }
    }
    return plan;
}

std::string insert_sql(const TablePlan& plan, std::size_t rows) {
    std::string sql = "INSERT INTO " + quote_ident(plan.source->name) + " (";
    for (std::size_t c = 0; c < plan.columns.size(); ++c) {
        sql += (c ? ", " : "") + quote_ident(plan.columns[c].name);
    }
    sql += plan.overriding ? ") OVERRIDING SYSTEM VALUE VALUES " : ") VALUES ";
    std::size_t n = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        sql += r ? ", (" : "(";
        for (std::size_t c = 0; c < plan.columns.size(); ++c) {
            // Every value travels as text and is cast by the column's type, so one prepared
            // statement fits every row whichever of its values are NULL.
            sql += (c ? ", $" : "$") + std::to_string(++n) + "::" + plan.columns[c].type;
        }
        sql += ")";
    }
    return sql;
}

const char* storage_class(int type) {
    switch (type) {
    case SQLITE_INTEGER:
        return "INTEGER";
    case SQLITE_FLOAT:
        return "REAL";
    case SQLITE_TEXT:
        return "TEXT";
    case SQLITE_BLOB:
        return "BLOB";
    default:
        return "NULL";
    }
}

std::string exact_double(double v) {
    if (std::isinf(v)) {
        return v > 0 ? "Infinity" : "-Infinity";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v); // reads back to the same double
    return buf;
}

std::string bytea_hex(const void* data, int size) {
    static const char digits[] = "0123456789abcdef";
    std::string out = "\\x";
    out.reserve(2 + 2 * static_cast<std::size_t>(size));
    const auto* p = static_cast<const unsigned char*>(data);
    for (int i = 0; i < size; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

/// Column `c` (1-based after the rowid) of the current row as the text PostgreSQL's input
/// function for the column's type reads back exactly; refuses a value of another kind.
std::optional<std::string> value_text(const SqliteQuery& q, int c, const TablePlan& plan) {
    sqlite3_stmt* s = q.get();
    const TargetColumn& column = plan.columns[static_cast<std::size_t>(c - 1)];
    const int type = sqlite3_column_type(s, c);
    if (type == SQLITE_NULL) {
        return std::nullopt;
    }
    const bool fits =
        (type == SQLITE_TEXT && column.kind == Kind::Text) ||
        (type == SQLITE_INTEGER && (column.kind == Kind::Integer || column.kind == Kind::Real)) ||
        (type == SQLITE_FLOAT && column.kind == Kind::Real) ||
        (type == SQLITE_BLOB && column.kind == Kind::Bytea);
    const auto where = [&] {
        return plan.source->name + "." + column.name + ", row with rowid " +
               std::to_string(sqlite3_column_int64(s, 0));
    };
    if (!fits) {
        throw DbCopyError(where() + ": SQLite holds a " + storage_class(type) +
                          " value where PostgreSQL expects " + column.type + kNothing);
    }
    switch (type) {
    case SQLITE_INTEGER:
        return std::to_string(sqlite3_column_int64(s, c));
    case SQLITE_FLOAT:
        return exact_double(sqlite3_column_double(s, c));
    case SQLITE_BLOB:
        return bytea_hex(sqlite3_column_blob(s, c), sqlite3_column_bytes(s, c));
    default: {
        std::string text = q.text_at(c);
        if (text.find('\0') != std::string::npos) {
            throw DbCopyError(where() +
                              ": the text holds a NUL character, which PostgreSQL "
                              "text cannot store" +
                              kNothing);
        }
        return text;
    }
    }
}

/// Copies one table in rowid order; returns the rows written.
std::int64_t copy_table(const SqliteSource& source, Connection& pg, const TablePlan& plan,
                        std::int64_t progress_every, std::ostream& out) {
    const SourceTable& table = *plan.source;
    std::string select = "SELECT rowid";
    for (const auto& c : table.columns) {
        select += ", " + quote_ident(c);
    }
    select += " FROM " + quote_ident(table.name) + " ORDER BY rowid";
    SqliteQuery q(source.handle(), select, "table " + table.name);

    const std::size_t per_row = plan.columns.size();
    // Batches no larger than the progress step, so every progress line is on time.
    const std::size_t max_rows = std::max<std::size_t>(
        1, std::min({kMaxBatchRows, kMaxBatchParams / std::max<std::size_t>(per_row, 1),
                     static_cast<std::size_t>(std::max<std::int64_t>(progress_every, 1))}));
    std::int64_t copied = 0;
    std::int64_t next_report = progress_every;
    Params batch;
    std::size_t batch_rows = 0;
    std::size_t batch_bytes = 0;
    const auto flush = [&] {
        if (batch_rows == 0) {
            return;
        }
        pg.exec(insert_sql(plan, batch_rows), batch);
        copied += static_cast<std::int64_t>(batch_rows);
        batch = Params();
        batch_rows = 0;
        batch_bytes = 0;
        if (table.rows > progress_every && copied >= next_report) {
            out << "  " << table.name << ": " << copied << " / " << table.rows << " rows\n"
                << std::flush;
            while (next_report <= copied) {
                next_report += progress_every;
            }
        }
    };
    while (q.step()) {
        for (std::size_t c = 1; c <= per_row; ++c) {
            auto v = value_text(q, static_cast<int>(c), plan);
            batch_bytes += v ? v->size() : 0;
            batch.opt(v);
        }
        ++batch_rows;
        if (batch_rows >= max_rows || batch_bytes >= kMaxBatchBytes) {
            flush();
        }
    }
    flush();
    return copied;
}

/// Moves every copied identity column's sequence past the highest id copied (and past the
/// highest id SQLite ever handed out, as AUTOINCREMENT never reuses one).
void reset_sequences(Connection& pg, const TablePlan& plan) {
    for (const auto& c : plan.columns) {
        if (c.identity == '\0') {
            continue;
        }
        pg.exec("SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT COALESCE(MAX(" +
                    quote_ident(c.name) + "), 0) FROM " + quote_ident(plan.source->name) +
                    "), $3::bigint) + 1, false)",
                Params()
                    .text(quote_ident(plan.source->name))
                    .text(c.name)
                    .text(std::to_string(plan.source->autoincrement_seq)));
    }
}

void print_counts(const DbCopyReport& report, std::ostream& out) {
    std::size_t width = 5;
    for (const auto& c : report.counts) {
        width = std::max(width, c.table.size());
    }
    const auto w = static_cast<int>(width);
    out << std::left << std::setw(w) << "table" << std::right << std::setw(12) << "SQLite"
        << std::setw(12) << "PostgreSQL"
        << "\n";
    std::int64_t sqlite_total = 0;
    std::int64_t postgres_total = 0;
    for (const auto& c : report.counts) {
        out << std::left << std::setw(w) << c.table << std::right << std::setw(12) << c.sqlite_rows
            << std::setw(12) << c.postgres_rows
            << (c.sqlite_rows == c.postgres_rows ? "" : "  MISMATCH") << "\n";
        sqlite_total += c.sqlite_rows;
        postgres_total += c.postgres_rows;
    }
    out << std::left << std::setw(w) << "total" << std::right << std::setw(12) << sqlite_total
        << std::setw(12) << postgres_total << "\n";
}

} // namespace

DbCopyReport copy_database(const DbCopyOptions& options, std::ostream& out) {
    // The source first: a bad source never touches the target.
    SqliteSource source(options.from);
    const std::string where = "PostgreSQL database " + store::describe_db(options.to);

    std::unique_ptr<Connection> pg;
    try {
        pg = std::make_unique<Connection>(options.to);
        // A LabelLoop database already in use is refused before its migration could touch it.
        const auto tables = target_tables(*pg);
        if (std::find(tables.begin(), tables.end(), "schema_version") != tables.end()) {
            refuse_if_not_empty(*pg, where);
        }
        // The schema, through the server's own start-up (refuses another application's
        // database, or a newer schema).
        const store::PostgresStore migrated(options.to);
        if (migrated.schema_version() != source.schema_version()) {
            throw DbCopyError(where + " has schema version " +
                              std::to_string(migrated.schema_version()) + ", the source " +
                              std::to_string(source.schema_version()) + kNothing);
        }
    } catch (const store::DatabaseError& e) {
        throw DbCopyError(e.what() + std::string(kNothing));
    }

    out << "Copying " << source.path() << " (schema version " << source.schema_version() << ", "
        << source.tables().size() << " tables, " << source.total_rows() << " rows) into "
        << store::describe_db(options.to) << "\n"
        << std::flush;
    const auto t0 = std::chrono::steady_clock::now();
    DbCopyReport report;
    const std::string* current = nullptr;
    try {
        std::vector<TablePlan> plans;
        for (const auto& table : source.tables()) {
            plans.push_back(plan_table(*pg, table));
        }
        // The servers' writer lock: one running on the target waits for the copy instead of
        // writing into it.
        pg->exec_script(store::PostgresStore::kBeginWrite);
        // Again under the lock: nothing was written between the first look and now.
        refuse_if_not_empty(*pg, where);
        // server_info's one row is the target's own creation time: the source's replaces it.
        pg->exec_script("DELETE FROM server_info");
        for (const auto& plan : plans) {
            current = &plan.source->name;
            report.rows_copied += copy_table(source, *pg, plan, options.progress_every, out);
            reset_sequences(*pg, plan);
        }
        current = nullptr;
        pg->exec_script("COMMIT");
    } catch (const std::exception& e) {
        try {
            pg->exec_script("ROLLBACK");
        } catch (const store::DatabaseError&) {
            // The connection is gone: the server rolls the transaction back on its own.
        }
        const std::string in = current != nullptr ? "copying table " + *current + ": " : "";
        const std::string why = e.what();
        throw DbCopyError(in + why + (why.find(kNothing) == std::string::npos ? kNothing : ""));
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // The check, after the commit: what a new connection sees against the source snapshot.
    for (const auto& table : source.tables()) {
        TableCount c;
        c.table = table.name;
        c.sqlite_rows = table.rows;
        try {
            c.postgres_rows =
                pg->exec("SELECT COUNT(*) FROM " + quote_ident(table.name)).row(0).column_int(0);
        } catch (const store::DatabaseError& e) {
            throw DbCopyError("the copy was committed, but counting " + table.name +
                              " in PostgreSQL failed: " + e.what());
        }
        report.counts.push_back(c);
    }
    print_counts(report, out);
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", report.seconds);
    if (report.counts_match()) {
        out << "Copied " << report.rows_copied << " rows in " << report.counts.size()
            << " tables in " << seconds << " s; every count matches.\n";
    } else {
        out << "The counts differ (MISMATCH above): the PostgreSQL database is not a faithful "
               "copy.\n";
    }
    return report;
}

#else

DbCopyReport copy_database(const DbCopyOptions& options, std::ostream& /*out*/) {
    throw DbCopyError("this LabelLoop was built without PostgreSQL support (libpq): cannot copy "
                      "into " +
                      store::describe_db(options.to));
}

#endif

int run_db_command(const std::vector<std::string>& args) {
    if (args.empty() || args[0] != "copy") {
        throw UsageError("db expects 'copy --from FILE --to postgresql://...'");
    }
    DbCopyOptions options;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& key = args[i];
        if (key != "--from" && key != "--to") {
            throw UsageError("unknown option for db copy: '" + key + "'");
        }
        if (i + 1 >= args.size()) {
            throw UsageError(key + " expects a value");
        }
        (key == "--from" ? options.from : options.to) = args[++i];
    }
    if (options.from.empty()) {
        throw UsageError("db copy needs --from FILE (the SQLite database)");
    }
    if (store::is_postgres_url(options.from)) {
        throw UsageError("--from expects an SQLite file, got a PostgreSQL URL");
    }
    if (!store::is_postgres_url(options.to)) {
        throw UsageError("--to expects a postgresql:// URL");
    }
    const DbCopyReport report = copy_database(options, std::cout);
    return report.counts_match() ? 0 : 1;
}

} // namespace labelloop::cli
