// The SQLite store's foundations: a new file gets WAL, foreign keys and every migration;
// reopening applies nothing twice; a database from a newer LabelLoop is refused; a database
// of an older schema migrates and keeps working.
#include "test_support.hpp"

#include <catch2/catch.hpp>

using labelloop::store::Database;
using labelloop::testing::TempDir;

TEST_CASE("a new database file is created in WAL mode with foreign keys on", "[store]") {
    TempDir dir;
    const auto path = dir.file("new.db");
    REQUIRE_FALSE(std::filesystem::exists(path));
    Database db(path);
    CHECK(std::filesystem::exists(path));
    auto mode = db.prepare("PRAGMA journal_mode");
    REQUIRE(mode.step());
    CHECK(mode.column_text(0) == "wal");
    auto fk = db.prepare("PRAGMA foreign_keys");
    REQUIRE(fk.step());
    CHECK(fk.column_int(0) == 1);
}

TEST_CASE("migrations run once, in order, and are recorded", "[store][migrations]") {
    TempDir dir;
    const auto path = dir.file("m.db");
    {
        Database db(path);
        CHECK(labelloop::store::current_schema_version(db) == 0);
        CHECK(labelloop::store::migrate(db) == labelloop::store::latest_schema_version());
    }
    Database db(path);
    CHECK(labelloop::store::current_schema_version(db) ==
          labelloop::store::latest_schema_version());
    CHECK(labelloop::store::migrate(db) == labelloop::store::latest_schema_version());
    auto count = db.prepare("SELECT COUNT(*) FROM schema_version");
    REQUIRE(count.step());
    CHECK(count.column_int(0) == static_cast<std::int64_t>(labelloop::store::migrations().size()));
    auto created = db.prepare("SELECT COUNT(*) FROM server_info WHERE key = 'created_at'");
    REQUIRE(created.step());
    CHECK(created.column_int(0) == 1);
}

TEST_CASE("a database from a newer LabelLoop is refused with a clear message",
          "[store][migrations]") {
    TempDir dir;
    Database db(dir.file("future.db"));
    labelloop::store::migrate(db);
    db.prepare("INSERT INTO schema_version(version, name) VALUES (?, 'from the future')")
        .bind(1, 999)
        .run();
    CHECK_THROWS_WITH(labelloop::store::migrate(db),
                      Catch::Contains("has schema version 999") &&
                          Catch::Contains("use a newer LabelLoop binary"));
}

TEST_CASE("a failed transaction leaves nothing half-written", "[store]") {
    TempDir dir;
    Database db(dir.file("tx.db"));
    db.exec("CREATE TABLE t (x INTEGER NOT NULL)");
    try {
        labelloop::store::Transaction tx(db);
        db.prepare("INSERT INTO t(x) VALUES (1)").run();
        db.prepare("INSERT INTO t(x) VALUES (NULL)").run(); // violates NOT NULL
        tx.commit();
        FAIL("the second insert should have thrown");
    } catch (const labelloop::store::DatabaseError& e) {
        CHECK(std::string(e.what()).find("NOT NULL") != std::string::npos);
    }
    auto count = db.prepare("SELECT COUNT(*) FROM t");
    REQUIRE(count.step());
    CHECK(count.column_int(0) == 0);
}

TEST_CASE("a database of schema 3 (before objectives) migrates: its models read objective none "
          "and keep selecting",
          "[store][migrations][objective]") {
    TempDir dir;
    // A working database of today (a real model, a cycle, a queue), copied below into a file
    // that holds schema 3 exactly as migrations 1-3 wrote it.
    const auto current = dir.file("current.db");
    std::string model_id;
    std::string cycle_id;
    {
        labelloop::service::Services s(current);
        const auto admin = s.auth.create_user(nullptr, "admin", "admin");
        model_id = labelloop::testing::seed_esol_model(s, 60, 40).id;
        labelloop::service::SelectRequest req;
        req.model_id = model_id;
        req.batch_size = 3;
        cycle_id = *s.active_learning.select_samples(admin, req).cycle_id;
    }
    const auto old_path = dir.file("schema3.db");
    {
        Database db(old_path);
        labelloop::store::current_schema_version(db); // the version table
        for (const auto& m : labelloop::store::migrations()) {
            if (m.version > 3) {
                break;
            }
            db.exec(m.sql);
            db.prepare("INSERT INTO schema_version(version, name) VALUES (?, ?)")
                .bind(1, m.version)
                .bind(2, m.name)
                .run();
        }
        db.exec("PRAGMA foreign_keys = OFF");
        db.prepare("ATTACH DATABASE ? AS cur").bind(1, current).run();
        std::vector<std::string> tables;
        auto list = db.prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' AND "
                               "name NOT IN ('schema_version', 'sqlite_sequence')");
        while (list.step()) {
            tables.push_back(list.column_text(0));
        }
        for (const auto& table : tables) {
            std::string columns;
            auto info = db.prepare("SELECT name FROM pragma_table_info(?)");
            info.bind(1, table);
            while (info.step()) {
                columns += (columns.empty() ? "" : ", ") + info.column_text(0);
            }
            db.exec("DELETE FROM main." + table + "; INSERT INTO main." + table + " (" + columns +
                    ") SELECT " + columns + " FROM cur." + table);
        }
        db.exec("DETACH DATABASE cur");
        CHECK(labelloop::store::current_schema_version(db) == 3);
        auto has_objective = db.prepare(
            "SELECT COUNT(*) FROM pragma_table_info('ml_models') WHERE name = 'objective_kind'");
        REQUIRE(has_objective.step());
        CHECK(has_objective.column_int(0) == 0);
        auto models = db.prepare("SELECT COUNT(*) FROM ml_models");
        REQUIRE(models.step());
        CHECK(models.column_int(0) == 1);
    }

    labelloop::service::Services s(old_path);
    CHECK(s.store.schema_version() == labelloop::store::latest_schema_version());
    const auto model = s.models.get_model(model_id);
    CHECK(model.objective.kind == labelloop::ObjectiveKind::None);
    const auto j = labelloop::service::to_json(model);
    CHECK(j["objective"] == nlohmann::json{{"kind", "none"}});
    CHECK(j["objective_text"] == "none");
    const auto cycle = s.active_learning.get_cycle(cycle_id);
    CHECK(cycle.items_selected == 3);
    CHECK_FALSE(cycle.expected_hits_remaining);
    CHECK_FALSE(cycle.hits_found);
    const auto cycle_json = labelloop::service::to_json(cycle);
    CHECK(cycle_json["hits_found"].is_null());
    CHECK(cycle_json["expected_hits_remaining"].is_null());

    // The migrated model still selects with model-improvement strategies, and a discovery
    // strategy is refused with the reason.
    const auto admin = *s.store.find_user_by_name("admin");
    labelloop::service::SelectRequest req;
    req.model_id = model_id;
    req.batch_size = 2;
    req.strategy = "density";
    CHECK(s.active_learning.select_samples(admin, req).added == 2);
    req.strategy = "greedy";
    CHECK_THROWS_WITH(s.active_learning.select_samples(admin, req),
                      Catch::Contains("has no objective"));
}
