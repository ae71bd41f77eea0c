// The store backends the contract tests (test_store_contract.cpp) run against. Each one
// makes a fresh, empty, migrated store of its own: SQLite on a real file in a temporary
// directory. A second backend (PostgreSQL, issue 18) is added here, and every contract test
// then runs on it as well; nothing is mocked.
#pragma once

#include "server_fixture.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"

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

/// The backends available in this build, by name.
inline std::vector<std::string> store_backends() {
    return {"sqlite"};
}

/// A fresh, empty store of `backend` (one of store_backends()).
inline std::unique_ptr<StoreUnderTest> make_store(const std::string& backend) {
    if (backend == "sqlite") {
        return std::make_unique<SqliteUnderTest>();
    }
    throw std::invalid_argument("no store backend named '" + backend + "'");
}

} // namespace labelloop::testing
