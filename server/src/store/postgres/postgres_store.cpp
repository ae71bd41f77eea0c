// PostgresStore's machinery: the connection pool, the serialised write transactions and the
// start-up migration. The statements live in store/postgres/<aggregate>.cpp.
#include "store/postgres/postgres_store.hpp"

#include "store/postgres/schema.hpp"

#include <utility>

namespace labelloop::store {

namespace {
// The connection of the transaction this thread is running, if any (per store: a thread may
// use two stores).
struct ActiveTransaction {
    const void* store = nullptr;
    postgres::Connection* connection = nullptr;
};
thread_local ActiveTransaction tls_active;

// pg_advisory_xact_lock key every write transaction takes ("LLWRITER" as bytes).
constexpr const char* kBegin = "BEGIN; SELECT pg_advisory_xact_lock(5497443385118983506)";
} // namespace

PostgresStore::PostgresStore(std::string url) : url_(std::move(url)) {
    Lease conn = lease(); // connects: a bad URL, server or password fails here
    schema_version_ = postgres::pg_migrate(*conn);
}

PostgresStore::~PostgresStore() = default;

std::string PostgresStore::where() const {
    return postgres::redact_url(url_);
}

PostgresStore::Lease::~Lease() {
    if (store_ != nullptr && conn_) {
        store_->give_back(std::move(conn_));
    }
}

PostgresStore::Lease PostgresStore::lease() {
    std::unique_lock<std::mutex> lock(pool_mutex_);
    pool_cv_.wait(lock, [this] { return !idle_.empty() || open_ < kMaxConnections; });
    if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(conn));
    }
    ++open_;
    lock.unlock();
    try {
        return Lease(*this, std::make_unique<postgres::Connection>(url_));
    } catch (...) {
        lock.lock();
        --open_;
        pool_cv_.notify_one();
        throw;
    }
}

void PostgresStore::give_back(std::unique_ptr<postgres::Connection> conn) {
    const bool keep = conn->reusable();
    if (!keep) {
        conn.reset(); // broken, or left inside a transaction: close it, open a fresh one later
    }
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (keep) {
        idle_.push_back(std::move(conn));
    } else {
        --open_;
    }
    pool_cv_.notify_one();
}

postgres::Connection* PostgresStore::active_connection() const {
    return tls_active.store == this ? tls_active.connection : nullptr;
}

void PostgresStore::transaction(const std::function<void()>& body) {
    if (tls_active.store == this) {
        body(); // joins the enclosing transaction
        return;
    }
    std::lock_guard<std::mutex> writer(writer_mutex_);
    Lease conn = lease();
    conn->exec_script(kBegin);
    const ActiveTransaction outer = tls_active;
    tls_active = ActiveTransaction{this, conn.get()};
    try {
        body();
    } catch (...) {
        tls_active = outer;
        try {
            conn->exec_script("ROLLBACK");
        } catch (const DatabaseError&) {
            // The connection broke: the server rolls back on its own, and the pool drops it.
        }
        throw;
    }
    tls_active = outer;
    try {
        conn->exec_script("COMMIT");
    } catch (...) {
        try {
            conn->exec_script("ROLLBACK");
        } catch (const DatabaseError&) {
        }
        throw;
    }
}

} // namespace labelloop::store
