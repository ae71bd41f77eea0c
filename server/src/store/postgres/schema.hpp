// PostgresStore's schema: the same numbered migrations as SQLite's (store/migrations.cpp),
// translated to PostgreSQL types, recorded in the same `schema_version` table. A database
// written by a newer LabelLoop, and a database of another application (tables but no
// schema_version), are refused before anything is written.
#pragma once

#include "store/postgres/connection.hpp"

#include <vector>

namespace labelloop::store::postgres {

struct PgMigration {
    int version;
    const char* name;
    const char* sql;
};

/// Every migration, in ascending version order; the numbers match SQLite's.
const std::vector<PgMigration>& pg_migrations();

/// Applies every missing migration (all in one transaction, under an advisory lock so two
/// processes starting together do not both migrate). Returns the resulting version; throws
/// DatabaseError for a foreign database or one newer than this binary.
int pg_migrate(Connection& db);

} // namespace labelloop::store::postgres
