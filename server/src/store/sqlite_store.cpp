// SqliteStore's machinery: opening and migrating the file, one connection per reading
// thread, the group-committing writer (transaction()) and the background WAL checkpointer.
// The statements live with their part of the schema in store/sqlite/<aggregate>.cpp.
#include "store/sqlite_store.hpp"

#include "store/migrations.hpp"

#include <sqlite3.h>

#include <chrono>
#include <utility>

namespace labelloop::store {

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {
    schema_version_ = migrate(connection());
}

SqliteStore::~SqliteStore() {
    {
        std::lock_guard<std::mutex> lock(checkpoint_mutex_);
        checkpoint_stop_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpointer_.joinable()) {
        checkpointer_.join();
    }
}

namespace {
// Called by SQLite after each commit of the writer connection with the WAL's length in pages.
int on_wal_commit(void* store, sqlite3* /*db*/, const char* /*name*/, int pages) {
    static_cast<SqliteStore*>(store)->wal_grew(pages);
    return SQLITE_OK;
}
} // namespace

void SqliteStore::wal_grew(int pages) {
    if (pages < kCheckpointPages) {
        return;
    }
    if (pages >= kInlineCheckpointPages) {
        // The background checkpointer is not keeping up (or a reader pins old frames): copy
        // what can be copied now, in the committing thread, so the WAL stays bounded.
        sqlite3_wal_checkpoint_v2(writer_->db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(checkpoint_mutex_);
        checkpoint_wanted_ = true;
    }
    checkpoint_cv_.notify_one();
}

void SqliteStore::checkpoint_loop() {
    // Checkpoints (copying WAL pages back into the database file, with an fsync) run here and
    // not in the commit path, where SQLite's automatic checkpoint would stall every writer
    // queued behind the batch for tens of milliseconds. A PASSIVE checkpoint never blocks
    // writers or readers.
    std::unique_ptr<Database> db;
    std::unique_lock<std::mutex> lock(checkpoint_mutex_);
    while (!checkpoint_stop_) {
        checkpoint_cv_.wait_for(lock, std::chrono::seconds(1),
                                [this] { return checkpoint_stop_ || checkpoint_wanted_; });
        if (checkpoint_stop_) {
            break;
        }
        checkpoint_wanted_ = false;
        lock.unlock();
        try {
            if (!db) {
                db = std::make_unique<Database>(path_);
            }
            sqlite3_wal_checkpoint_v2(db->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                      nullptr);
        } catch (const std::exception&) {
            // Could not open a connection (e.g. file descriptors exhausted): the inline
            // fallback in wal_grew() keeps the WAL bounded; try again next round.
        }
        lock.lock();
    }
}

namespace {
// The connection of the transaction this thread is running, if any (per store: a thread may
// use two stores, e.g. a simulation's temporary one).
struct ActiveTransaction {
    const void* store = nullptr;
    void* connection = nullptr;
};
thread_local ActiveTransaction tls_active;
} // namespace

SqliteStore::Connection& SqliteStore::conn() {
    if (tls_active.store == this) {
        return *static_cast<Connection*>(tls_active.connection);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = connections_[std::this_thread::get_id()];
    if (!slot) {
        slot = std::make_unique<Connection>(path_);
    }
    return *slot;
}

Database& SqliteStore::connection() {
    return conn().db;
}

void SqliteStore::transaction(const std::function<void()>& body) {
    if (tls_active.store == this) {
        body(); // joins the enclosing transaction
        return;
    }
    // Group commit (store/group_commit.hpp): under load, pages that every label touches (the
    // cycle row, index pages) are written to the WAL once per batch instead of once per label.
    commits_.run(body, [this](const GroupCommitQueue::Batch& batch) { run_batch(batch); });
}

void SqliteStore::run_batch(const GroupCommitQueue::Batch& batch) {
    const ActiveTransaction outer = tls_active;
    try {
        if (!writer_) {
            writer_ = std::make_unique<Connection>(path_);
            // Savepoint journals stay in memory; the WAL hook replaces SQLite's automatic
            // checkpoint with the background checkpointer.
            writer_->db.exec("PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;");
            sqlite3_wal_hook(writer_->db.handle(), &on_wal_commit, this);
            checkpointer_ = std::thread([this] { checkpoint_loop(); });
        }
        Database& db = writer_->db;
        Transaction tx(db);
        tls_active = ActiveTransaction{this, writer_.get()};
        const bool alone = batch.size() == 1;
        for (GroupCommitQueue::Pending* p : batch) {
            if (alone) {
                try {
                    (*p->body)();
                } catch (...) {
                    p->error = std::current_exception();
                }
                continue;
            }
            db.exec("SAVEPOINT grouped");
            try {
                (*p->body)();
                db.exec("RELEASE grouped");
            } catch (...) {
                p->error = std::current_exception();
                db.exec("ROLLBACK TO grouped; RELEASE grouped");
            }
        }
        tls_active = outer;
        if (alone && batch.front()->error) {
            return; // ~Transaction rolls back
        }
        tx.commit();
    } catch (...) {
        // BEGIN, a savepoint or COMMIT failed: nothing of this batch is stored.
        tls_active = outer;
        const std::exception_ptr error = std::current_exception();
        for (GroupCommitQueue::Pending* p : batch) {
            if (!p->error) {
                p->error = error;
            }
        }
    }
}

} // namespace labelloop::store
