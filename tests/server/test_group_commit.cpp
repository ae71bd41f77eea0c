// Store::transaction under concurrency: units of work from many threads are group-committed
// (SqliteStore and PostgresStore both), yet each keeps its own fate. A unit that throws is
// rolled back alone (its caller gets its own exception), the others are stored, every caller
// sees its writes once transaction() returns, and a nested transaction joins the enclosing one.
// On PostgreSQL a failed statement aborts the whole transaction unless its savepoint is rolled
// back: the last case checks that a unit breaking a constraint inside a batch costs no one else.
#include "server_fixture.hpp"
#include "store_backends.hpp"

#include "store/sqlite_store.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using labelloop::store::SqliteStore;
using labelloop::testing::make_store;
using labelloop::testing::store_backends;
using labelloop::testing::TempDir;

namespace {

std::int64_t count_rows(SqliteStore& store, const std::string& where) {
    auto s = store.connection().prepare("SELECT COUNT(*) FROM server_info WHERE " + where);
    REQUIRE(s.step());
    return s.column_int(0);
}

void put(SqliteStore& store, const std::string& key, const std::string& value) {
    store.connection()
        .prepare("INSERT INTO server_info(key, value) VALUES (?, ?)")
        .bind(1, key)
        .bind(2, value)
        .run();
}

} // namespace

