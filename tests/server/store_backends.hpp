// The store backends the contract tests (test_store_contract.cpp) run against. Each one
// makes a fresh, empty, migrated store of its own: SQLite on a real file in a temporary
// directory; PostgreSQL (issue 18, when built with libpq) as a fresh database on a throwaway
// server this test process starts once (postgres_server.hpp: initdb + pg_ctl in a temporary
// directory on a free loopback port, stopped at exit). Nothing is mocked.
#pragma once

#include "server_fixture.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"
#ifdef LABELLOOP_HAVE_POSTGRES
#include "postgres_server.hpp"
#include "store/postgres/postgres_store.hpp"

#include <libpq-fe.h>

#include <atomic>
#endif

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace labelloop::testing {

/// A store under test and whatever keeps it alive (a temporary directory, a database server).
class StoreUnderTest {
public:
    virtual ~StoreUnderTest() = default;
    virtual store::Store& store() = 0;
    /// Closes the store and opens it again on the same data (durability checks). References
    /// from store() taken before are invalid afterwards.
    virtual void reopen() = 0;
    /// Where the data lives, for failure messages.
    virtual std::string where() const = 0;
};

class SqliteUnderTest final : public StoreUnderTest {
public:
    SqliteUnderTest() : path_(dir_.file("contract.db")) { reopen(); }
    store::Store& store() override { return *store_; }
    void reopen() override {
        store_.reset(); // the old connections close before the new store opens the file
        store_ = std::make_unique<store::SqliteStore>(path_);
    }
    std::string where() const override { return path_; }

private:
    TempDir dir_; // declared first: removed after the store is closed
    std::string path_;
    std::unique_ptr<store::SqliteStore> store_;
};

#ifdef LABELLOOP_HAVE_POSTGRES
/// The throwaway PostgreSQL server of this test process, started on first use.
inline PostgresServer& shared_postgres_server() {
    static PostgresServer server;
    return server;
}

/// Runs parameterless SQL on the server's `postgres` database as its superuser (test set-up
/// only: creating databases and roles); throws with libpq's message.
inline void postgres_admin(const std::string& sql, const std::string& dbname = "postgres") {
    PGconn* conn = PQconnectdb(shared_postgres_server().conninfo(dbname).c_str());
    const auto fail = [&](const std::string& why) {
        PQfinish(conn);
        throw std::runtime_error("postgres test set-up (" + sql + "): " + why);
    };
    if (PQstatus(conn) != CONNECTION_OK) {
        fail(PQerrorMessage(conn));
    }
    PGresult* r = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(r);
    const std::string error = PQresultErrorMessage(r);
    PQclear(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        fail(error);
    }
    PQfinish(conn);
}

/// The first column of the first row of `sql` on database `dbname` of the shared server, as
/// text (checks in tests that read what a server process wrote); throws with libpq's message.
inline std::string postgres_scalar(const std::string& sql, const std::string& dbname) {
    PGconn* conn = PQconnectdb(shared_postgres_server().conninfo(dbname).c_str());
    std::string error;
    std::string value;
    if (PQstatus(conn) != CONNECTION_OK) {
        error = PQerrorMessage(conn);
    } else {
        PGresult* r = PQexec(conn, sql.c_str());
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
            error = std::string("no row: ") + PQresultErrorMessage(r);
        } else {
            value = PQgetvalue(r, 0, 0);
        }
        PQclear(r);
    }
    PQfinish(conn);
    if (!error.empty()) {
        throw std::runtime_error("postgres query (" + sql + "): " + error);
    }
    return value;
}

/// A new, empty database on the shared server; returns its name.
inline std::string fresh_postgres_database() {
    static std::atomic<int> counter{0};
    const std::string name = "labelloop_test_" + std::to_string(++counter);
    postgres_admin("CREATE DATABASE " + name);
    return name;
}

class PostgresUnderTest final : public StoreUnderTest {
public:
    PostgresUnderTest() : url_(shared_postgres_server().url(fresh_postgres_database())) {
        reopen();
    }
    store::Store& store() override { return *store_; }
    void reopen() override {
        store_.reset(); // every pooled connection closes before the new store connects
        store_ = std::make_unique<store::PostgresStore>(url_);
    }
    std::string where() const override { return url_; }

private:
    std::string url_;
    std::unique_ptr<store::PostgresStore> store_;
};
#endif

/// The backends available in this build, by name.
inline std::vector<std::string> store_backends() {
#ifdef LABELLOOP_HAVE_POSTGRES
    return {"sqlite", "postgres"};
#else
    return {"sqlite"};
#endif
}

/// A fresh, empty store of `backend` (one of store_backends()).
inline std::unique_ptr<StoreUnderTest> make_store(const std::string& backend) {
    if (backend == "sqlite") {
        return std::make_unique<SqliteUnderTest>();
    }
#ifdef LABELLOOP_HAVE_POSTGRES
    if (backend == "postgres") {
        return std::make_unique<PostgresUnderTest>();
    }
#endif
    throw std::invalid_argument("no store backend named '" + backend + "'");
}

} // namespace labelloop::testing
