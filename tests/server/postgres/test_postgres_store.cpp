// PostgresStore at start-up (issue 18, "bad input"): an unreachable server, a malformed URL,
// a missing database, bad credentials, a database of another application and a schema newer
// than the binary are each refused with an error naming the cause, and nothing is written.
// A fresh database is migrated to the same schema version as SQLite's. The store's behaviour
// otherwise is the shared contract (test_store_contract.cpp), run on both backends.
#include "../store_backends.hpp"

#include "store/migrations.hpp"

#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include <fstream>
#include <string>

using labelloop::store::DatabaseError;
using labelloop::store::PostgresStore;
using labelloop::testing::fresh_postgres_database;
using labelloop::testing::postgres_admin;
using labelloop::testing::shared_postgres_server;

namespace {

/// The first column of the first row of `sql` on `dbname`, as text ("" when no row).
std::string query_one(const std::string& dbname, const std::string& sql) {
    PGconn* conn = PQconnectdb(shared_postgres_server().conninfo(dbname).c_str());
    REQUIRE(PQstatus(conn) == CONNECTION_OK);
    PGresult* r = PQexec(conn, sql.c_str());
    INFO(sql << ": " << PQresultErrorMessage(r));
    REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    PQfinish(conn);
    return out;
}

std::string tables_of(const std::string& dbname) {
    return query_one(dbname, "SELECT COALESCE(string_agg(table_name::text, ',' ORDER BY "
                             "table_name), '') FROM information_schema.tables WHERE "
                             "table_schema = 'public'");
}

std::string url_for(const std::string& user_info, const std::string& dbname) {
    return "postgresql://" + user_info +
           "@127.0.0.1:" + std::to_string(shared_postgres_server().port()) + "/" + dbname;
}

} // namespace

TEST_CASE("postgres store: a fresh database gets SQLite's schema version and reopens",
          "[postgres][store]") {
    const std::string db = fresh_postgres_database();
    const std::string url = shared_postgres_server().url(db);
    {
        PostgresStore store(url);
        CHECK(store.schema_version() == labelloop::store::latest_schema_version());
        store.insert_user(labelloop::domain::User{"u-1", "alice", "admin", "2026-01-01T00:00:00Z"});
    }
    CHECK(query_one(db, "SELECT MAX(version) FROM schema_version") ==
          std::to_string(labelloop::store::latest_schema_version()));
    PostgresStore again(url); // an up-to-date database opens as it is
    CHECK(again.schema_version() == labelloop::store::latest_schema_version());
    CHECK(again.find_user_by_name("alice"));
    CHECK(query_one(db, "SELECT COUNT(*) FROM schema_version") ==
          std::to_string(labelloop::store::latest_schema_version()));
}

TEST_CASE("postgres store: an unreachable server is refused naming the address",
          "[postgres][store][bad-input]") {
    // A loopback port nothing listens on: the shared server's port plus one is not safe, so
    // bind nothing and use port 1 (privileged, never a PostgreSQL server in the test run).
    const std::string url = "postgresql://labelloop@127.0.0.1:1/labelloop?connect_timeout=5";
    CHECK_THROWS_AS(PostgresStore(url), DatabaseError);
    CHECK_THROWS_WITH(PostgresStore(url), Catch::StartsWith("cannot connect to PostgreSQL at " +
                                                            url + ": server unreachable: ") &&
                                              Catch::Contains("Connection refused"));
}

TEST_CASE("postgres store: a malformed URL is refused as such", "[postgres][store][bad-input]") {
    CHECK_THROWS_WITH(PostgresStore("postgresql://labelloop@127.0.0.1:5432/db?nonsense=1"),
                      Catch::Contains("malformed connection URL") && Catch::Contains("nonsense"));
}

TEST_CASE("postgres store: a missing database is refused by name, and not created",
          "[postgres][store][bad-input]") {
    const std::string url = url_for("labelloop", "no_such_db");
    CHECK_THROWS_WITH(PostgresStore(url), Catch::Contains("no such database: ") &&
                                              Catch::Contains("\"no_such_db\" does not exist"));
    CHECK(query_one("postgres", "SELECT COUNT(*) FROM pg_database WHERE datname = 'no_such_db'") ==
          "0");
}

TEST_CASE("postgres store: bad credentials are refused naming the user, the password hidden",
          "[postgres][store][bad-input]") {
    // The test server trusts loopback; require a password for every role but the test
    // superuser, then try a wrong one.
    const std::string hba = query_one("postgres", "SHOW hba_file");
    {
        std::ofstream out(hba, std::ios::trunc);
        out << "local all all trust\n"
               "host all labelloop 127.0.0.1/32 trust\n"
               "host all all 127.0.0.1/32 scram-sha-256\n";
    }
    REQUIRE(query_one("postgres", "SELECT pg_reload_conf()") == "t");
    postgres_admin("CREATE ROLE alice LOGIN PASSWORD 'right-password'");
    const std::string db = fresh_postgres_database();

    const std::string wrong = url_for("alice:wrong-password", db);
    CHECK_THROWS_AS(PostgresStore(wrong), DatabaseError);
    CHECK_THROWS_WITH(PostgresStore(wrong),
                      Catch::Contains("bad credentials: ") &&
                          Catch::Contains("password authentication failed for user \"alice\"") &&
                          Catch::Contains("alice:***@") && !Catch::Contains("wrong-password"));
    CHECK_THROWS_WITH(PostgresStore(url_for("nobody_here", db)),
                      Catch::Contains("bad credentials: "));
    CHECK(tables_of(db).empty()); // nothing written

    postgres_admin("GRANT ALL ON SCHEMA public TO alice", db);
    PostgresStore right(url_for("alice:right-password", db)); // the right password works
    CHECK(right.schema_version() == labelloop::store::latest_schema_version());
}

TEST_CASE("postgres store: a database of another application is refused and left as it was",
          "[postgres][store][bad-input]") {
    const std::string db = fresh_postgres_database();
    postgres_admin("CREATE TABLE invoices(id INTEGER, total REAL); CREATE TABLE customers(id "
                   "INTEGER); INSERT INTO invoices VALUES (1, 9.5)",
                   db);
    const std::string url = shared_postgres_server().url(db);
    CHECK_THROWS_AS(PostgresStore(url), DatabaseError);
    CHECK_THROWS_WITH(PostgresStore(url),
                      Catch::Contains("is not a LabelLoop database (it holds tables customers, "
                                      "invoices of another application)") &&
                          Catch::Contains("LabelLoop leaves it untouched"));
    CHECK(tables_of(db) == "customers,invoices");
    CHECK(query_one(db, "SELECT COUNT(*) FROM invoices") == "1");
}

TEST_CASE("postgres store: a schema newer than the binary is refused and left as it was",
          "[postgres][store][bad-input]") {
    const std::string db = fresh_postgres_database();
    const std::string url = shared_postgres_server().url(db);
    { PostgresStore store(url); }
    postgres_admin("INSERT INTO schema_version(version, name) VALUES (99, 'from_the_future')", db);
    const std::string tables_before = tables_of(db);
    CHECK_THROWS_AS(PostgresStore(url), DatabaseError);
    CHECK_THROWS_WITH(PostgresStore(url),
                      Catch::Contains("has schema version 99, but this LabelLoop only knows up "
                                      "to " +
                                      std::to_string(labelloop::store::latest_schema_version())) &&
                          Catch::Contains("use a newer LabelLoop binary"));
    CHECK(tables_of(db) == tables_before);
    CHECK(query_one(db, "SELECT COUNT(*) FROM schema_version") ==
          std::to_string(labelloop::store::latest_schema_version() + 1));
}
