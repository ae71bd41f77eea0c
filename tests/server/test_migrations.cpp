// The SQLite store's foundations: a new file gets WAL, foreign keys and every migration;
// reopening applies nothing twice; a database from a newer LabelLoop is refused.
#include "server_fixture.hpp"

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
