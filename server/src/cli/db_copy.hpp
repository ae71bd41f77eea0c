// `labelloop db copy --from FILE --to postgresql://...` (issue 18): moves a whole SQLite
// LabelLoop database (every table, tokens included) into an empty PostgreSQL database in one
// transaction, then compares the row counts of every table on both sides.
#pragma once

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace labelloop::cli {

/// A copy refused or failed, with the cause; nothing was written to the target.
struct DbCopyError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct DbCopyOptions {
    std::string from; // SQLite file, opened read-only
    std::string to;   // postgresql:// URL
    /// A progress line every this many rows, for tables that have more.
    std::int64_t progress_every = 10000;
};

struct TableCount {
    std::string table;
    std::int64_t sqlite_rows = 0;
    std::int64_t postgres_rows = 0;
};

struct DbCopyReport {
    std::vector<TableCount> counts; // every copied table, in copy order
    std::int64_t rows_copied = 0;
    double seconds = 0.0; // opening the target to COMMIT
    bool counts_match() const;
};

/// The tables the copy knows, parents before the tables that reference them. schema_version
/// is not among them: the target's migrations write their own, and the versions must match.
const std::vector<std::string>& copied_tables();

/// Copies `options.from` into `options.to`, printing progress and the table of counts to
/// `out`. Throws DbCopyError naming the cause (missing file, not a LabelLoop database, another
/// schema version, unreachable server, bad credentials, a target that already holds rows, a
/// table or column the copy does not know) with nothing written to the target.
DbCopyReport copy_database(const DbCopyOptions& options, std::ostream& out);

/// `labelloop db copy --from FILE --to URL`: 0 when every count matches, 1 otherwise.
int run_db_command(const std::vector<std::string>& args);

} // namespace labelloop::cli
