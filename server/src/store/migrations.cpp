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
        {2, "active_learning",
         R"sql(
            CREATE TABLE users (
                id         TEXT PRIMARY KEY,
                name       TEXT NOT NULL UNIQUE,
                role       TEXT NOT NULL CHECK (role IN ('admin', 'scientist')),
                created_at TEXT NOT NULL
            );
            -- Tokens are stored as SHA-256 hashes only; the clear token is shown once.
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
                features    BLOB NOT NULL,
                properties  TEXT NOT NULL DEFAULT '{}',
                created_at  TEXT NOT NULL
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
            -- Measured values brought in by import (one per compound and property).
            CREATE TABLE compound_labels (
                compound_id TEXT NOT NULL REFERENCES compounds(id) ON DELETE CASCADE,
                property    TEXT NOT NULL,
                value       REAL NOT NULL,
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
                version      INTEGER NOT NULL,
                status       TEXT NOT NULL
                             CHECK (status IN ('training', 'active', 'superseded', 'failed')),
                parent_id    TEXT REFERENCES ml_models(id),
                params       TEXT NOT NULL DEFAULT '{}',
                metrics      TEXT NOT NULL DEFAULT '{}',
                artifact     BLOB,
                n_train      INTEGER NOT NULL DEFAULT 0,
                n_validation INTEGER NOT NULL DEFAULT 0,
                created_at   TEXT NOT NULL,
                UNIQUE (lineage_id, version)
            );
            CREATE INDEX ml_models_lineage ON ml_models(lineage_id, status);
            -- Training and validation membership per model lineage. The validation rows are
            -- written once, when version 1 is created, and never change.
            CREATE TABLE model_members (
                lineage_id    TEXT NOT NULL,
                compound_id   TEXT NOT NULL REFERENCES compounds(id),
                role          TEXT NOT NULL CHECK (role IN ('train', 'validation')),
                label         REAL NOT NULL,
                source        TEXT NOT NULL DEFAULT 'experimental',
                confidence    TEXT NOT NULL DEFAULT 'high',
                added_version INTEGER NOT NULL,
                PRIMARY KEY (lineage_id, compound_id)
            );
            CREATE TABLE active_learning_cycles (
                id                 TEXT PRIMARY KEY,
                model_id           TEXT NOT NULL REFERENCES ml_models(id),
                cycle_number       INTEGER NOT NULL,
                selection_strategy TEXT NOT NULL,
                batch_size         INTEGER NOT NULL,
                status             TEXT NOT NULL
                                   CHECK (status IN ('selecting', 'labeling', 'training',
                                                     'complete')),
                metrics_before     TEXT,
                metrics_after      TEXT,
                items_selected     INTEGER NOT NULL DEFAULT 0,
                items_labeled      INTEGER NOT NULL DEFAULT 0,
                items_skipped      INTEGER NOT NULL DEFAULT 0,
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
                prediction             REAL,
                uncertainty            REAL,
                applicability_distance REAL,
                in_domain              INTEGER,
                selection_strategy     TEXT NOT NULL,
                selection_batch        INTEGER NOT NULL,
                priority_score         REAL,
                status                 TEXT NOT NULL DEFAULT 'pending'
                                       CHECK (status IN ('pending', 'in_progress', 'labeled',
                                                         'skipped', 'archived')),
                assigned_to            TEXT REFERENCES users(id),
                assigned_at            TEXT,
                label                  REAL,
                label_source           TEXT CHECK (label_source IN ('experimental',
                                                   'literature', 'expert_estimate')),
                label_confidence       TEXT CHECK (label_confidence IN ('high', 'medium',
                                                   'low')),
                labeled_at             TEXT,
                labeled_by             TEXT REFERENCES users(id),
                notes                  TEXT,
                created_at             TEXT NOT NULL,
                updated_at             TEXT NOT NULL,
                version                INTEGER NOT NULL DEFAULT 1,
                UNIQUE (compound_id, model_id, selection_batch)
            );
            CREATE INDEX label_queue_status_model ON label_queue(status, model_id);
            CREATE TABLE jobs (
                id          TEXT PRIMARY KEY,
                kind        TEXT NOT NULL,
                status      TEXT NOT NULL
                            CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
                progress    REAL NOT NULL DEFAULT 0,
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
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
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
            -- A server-wide order of queue changes: a browser pulls what changed after the
            -- last change_seq it saw.
            ALTER TABLE label_queue ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
            UPDATE label_queue SET change_seq = rowid;
            CREATE INDEX label_queue_change_seq ON label_queue(change_seq);
            -- Every op a browser sent, with the answer it got: a replayed op id changes nothing
            -- and gets the same answer.
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
            -- Labels that lost a race: never dropped, resolved by an admin.
            CREATE TABLE label_conflicts (
                id          TEXT PRIMARY KEY,
                item_id     TEXT NOT NULL REFERENCES label_queue(id),
                op_id       TEXT NOT NULL UNIQUE,
                user_id     TEXT NOT NULL REFERENCES users(id),
                label       REAL NOT NULL,
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
            -- Extra measurements of an item kept by "keep both": training uses their mean.
            CREATE TABLE label_replicates (
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                item_id     TEXT NOT NULL REFERENCES label_queue(id),
                conflict_id TEXT REFERENCES label_conflicts(id),
                label       REAL NOT NULL,
                user_id     TEXT REFERENCES users(id),
                created_at  TEXT NOT NULL
            );
            CREATE INDEX label_replicates_item ON label_replicates(item_id);
         )sql"},
        {4, "discovery_objectives",
         R"sql(
            -- The goal a model's discovery strategies rank toward (issue 16). Every version of
            -- a lineage carries its lineage's objective; a model from before has none.
            ALTER TABLE ml_models ADD COLUMN objective_kind TEXT NOT NULL DEFAULT 'none'
                CHECK (objective_kind IN ('none', 'maximize', 'minimize', 'window', 'class'));
            ALTER TABLE ml_models ADD COLUMN objective_lo REAL;
            ALTER TABLE ml_models ADD COLUMN objective_hi REAL;
            ALTER TABLE ml_models ADD COLUMN objective_class INTEGER;
            ALTER TABLE ml_models ADD COLUMN objective_hit_threshold REAL;
            -- Sum of P(hit) over the lineage's unlabelled compounds under the model current
            -- at the end of the cycle, written at selection and again at retrain (scoring the
            -- whole pool is too slow for every read of the cycle list).
            ALTER TABLE active_learning_cycles ADD COLUMN expected_hits_remaining REAL;
         )sql"},
        {5, "job_claims",
         R"sql(
            -- Which server process runs a job and when it last said it was alive (issue 18:
            -- several processes on one database; a job whose process went quiet is failed).
            ALTER TABLE jobs ADD COLUMN claimed_by TEXT;
            ALTER TABLE jobs ADD COLUMN heartbeat_at TEXT;
            CREATE INDEX jobs_status_created ON jobs(status, created_at);
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
