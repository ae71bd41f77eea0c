#include "store/postgres/schema.hpp"

#include "store/migrations.hpp"

#include <string>

namespace labelloop::store::postgres {

// The SQLite schema (store/migrations.cpp) column for column: TEXT stays TEXT (timestamps are
// ISO-8601 text on both backends), INTEGER -> BIGINT, REAL -> DOUBLE PRECISION, BLOB -> BYTEA,
// INTEGER PRIMARY KEY AUTOINCREMENT -> an identity column. SQLite lists compounds and queue
// items in insertion order by their rowid; PostgreSQL has no rowid, so those two tables carry
// an identity column `seq` for that order (the only column SQLite does not have).
const std::vector<PgMigration>& pg_migrations() {
    // Append only, one entry per SQLite migration with the same number.
    static const std::vector<PgMigration> list = {
        {1, "server_info",
         R"sql(
            CREATE TABLE server_info (
                key   TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            INSERT INTO server_info(key, value)
                VALUES ('created_at', to_char(clock_timestamp() AT TIME ZONE 'UTC',
                                              'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
         )sql"},
        {2, "active_learning",
         R"sql(
            CREATE TABLE users (
                id         TEXT PRIMARY KEY,
                name       TEXT NOT NULL UNIQUE,
                role       TEXT NOT NULL CHECK (role IN ('admin', 'scientist')),
                created_at TEXT NOT NULL
            );
            CREATE TABLE api_tokens (
                id         TEXT PRIMARY KEY,
                user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                token_hash TEXT NOT NULL UNIQUE,
                label      TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                revoked_at TEXT
            );
            CREATE TABLE compounds (
                id          TEXT PRIMARY KEY,
                smiles      TEXT NOT NULL,
                inchikey    TEXT NOT NULL UNIQUE,
                name        TEXT,
                external_id TEXT,
                scaffold    TEXT NOT NULL DEFAULT '',
                features    BYTEA NOT NULL,
                properties  TEXT NOT NULL DEFAULT '{}',
                created_at  TEXT NOT NULL,
                seq         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
            );
            CREATE TABLE datasets (
                id         TEXT PRIMARY KEY,
                name       TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            );
            CREATE TABLE dataset_compounds (
                dataset_id  TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
                compound_id TEXT NOT NULL REFERENCES compounds(id) ON DELETE CASCADE,
                PRIMARY KEY (dataset_id, compound_id)
            );
            CREATE TABLE compound_labels (
                compound_id TEXT NOT NULL REFERENCES compounds(id) ON DELETE CASCADE,
                property    TEXT NOT NULL,
                value       DOUBLE PRECISION NOT NULL,
                source      TEXT NOT NULL DEFAULT 'experimental',
                confidence  TEXT NOT NULL DEFAULT 'high',
                created_at  TEXT NOT NULL,
                PRIMARY KEY (compound_id, property)
            );
            CREATE TABLE ml_models (
                id           TEXT PRIMARY KEY,
                lineage_id   TEXT NOT NULL,
                name         TEXT NOT NULL,
                property     TEXT NOT NULL,
                task         TEXT NOT NULL CHECK (task IN ('regression', 'classification')),
                version      BIGINT NOT NULL,
                status       TEXT NOT NULL
                             CHECK (status IN ('training', 'active', 'superseded', 'failed')),
                parent_id    TEXT REFERENCES ml_models(id),
                params       TEXT NOT NULL DEFAULT '{}',
                metrics      TEXT NOT NULL DEFAULT '{}',
                artifact     BYTEA,
                n_train      BIGINT NOT NULL DEFAULT 0,
                n_validation BIGINT NOT NULL DEFAULT 0,
                created_at   TEXT NOT NULL,
                UNIQUE (lineage_id, version)
            );
            CREATE INDEX ml_models_lineage ON ml_models(lineage_id, status);
            CREATE TABLE model_members (
                lineage_id    TEXT NOT NULL,
                compound_id   TEXT NOT NULL REFERENCES compounds(id),
                role          TEXT NOT NULL CHECK (role IN ('train', 'validation')),
                label         DOUBLE PRECISION NOT NULL,
                source        TEXT NOT NULL DEFAULT 'experimental',
                confidence    TEXT NOT NULL DEFAULT 'high',
                added_version BIGINT NOT NULL,
                PRIMARY KEY (lineage_id, compound_id)
            );
            CREATE TABLE active_learning_cycles (
                id                 TEXT PRIMARY KEY,
                model_id           TEXT NOT NULL REFERENCES ml_models(id),
                cycle_number       BIGINT NOT NULL,
                selection_strategy TEXT NOT NULL,
                batch_size         BIGINT NOT NULL,
                status             TEXT NOT NULL
                                   CHECK (status IN ('selecting', 'labeling', 'training',
                                                     'complete')),
                metrics_before     TEXT,
                metrics_after      TEXT,
                items_selected     BIGINT NOT NULL DEFAULT 0,
                items_labeled      BIGINT NOT NULL DEFAULT 0,
                items_skipped      BIGINT NOT NULL DEFAULT 0,
                new_model_id       TEXT REFERENCES ml_models(id),
                started_at         TEXT NOT NULL,
                completed_at       TEXT
            );
            CREATE INDEX cycles_model ON active_learning_cycles(model_id);
            CREATE TABLE label_queue (
                id                     TEXT PRIMARY KEY,
                compound_id            TEXT NOT NULL REFERENCES compounds(id),
                model_id               TEXT NOT NULL REFERENCES ml_models(id),
                cycle_id               TEXT REFERENCES active_learning_cycles(id),
                prediction             DOUBLE PRECISION,
                uncertainty            DOUBLE PRECISION,
                applicability_distance DOUBLE PRECISION,
                in_domain              BIGINT,
                selection_strategy     TEXT NOT NULL,
                selection_batch        BIGINT NOT NULL,
                priority_score         DOUBLE PRECISION,
                status                 TEXT NOT NULL DEFAULT 'pending'
                                       CHECK (status IN ('pending', 'in_progress', 'labeled',
                                                         'skipped', 'archived')),
                assigned_to            TEXT REFERENCES users(id),
                assigned_at            TEXT,
                label                  DOUBLE PRECISION,
                label_source           TEXT CHECK (label_source IN ('experimental',
                                                   'literature', 'expert_estimate')),
                label_confidence       TEXT CHECK (label_confidence IN ('high', 'medium',
                                                   'low')),
                labeled_at             TEXT,
                labeled_by             TEXT REFERENCES users(id),
                notes                  TEXT,
                created_at             TEXT NOT NULL,
                updated_at             TEXT NOT NULL,
                version                BIGINT NOT NULL DEFAULT 1,
                seq                    BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
                UNIQUE (compound_id, model_id, selection_batch)
            );
            CREATE INDEX label_queue_status_model ON label_queue(status, model_id);
            CREATE TABLE jobs (
                id          TEXT PRIMARY KEY,
                kind        TEXT NOT NULL,
                status      TEXT NOT NULL
                            CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
                progress    DOUBLE PRECISION NOT NULL DEFAULT 0,
                message     TEXT NOT NULL DEFAULT '',
                error       TEXT,
                result      TEXT,
                cycle_id    TEXT REFERENCES active_learning_cycles(id),
                created_by  TEXT REFERENCES users(id),
                created_at  TEXT NOT NULL,
                started_at  TEXT,
                finished_at TEXT
            );
            CREATE TABLE audit_log (
                id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                user_id     TEXT,
                action      TEXT NOT NULL,
                entity_type TEXT NOT NULL,
                entity_id   TEXT NOT NULL,
                old_value   TEXT,
                new_value   TEXT,
                at          TEXT NOT NULL
            );
            CREATE INDEX audit_entity ON audit_log(entity_type, entity_id);
         )sql"},
        {3, "offline_sync",
         R"sql(
            ALTER TABLE label_queue ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
            UPDATE label_queue SET change_seq = seq;
            CREATE INDEX label_queue_change_seq ON label_queue(change_seq);
            CREATE TABLE sync_ops (
                op_id      TEXT PRIMARY KEY,
                user_id    TEXT NOT NULL REFERENCES users(id),
                item_id    TEXT NOT NULL,
                kind       TEXT NOT NULL CHECK (kind IN ('label', 'skip', 'select')),
                outcome    TEXT NOT NULL
                           CHECK (outcome IN ('applied', 'superseded', 'conflict', 'rejected')),
                result     TEXT NOT NULL,
                applied_at TEXT NOT NULL
            );
            CREATE TABLE label_conflicts (
                id          TEXT PRIMARY KEY,
                item_id     TEXT NOT NULL REFERENCES label_queue(id),
                op_id       TEXT NOT NULL UNIQUE,
                user_id     TEXT NOT NULL REFERENCES users(id),
                label       DOUBLE PRECISION NOT NULL,
                source      TEXT NOT NULL,
                confidence  TEXT NOT NULL,
                notes       TEXT,
                reason      TEXT NOT NULL,
                status      TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
                resolution  TEXT CHECK (resolution IN ('accept_existing', 'accept_incoming',
                                                       'keep_both')),
                resolved_by TEXT REFERENCES users(id),
                resolved_at TEXT,
                created_at  TEXT NOT NULL
            );
            CREATE INDEX label_conflicts_item ON label_conflicts(item_id);
            CREATE INDEX label_conflicts_status ON label_conflicts(status);
            CREATE TABLE label_replicates (
                id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                item_id     TEXT NOT NULL REFERENCES label_queue(id),
                conflict_id TEXT REFERENCES label_conflicts(id),
                label       DOUBLE PRECISION NOT NULL,
                user_id     TEXT REFERENCES users(id),
                created_at  TEXT NOT NULL
            );
            CREATE INDEX label_replicates_item ON label_replicates(item_id);
         )sql"},
        {4, "discovery_objectives",
         R"sql(
            ALTER TABLE ml_models ADD COLUMN objective_kind TEXT NOT NULL DEFAULT 'none'
                CHECK (objective_kind IN ('none', 'maximize', 'minimize', 'window', 'class'));
            ALTER TABLE ml_models ADD COLUMN objective_lo DOUBLE PRECISION;
            ALTER TABLE ml_models ADD COLUMN objective_hi DOUBLE PRECISION;
            ALTER TABLE ml_models ADD COLUMN objective_class BIGINT;
            ALTER TABLE ml_models ADD COLUMN objective_hit_threshold DOUBLE PRECISION;
            ALTER TABLE active_learning_cycles ADD COLUMN expected_hits_remaining
                DOUBLE PRECISION;
         )sql"},
        {5, "job_claims",
         R"sql(
            ALTER TABLE jobs ADD COLUMN claimed_by TEXT;
            ALTER TABLE jobs ADD COLUMN heartbeat_at TEXT;
            CREATE INDEX jobs_status_created ON jobs(status, created_at);
         )sql"},
    };
    return list;
}

namespace {

// pg_advisory_lock key held while migrating ("LLMIGRAT" as bytes).
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(4849894541364838740)";
constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(4849894541364838740)";

const char* const kLeave = "; LabelLoop leaves it untouched: choose another database with --db";

int migrate_locked(Connection& db) {
    const std::string where = "PostgreSQL database '" + db.describe() + "'";
    // Look before writing anything: the tables of the connection's schema, schema_version
    // first when present.
    auto tables = db.exec("SELECT table_name::text FROM information_schema.tables "
                          "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                          "ORDER BY table_name = 'schema_version' DESC, table_name");
    int version = 0;
    if (!tables.empty()) {
        if (tables.row(0).column_text(0) != "schema_version") {
            std::string names;
            for (int i = 0; i < tables.rows() && i < 3; ++i) {
                names += (i ? ", " : "") + tables.row(i).column_text(0);
            }
            throw DatabaseError(where + " is not a LabelLoop database (it holds tables " + names +
                                    (tables.rows() > 3 ? ", ..." : "") +
                                    " of another application)" + kLeave,
                                0);
        }
        auto v = db.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version");
        version = static_cast<int>(v.row(0).column_int(0));
    }
    const int latest = pg_migrations().back().version;
    if (version > latest) {
        throw DatabaseError(where + " has schema version " + std::to_string(version) +
                                ", but this LabelLoop only knows up to " + std::to_string(latest) +
                                "; use a newer LabelLoop binary",
                            0);
    }
    if (version == latest) {
        return version;
    }
    // Every missing migration in one transaction: DDL is transactional in PostgreSQL, so a
    // failure leaves the database as it was.
    db.exec_script("BEGIN");
    try {
        db.exec_script(R"sql(
            CREATE TABLE IF NOT EXISTS schema_version (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at TEXT NOT NULL DEFAULT to_char(clock_timestamp() AT TIME ZONE 'UTC',
                                                         'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
            ))sql");
        for (const auto& m : pg_migrations()) {
            if (m.version <= version) {
                continue;
            }
            db.exec_script(m.sql);
            db.exec("INSERT INTO schema_version(version, name) VALUES ($1::int, $2)",
                    Params().num(m.version).text(m.name));
            version = m.version;
        }
        db.exec_script("COMMIT");
    } catch (...) {
        try {
            db.exec_script("ROLLBACK");
        } catch (const DatabaseError&) {
            // The connection is gone: the server rolls back on its own.
        }
        throw;
    }
    return version;
}

} // namespace

int pg_migrate(Connection& db) {
    if (pg_migrations().back().version != latest_schema_version()) {
        throw DatabaseError("this LabelLoop's PostgreSQL schema (version " +
                                std::to_string(pg_migrations().back().version) +
                                ") is behind its SQLite schema (version " +
                                std::to_string(latest_schema_version()) + ")",
                            0);
    }
    db.exec_script(kMigrationLock);
    try {
        const int version = migrate_locked(db);
        db.exec_script(kMigrationUnlock);
        return version;
    } catch (...) {
        try {
            db.exec_script(kMigrationUnlock);
        } catch (const DatabaseError&) {
            // Released with the session.
        }
        throw;
    }
}

} // namespace labelloop::store::postgres
