#include "store/migrations.hpp"

#include <string>

namespace labelloop::store {

const std::vector<Migration>& migrations() {
    // Append only: a released migration is never edited, a change is a new number.
    static const std::vector<Migration> list = {
        {1, "server_info",
         R"sql(
            CREATE TABLE server_info (
                key   TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            INSERT INTO server_info(key, value)
                VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
         )sql"},
    };
    return list;
}

int latest_schema_version() {
    return migrations().back().version;
}

namespace {

void ensure_version_table(Database& db) {
    db.exec(R"sql(
        CREATE TABLE IF NOT EXISTS schema_version (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
    )sql");
}

} // namespace

int current_schema_version(Database& db) {
    ensure_version_table(db);
    auto stmt = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    stmt.step();
    return static_cast<int>(stmt.column_int(0));
}

int migrate(Database& db) {
    int version = current_schema_version(db);
    if (version > latest_schema_version()) {
        throw DatabaseError("database '" + db.path() + "' has schema version " +
                                std::to_string(version) + ", but this LabelLoop only knows up to " +
                                std::to_string(latest_schema_version()) +
                                "; use a newer LabelLoop binary",
                            0);
    }
    for (const auto& m : migrations()) {
        if (m.version <= version) {
            continue;
        }
        Transaction tx(db);
        db.exec(m.sql);
        db.prepare("INSERT INTO schema_version(version, name) VALUES (?, ?)")
            .bind(1, m.version)
            .bind(2, m.name)
            .run();
        tx.commit();
        version = m.version;
    }
    return version;
}

} // namespace labelloop::store