TEST_CASE("group commit: failing units roll back alone, the others are stored",
          "[store][group-commit]") {
    TempDir dir;
    SqliteStore store(dir.file("group.db"));
    constexpr int kThreads = 16;
    constexpr int kUnits = 200; // per thread
    std::atomic<int> failed{0};
    std::atomic<int> wrong_error{0};
    std::atomic<int> not_visible{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kUnits; ++i) {
                const std::string key = "k-" + std::to_string(t) + "-" + std::to_string(i);
                const bool fail = i % 3 == 0;
                try {
                    store.transaction([&] {
                        // Two writes per unit: a failing unit must take both back.
                        put(store, key, "first");
                        put(store, key + "-b", "second");
                        if (fail) {
                            throw std::runtime_error("unit " + key + " fails");
                        }
                    });
                    // Once transaction() returned, this thread's own reads see the unit.
                    if (count_rows(store, "key = '" + key + "'") != 1) {
                        ++not_visible;
                    }
                } catch (const std::runtime_error& e) {
                    ++failed;
                    if (std::string(e.what()) != "unit " + key + " fails" || !fail) {
                        ++wrong_error;
                    }
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    const int expected_failures = kThreads * ((kUnits + 2) / 3);
    CHECK(failed.load() == expected_failures);
    CHECK(wrong_error.load() == 0);
    CHECK(not_visible.load() == 0);
    CHECK(count_rows(store, "key LIKE 'k-%' AND key NOT LIKE '%-b'") ==
          kThreads * kUnits - expected_failures);
    CHECK(count_rows(store, "key LIKE 'k-%-b'") == kThreads * kUnits - expected_failures);
    // No failing unit left anything behind.
    int leftovers = 0;
    for (int t = 0; t < kThreads; ++t) {
        for (int i = 0; i < kUnits; i += 3) {
            const std::string key = "k-" + std::to_string(t) + "-" + std::to_string(i);
            leftovers +=
                static_cast<int>(count_rows(store, "key IN ('" + key + "', '" + key + "-b')"));
        }
    }
    CHECK(leftovers == 0);
}

TEST_CASE("group commit: a nested transaction joins the enclosing one", "[store][group-commit]") {
    TempDir dir;
    SqliteStore store(dir.file("nested.db"));
    CHECK_THROWS_AS(store.transaction([&] {
        put(store, "outer", "1");
        store.transaction([&] { put(store, "inner", "1"); });
        throw std::logic_error("outer fails after the inner one returned");
    }),
                    std::logic_error);
    CHECK(count_rows(store, "key IN ('outer', 'inner')") == 0);

    store.transaction([&] {
        put(store, "outer", "1");
        store.transaction([&] { put(store, "inner", "1"); });
    });
    CHECK(count_rows(store, "key IN ('outer', 'inner')") == 2);
}

TEST_CASE("group commit: a unit that breaks a constraint fails alone with the database error",
          "[store][group-commit]") {
    TempDir dir;
    SqliteStore store(dir.file("constraint.db"));
    store.transaction([&] { put(store, "taken", "1"); });
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            try {
                store.transaction([&] {
                    put(store, "t" + std::to_string(t), "1");
                    if (t % 2 == 0) {
                        put(store, "taken", "again"); // primary key violation
                    }
                });
            } catch (const labelloop::store::DatabaseError&) {
                ++errors;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    CHECK(errors.load() == 4);
    CHECK(count_rows(store, "key GLOB 't[0-9]'") == 4);
    CHECK(count_rows(store, "key IN ('t1', 't3', 't5', 't7')") == 4);
}

TEST_CASE("group commit on every backend: a statement failing inside a batch costs only its unit",
          "[store][group-commit]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    labelloop::store::Store& st = under->store();
    const auto user = [](const std::string& name) {
        return labelloop::domain::User{"u-" + name, name, "scientist", "2026-01-01T00:00:00Z"};
    };
    st.insert_user(user("taken"));
    constexpr int kThreads = 16;
    constexpr int kUnits = 30; // per thread; every third breaks the unique user name
    std::atomic<int> db_errors{0};
    std::atomic<int> other_errors{0};
    std::atomic<int> not_visible{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kUnits; ++i) {
                const std::string name = "g-" + std::to_string(t) + "-" + std::to_string(i);
                try {
                    st.transaction([&] {
                        st.insert_user(user(name));
                        st.insert_audit({0,
                                         "u-" + name,
                                         "create",
                                         "user",
                                         "u-" + name,
                                         {},
                                         {},
                                         "2026-01-01T00:00:00Z"});
                        if (i % 3 == 0) {
                            auto again = user("taken");
                            again.id = "u-dup-" + name;
                            st.insert_user(again); // unique name violated: a database error
                        }
                    });
                    if (!st.find_user_by_name(name)) {
                        ++not_visible;
                    }
                } catch (const labelloop::store::DatabaseError&) {
                    ++db_errors;
                } catch (...) {
                    ++other_errors;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    const int failing = kThreads * ((kUnits + 2) / 3);
    CHECK(db_errors.load() == failing);
    CHECK(other_errors.load() == 0);
    CHECK(not_visible.load() == 0);
    CHECK(st.list_users().size() == static_cast<std::size_t>(1 + kThreads * kUnits - failing));
    CHECK(st.audit_for("user", "u-g-0-0").empty()); // a failing unit left nothing
    CHECK(st.audit_for("user", "u-g-0-1").size() == 1);
    CHECK_FALSE(st.find_user_by_name("g-5-3"));
    CHECK(st.find_user_by_name("g-5-4"));
}

TEST_CASE("group commit on every backend: a body reads its own writes, and a failed write stops "
          "it at its next statement",
          "[store][group-commit]") {
    // On PostgreSQL the writer defers a body's writes and sends them with its next read
    // (store/postgres/connection.hpp): the read must see them, and a write that fails must
    // fail the body there, before anything after that read runs.
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    labelloop::store::Store& st = under->store();
    const auto user = [](const std::string& name) {
        return labelloop::domain::User{"u-" + name, name, "scientist", "2026-01-01T00:00:00Z"};
    };
    st.insert_user(user("taken"));
    st.transaction([&] {
        st.insert_user(user("seen"));
        CHECK(st.find_user_by_name("seen"));
        st.revoke_token("no-such-token", "2026-01-01T00:00:00Z"); // a write touching no row
        CHECK(st.list_users().size() == 2);
    });
    bool ran_past_the_read = false;
    CHECK_THROWS_AS(st.transaction([&] {
        st.insert_user(user("first"));
        auto again = user("taken");
        again.id = "u-again";
        st.insert_user(again); // unique name violated
        (void)st.find_user_by_name("first");
        ran_past_the_read = true;
    }),
                    labelloop::store::DatabaseError);
    CHECK_FALSE(ran_past_the_read);
    CHECK_FALSE(st.find_user_by_name("first"));
    CHECK(st.list_users().size() == 2);
    st.transaction([&] { st.insert_user(user("after")); }); // the writer goes on
    CHECK(st.find_user_by_name("after"));
}
