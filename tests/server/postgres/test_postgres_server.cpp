// The throwaway PostgreSQL server the store tests will run against (postgres_server.hpp):
// it starts from nothing, answers a query over libpq on its loopback port, and once stopped
// it refuses connections and its directory is gone.
#include "../postgres_server.hpp"

#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include <filesystem>
#include <memory>
#include <string>

using labelloop::testing::PostgresServer;

namespace {

struct ConnClose {
    void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClear {
    void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnClose>;
using Result = std::unique_ptr<PGresult, ResultClear>;

} // namespace

TEST_CASE("postgres test server: starts on loopback, answers SELECT 1 over libpq, then stops",
          "[postgres]") {
    std::string conninfo;
    std::string dir;
    {
        PostgresServer pg;
        conninfo = pg.conninfo();
        dir = pg.dir();
        INFO("conninfo: " << conninfo << "\nserver log:\n" << pg.log());
        CHECK(pg.port() > 0);
        Conn conn(PQconnectdb(conninfo.c_str()));
        REQUIRE(conn);
        INFO("libpq: " << PQerrorMessage(conn.get()));
        REQUIRE(PQstatus(conn.get()) == CONNECTION_OK);
        CHECK(PQserverVersion(conn.get()) >= 150000);
        Result r(PQexec(conn.get(), "SELECT 1"));
        REQUIRE(PQresultStatus(r.get()) == PGRES_TUPLES_OK);
        REQUIRE(PQntuples(r.get()) == 1);
        CHECK(std::string(PQgetvalue(r.get(), 0, 0)) == "1");
        // The postgresql:// form names the same server.
        Conn by_url(PQconnectdb(pg.url().c_str()));
        CHECK(PQstatus(by_url.get()) == CONNECTION_OK);
    }
    Conn after(PQconnectdb(conninfo.c_str()));
    CHECK(PQstatus(after.get()) == CONNECTION_BAD);
    CHECK_FALSE(std::filesystem::exists(dir));
}
