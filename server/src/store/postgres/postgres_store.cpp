// PostgresStore's machinery: the connection pool, the serialised write transactions and the
// start-up migration. The statements live in store/postgres/<aggregate>.cpp.
#include "store/postgres/postgres_store.hpp"

#include "store/postgres/schema.hpp"

#include <optional>
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
    // Group commit (store/group_commit.hpp). With fsync on, each COMMIT waits for a WAL
    // flush (about a millisecond here): one flush per batch instead of one per label is what
    // lets the writer keep up under load.
    commits_.run(body, [this](const GroupCommitQueue::Batch& batch) { run_batch(batch); });
}

void PostgresStore::run_batch(const GroupCommitQueue::Batch& batch) {
    const ActiveTransaction outer = tls_active;
    const bool alone = batch.size() == 1;
    std::optional<Lease> conn;
    try {
        conn.emplace(lease());
        postgres::Connection& db = **conn;
        // Round trips: BEGIN, the advisory lock and the first savepoint go together. A body's
        // writes are deferred (connection.hpp) and go out with its next read, or at its end
        // together with RELEASE and the next body's SAVEPOINT, or with the COMMIT after the
        // last body.
        db.exec_script(alone ? std::string(kBeginWrite)
                             : std::string(kBeginWrite) + "; SAVEPOINT grouped");
        const std::vector<std::string> next = {"RELEASE SAVEPOINT grouped", "SAVEPOINT grouped"};
        const std::vector<std::string> commit = {"COMMIT"};
        bool committed = false;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            GroupCommitQueue::Pending* p = batch[i];
            const bool last = i + 1 == batch.size();
            tls_active = ActiveTransaction{this, conn->get()};
            db.set_deferring(true);
            bool ran = true;
            try {
                (*p->body)();
            } catch (...) {
                p->error = std::current_exception();
                ran = false;
            }
            db.set_deferring(false);
            tls_active = outer;
            if (ran) {
                // Throws (the whole batch fails) only when RELEASE, SAVEPOINT or COMMIT does.
                p->error = db.flush(last ? commit : next);
                if (!p->error) {
                    committed = last;
                    continue;
                }
            } else {
                db.discard_deferred();
            }
            // This body failed: take back its writes only (and leave the aborted state).
            db.exec_script(alone ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT grouped");
        }
        if (!committed && !alone) {
            db.exec_script("COMMIT");
        }
    } catch (...) {
        // Connecting, BEGIN, a savepoint or COMMIT failed: nothing of this batch is stored.
        tls_active = outer;
        const std::exception_ptr error = std::current_exception();
        if (conn) {
            (*conn)->set_deferring(false);
            (*conn)->discard_deferred();
            try {
                (*conn)->exec_script("ROLLBACK");
            } catch (const DatabaseError&) {
                // The connection broke: the server rolls back on its own, the pool drops it.
            }
        }
        for (GroupCommitQueue::Pending* p : batch) {
            if (!p->error) {
                p->error = error;
            }
        }
    }
}

} // namespace labelloop::store
