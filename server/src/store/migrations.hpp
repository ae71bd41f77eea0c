// Numbered schema migrations. Each migration runs once, in order, inside its own
// transaction, and is recorded in the `schema_version` table; a database written by a newer
// LabelLoop is refused rather than guessed at.
#pragma once

#include "store/database.hpp"

#include <vector>

namespace labelloop::store {

struct Migration {
    int version;
    const char* name;
    const char* sql;
};

/// All migrations this binary knows, in ascending version order.
const std::vector<Migration>& migrations();

/// The schema version this binary writes (the highest migration number).
int latest_schema_version();

/// The schema version recorded in `db` (0 for a new, empty database).
int current_schema_version(Database& db);

/// Applies every migration newer than the database's version. Throws DatabaseError when the
/// database comes from a newer LabelLoop. Returns the resulting schema version.
int migrate(Database& db);

} // namespace labelloop::store
