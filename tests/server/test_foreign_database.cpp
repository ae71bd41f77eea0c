// A file that is not LabelLoop's is refused before anything is written: a text file named
// like a database, and an SQLite database of another application. The bytes on disk stay the
// same and no WAL appears (WAL mode alone would rewrite the header).
#include "service/services.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <fstream>
#include <iterator>

using labelloop::store::DatabaseError;
using labelloop::testing::TempDir;

namespace {

std::string bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST_CASE("a file that is not SQLite is refused and left as it was", "[store][foreign]") {
    TempDir dir;
    const auto path = dir.file("notes.db");
    std::ofstream(path) << "name,value\nx,1\n";
    const auto before = bytes_of(path);
    CHECK_THROWS_WITH(labelloop::service::Services(path),
                      "'" + path +
                          "' is not a LabelLoop database (not an SQLite file); LabelLoop leaves "
                          "it untouched: choose another file with --db");
    CHECK(bytes_of(path) == before);
}

TEST_CASE("another application's SQLite database is refused and left as it was",
          "[store][foreign]") {
    TempDir dir;
    const auto path = dir.file("billing.db");
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "CREATE TABLE invoices(id INTEGER, total REAL); CREATE TABLE "
                         "customers(id INTEGER); INSERT INTO invoices VALUES (1, 9.5);",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
    const auto before = bytes_of(path);
    CHECK_THROWS_AS(labelloop::service::Services(path), DatabaseError);
    CHECK_THROWS_WITH(labelloop::service::Services(path),
                      Catch::Contains("is not a LabelLoop database (it holds tables customers, "
                                      "invoices of another application)"));
    CHECK(bytes_of(path) == before);
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST_CASE("an empty file and a LabelLoop database open as before", "[store][foreign]") {
    TempDir dir;
    const auto path = dir.file("empty.db");
    std::ofstream(path).close();
    { labelloop::service::Services first(path); }
    labelloop::service::Services again(path); // has schema_version now: accepted
    CHECK(again.store.schema_version() > 0);
}
