#include "store/sqlite_store.hpp"

#include "store/sqlite/rows.hpp"

#include <sqlite3.h>

#include <chrono>

#include "store/migrations.hpp"

#include <utility>

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::sqlite;

const char* const kCompoundColumns =
    "c.id, c.smiles, c.inchikey, c.name, c.external_id, c.scaffold, c.features, c.properties, "
    "c.created_at";

Compound read_compound(const Statement& s) {
    Compound c;
    c.id = s.column_text(0);
    c.smiles = s.column_text(1);
    c.inchikey = s.column_text(2);
    c.name = s.column_optional_text(3);
    c.external_id = s.column_optional_text(4);
    c.scaffold = s.column_text(5);
    c.features = s.column_blob(6);
    c.properties_json = s.column_text(7);
    c.created_at = s.column_text(8);
    return c;
}

const char* const kModelColumns =
    "m.id, m.lineage_id, m.name, m.property, m.task, m.version, m.status, m.parent_id, "
    "m.params, m.metrics, m.n_train, m.n_validation, m.created_at, m.objective_kind, "
    "m.objective_lo, m.objective_hi, m.objective_class, m.objective_hit_threshold";

// The objective columns hold only what the kind uses (NULL elsewhere).
Objective read_objective(const Statement& s, int first) {
    Objective o;
    o.kind = parse_objective_kind(s.column_text(first));
    if (o.kind == ObjectiveKind::Window) {
        o.lo = s.column_double(first + 1);
        o.hi = s.column_double(first + 2);
    }
    if (o.kind == ObjectiveKind::Class) {
        o.target_class = static_cast<int>(s.column_int(first + 3));
    }
    if (o.kind == ObjectiveKind::Maximize || o.kind == ObjectiveKind::Minimize) {
        o.hit_threshold = opt_double(s, first + 4);
    }
    return o;
}

void bind_objective(Statement& s, int first, const Objective& o) {
    s.bind(first, to_string(o.kind));
    const bool window = o.kind == ObjectiveKind::Window;
    bind_opt(s, first + 1, window ? std::optional<double>(o.lo) : std::nullopt);
    bind_opt(s, first + 2, window ? std::optional<double>(o.hi) : std::nullopt);
    if (o.kind == ObjectiveKind::Class) {
        s.bind(first + 3, static_cast<std::int64_t>(o.target_class));
    } else {
        s.bind_null(first + 3);
    }
    const bool threshold = o.kind == ObjectiveKind::Maximize || o.kind == ObjectiveKind::Minimize;
    bind_opt(s, first + 4, threshold ? o.hit_threshold : std::nullopt);
}

Model read_model(const Statement& s) {
    Model m;
    m.id = s.column_text(0);
    m.lineage_id = s.column_text(1);
    m.name = s.column_text(2);
    m.property = s.column_text(3);
    m.task = s.column_text(4);
    m.version = s.column_int(5);
    m.status = s.column_text(6);
    m.parent_id = s.column_optional_text(7);
    m.params_json = s.column_text(8);
    m.metrics_json = s.column_text(9);
    m.n_train = s.column_int(10);
    m.n_validation = s.column_int(11);
    m.created_at = s.column_text(12);
    m.objective = read_objective(s, 13);
    return m;
}

const char* const kQueueSelect = R"sql(
    SELECT q.id, q.compound_id, q.model_id, q.cycle_id, c.smiles, c.name, q.prediction,
           q.uncertainty, q.applicability_distance, q.in_domain, q.selection_strategy,
           q.selection_batch, q.priority_score, q.status, q.assigned_to, ua.name, q.assigned_at,
           q.label, q.label_source, q.label_confidence, q.labeled_at, q.labeled_by, ub.name,
           q.notes, q.created_at, q.updated_at, q.version, q.change_seq
    FROM label_queue q
    JOIN compounds c ON c.id = q.compound_id
    LEFT JOIN users ua ON ua.id = q.assigned_to
    LEFT JOIN users ub ON ub.id = q.labeled_by
)sql";

// Every filter is always present and disabled by a NULL parameter, so the SQL text never
// depends on user input.
const char* const kQueueWhere = R"sql(
    WHERE (?1 IS NULL OR q.status = ?1)
      AND (?2 IS NULL OR (?2 = 'none' AND q.assigned_to IS NULL) OR q.assigned_to = ?2)
      AND (?3 IS NULL OR q.model_id = ?3)
      AND (?4 IS NULL OR q.cycle_id = ?4)
)sql";

QueueItem read_queue_item(const Statement& s) {
    QueueItem q;
    q.id = s.column_text(0);
    q.compound_id = s.column_text(1);
    q.model_id = s.column_text(2);
    q.cycle_id = s.column_optional_text(3);
    q.smiles = s.column_text(4);
    q.compound_name = s.column_optional_text(5);
    q.prediction = opt_double(s, 6);
    q.uncertainty = opt_double(s, 7);
    q.applicability_distance = opt_double(s, 8);
    if (!s.is_null(9)) {
        q.in_domain = s.column_int(9) != 0;
    }
    q.selection_strategy = s.column_text(10);
    q.selection_batch = s.column_int(11);
    q.priority_score = opt_double(s, 12);
    q.status = s.column_text(13);
    q.assigned_to = s.column_optional_text(14);
    q.assigned_to_name = s.column_optional_text(15);
    q.assigned_at = s.column_optional_text(16);
    q.label = opt_double(s, 17);
    q.label_source = s.column_optional_text(18);
    q.label_confidence = s.column_optional_text(19);
    q.labeled_at = s.column_optional_text(20);
    q.labeled_by = s.column_optional_text(21);
    q.labeled_by_name = s.column_optional_text(22);
    q.notes = s.column_optional_text(23);
    q.created_at = s.column_text(24);
    q.updated_at = s.column_text(25);
    q.version = s.column_int(26);
    q.change_seq = s.column_int(27);
    return q;
}

void bind_queue_filter(Statement& s, const QueueFilter& f) {
    bind_opt(s, 1, f.status);
    bind_opt(s, 2, f.assigned_to);
    bind_opt(s, 3, f.model_id);
    bind_opt(s, 4, f.cycle_id);
}

const char* const kCycleColumns =
    "cy.id, cy.model_id, cy.cycle_number, cy.selection_strategy, cy.batch_size, cy.status, "
    "cy.metrics_before, cy.metrics_after, cy.items_selected, cy.items_labeled, "
    "cy.items_skipped, cy.new_model_id, cy.started_at, cy.completed_at, "
    "cy.expected_hits_remaining";

Cycle read_cycle(const Statement& s) {
    Cycle c;
    c.id = s.column_text(0);
    c.model_id = s.column_text(1);
    c.cycle_number = s.column_int(2);
    c.selection_strategy = s.column_text(3);
    c.batch_size = s.column_int(4);
    c.status = s.column_text(5);
    c.metrics_before_json = s.column_optional_text(6);
    c.metrics_after_json = s.column_optional_text(7);
    c.items_selected = s.column_int(8);
    c.items_labeled = s.column_int(9);
    c.items_skipped = s.column_int(10);
    c.new_model_id = s.column_optional_text(11);
    c.started_at = s.column_text(12);
    c.completed_at = s.column_optional_text(13);
    c.expected_hits_remaining = opt_double(s, 14);
    return c;
}

} // namespace

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
    // Group commit: a caller queues its body; whichever caller finds no batch running becomes
    // the leader and runs everything queued so far in ONE SQLite transaction, each body in its
    // own savepoint (a failing body is rolled back alone and gets its own error), then commits
    // and wakes the callers. Nobody returns before the COMMIT that holds its writes, so an
    // answer sent after transaction() still means "stored". Under load, pages that every
    // label touches (the cycle row, index pages) are written to the WAL once per batch instead
    // of once per label.
    PendingTransaction me;
    me.body = &body;
    std::unique_lock<std::mutex> lock(queue_mutex_);
    queue_.push_back(&me);
    while (!me.done) {
        if (leader_active_) {
            me.wake.wait(lock);
            continue;
        }
        leader_active_ = true;
        std::vector<PendingTransaction*> batch;
        while (!queue_.empty() && batch.size() < kMaxBatch) {
            batch.push_back(queue_.front());
            queue_.pop_front();
        }
        lock.unlock();
        run_batch(batch);
        lock.lock();
        leader_active_ = false;
        // Wake exactly the callers of this batch, and the next queued caller to lead the
        // next batch (waking every waiter would cost a context switch each per batch).
        for (PendingTransaction* p : batch) {
            p->done = true;
            if (p != &me) {
                p->wake.notify_one();
            }
        }
        if (!queue_.empty()) {
            queue_.front()->wake.notify_one();
        }
    }
    lock.unlock();
    if (me.error) {
        std::rethrow_exception(me.error);
    }
}

void SqliteStore::run_batch(const std::vector<PendingTransaction*>& batch) {
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
        for (PendingTransaction* p : batch) {
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
        for (PendingTransaction* p : batch) {
            if (!p->error) {
                p->error = error;
            }
        }
    }
}

// ---- compounds ---------------------------------------------------------------------------

std::optional<Compound> SqliteStore::find_compound(const std::string& id) {
    auto s = connection().prepare(std::string("SELECT ") + kCompoundColumns +
                                  " FROM compounds c WHERE c.id = ?");
    s.bind(1, id);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_compound(s);
}

std::optional<Compound> SqliteStore::find_compound_by_inchikey(const std::string& key) {
    auto s = connection().prepare(std::string("SELECT ") + kCompoundColumns +
                                  " FROM compounds c WHERE c.inchikey = ?");
    s.bind(1, key);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_compound(s);
}

void SqliteStore::insert_compound(const Compound& c) {
    auto s = connection().prepare(
        "INSERT INTO compounds(id, smiles, inchikey, name, external_id, scaffold, features, "
        "properties, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, c.id).bind(2, c.smiles).bind(3, c.inchikey);
    bind_opt(s, 4, c.name);
    bind_opt(s, 5, c.external_id);
    s.bind(6, c.scaffold)
        .bind_blob(7, c.features.data(), c.features.size())
        .bind(8, c.properties_json)
        .bind(9, c.created_at)
        .run();
}

std::int64_t SqliteStore::count_compounds() {
    auto s = connection().prepare("SELECT COUNT(*) FROM compounds");
    s.step();
    return s.column_int(0);
}

// Compounds are listed in insertion order (rowid), never by their random UUIDs: training
// sets, splits and pools must come out the same on every run for seeded models to repeat.
namespace {
const char* const kUnlabeledWhere = R"sql(
    WHERE c.id NOT IN (SELECT compound_id FROM model_members WHERE lineage_id = ?1)
      AND c.id NOT IN (SELECT q.compound_id FROM label_queue q
                       JOIN ml_models m ON m.id = q.model_id
                       WHERE m.lineage_id = ?1 AND q.status IN ('labeled', 'archived'))
)sql";
}

std::vector<Compound> SqliteStore::list_unlabeled_compounds(const std::string& lineage_id,
                                                            std::int64_t limit,
                                                            std::int64_t offset) {
    auto s = connection().prepare(std::string("SELECT ") + kCompoundColumns + " FROM compounds c " +
                                  kUnlabeledWhere +
                                  " ORDER BY c.created_at, c.rowid LIMIT ?2 OFFSET ?3");
    s.bind(1, lineage_id).bind(2, limit).bind(3, offset);
    std::vector<Compound> out;
    while (s.step()) {
        out.push_back(read_compound(s));
    }
    return out;
}

std::int64_t SqliteStore::count_unlabeled_compounds(const std::string& lineage_id) {
    auto s =
        connection().prepare(std::string("SELECT COUNT(*) FROM compounds c ") + kUnlabeledWhere);
    s.bind(1, lineage_id);
    s.step();
    return s.column_int(0);
}

std::vector<Compound> SqliteStore::list_compounds(std::int64_t limit, std::int64_t offset) {
    auto s =
        connection().prepare(std::string("SELECT ") + kCompoundColumns +
                             " FROM compounds c ORDER BY c.created_at, c.rowid LIMIT ? OFFSET ?");
    s.bind(1, limit).bind(2, offset);
    std::vector<Compound> out;
    while (s.step()) {
        out.push_back(read_compound(s));
    }
    return out;
}

std::string SqliteStore::ensure_dataset(const std::string& name, const std::string& new_id,
                                        const std::string& created_at) {
    if (auto id = find_dataset(name)) {
        return *id;
    }
    connection()
        .prepare("INSERT INTO datasets(id, name, created_at) VALUES (?, ?, ?)")
        .bind(1, new_id)
        .bind(2, name)
        .bind(3, created_at)
        .run();
    return new_id;
}

std::optional<std::string> SqliteStore::find_dataset(const std::string& name) {
    auto s = connection().prepare("SELECT id FROM datasets WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) {
        return std::nullopt;
    }
    return s.column_text(0);
}

void SqliteStore::add_to_dataset(const std::string& dataset_id, const std::string& compound_id) {
    connection()
        .prepare("INSERT OR IGNORE INTO dataset_compounds(dataset_id, compound_id) VALUES (?, ?)")
        .bind(1, dataset_id)
        .bind(2, compound_id)
        .run();
}

std::vector<Compound> SqliteStore::dataset_compounds(const std::string& dataset_id) {
    auto s = connection().prepare(std::string("SELECT ") + kCompoundColumns +
                                  " FROM compounds c JOIN dataset_compounds d ON "
                                  "d.compound_id = c.id WHERE d.dataset_id = ? "
                                  "ORDER BY c.created_at, c.rowid");
    s.bind(1, dataset_id);
    std::vector<Compound> out;
    while (s.step()) {
        out.push_back(read_compound(s));
    }
    return out;
}

void SqliteStore::upsert_compound_label(const std::string& compound_id, const std::string& property,
                                        double value, const std::string& source,
                                        const std::string& confidence,
                                        const std::string& created_at) {
    connection()
        .prepare("INSERT INTO compound_labels(compound_id, property, value, source, confidence, "
                 "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(compound_id, property) DO "
                 "UPDATE SET value = excluded.value, source = excluded.source, "
                 "confidence = excluded.confidence")
        .bind(1, compound_id)
        .bind(2, property)
        .bind(3, value)
        .bind(4, source)
        .bind(5, confidence)
        .bind(6, created_at)
        .run();
}

std::vector<LabeledCompound>
SqliteStore::labeled_compounds(const std::string& property,
                               const std::optional<std::string>& dataset_id) {
    auto s = connection().prepare(
        "SELECT c.id, c.smiles, c.name, c.scaffold, c.features, l.value, l.source, "
        "l.confidence, '', 0 FROM compound_labels l JOIN compounds c ON c.id = l.compound_id "
        "WHERE l.property = ?1 AND (?2 IS NULL OR c.id IN (SELECT compound_id FROM "
        "dataset_compounds WHERE dataset_id = ?2)) ORDER BY c.created_at, c.rowid");
    s.bind(1, property);
    bind_opt(s, 2, dataset_id);
    std::vector<LabeledCompound> out;
    while (s.step()) {
        out.push_back(read_labeled(s));
    }
    return out;
}

// ---- models ------------------------------------------------------------------------------

void SqliteStore::insert_model(const Model& m, const std::vector<std::uint8_t>& artifact) {
    auto s = connection().prepare(
        "INSERT INTO ml_models(id, lineage_id, name, property, task, version, status, "
        "parent_id, params, metrics, artifact, n_train, n_validation, created_at, "
        "objective_kind, objective_lo, objective_hi, objective_class, objective_hit_threshold) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, m.id)
        .bind(2, m.lineage_id)
        .bind(3, m.name)
        .bind(4, m.property)
        .bind(5, m.task)
        .bind(6, m.version)
        .bind(7, m.status);
    bind_opt(s, 8, m.parent_id);
    s.bind(9, m.params_json).bind(10, m.metrics_json);
    s.bind_blob(11, artifact.data(), artifact.size());
    s.bind(12, m.n_train).bind(13, m.n_validation).bind(14, m.created_at);
    bind_objective(s, 15, m.objective);
    s.run();
}

std::optional<Model> SqliteStore::find_model(const std::string& id) {
    auto s = connection().prepare(std::string("SELECT ") + kModelColumns +
                                  " FROM ml_models m WHERE m.id = ?");
    s.bind(1, id);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_model(s);
}

std::vector<std::uint8_t> SqliteStore::model_artifact(const std::string& id) {
    auto s = connection().prepare("SELECT artifact FROM ml_models WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) {
        return {};
    }
    return s.column_blob(0);
}

std::vector<Model> SqliteStore::list_models() {
    auto s = connection().prepare(std::string("SELECT ") + kModelColumns +
                                  " FROM ml_models m ORDER BY m.created_at DESC, m.version DESC");
    std::vector<Model> out;
    while (s.step()) {
        out.push_back(read_model(s));
    }
    return out;
}

std::vector<Model> SqliteStore::list_versions(const std::string& lineage_id) {
    auto s = connection().prepare(std::string("SELECT ") + kModelColumns +
                                  " FROM ml_models m WHERE m.lineage_id = ? ORDER BY m.version");
    s.bind(1, lineage_id);
    std::vector<Model> out;
    while (s.step()) {
        out.push_back(read_model(s));
    }
    return out;
}

std::optional<Model> SqliteStore::active_model(const std::string& lineage_id) {
    auto s = connection().prepare(std::string("SELECT ") + kModelColumns +
                                  " FROM ml_models m WHERE m.lineage_id = ? AND "
                                  "m.status = 'active' ORDER BY m.version DESC LIMIT 1");
    s.bind(1, lineage_id);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_model(s);
}

void SqliteStore::set_model_status(const std::string& id, const std::string& status) {
    connection()
        .prepare("UPDATE ml_models SET status = ? WHERE id = ?")
        .bind(1, status)
        .bind(2, id)
        .run();
}

void SqliteStore::add_member(const std::string& lineage_id, const LabeledCompound& m,
                             std::int64_t added_version) {
    connection()
        // A validation member never changes; a training member takes the newest label.
        .prepare("INSERT INTO model_members(lineage_id, compound_id, role, label, source, "
                 "confidence, added_version) VALUES (?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT(lineage_id, compound_id) DO UPDATE SET label = excluded.label, "
                 "source = excluded.source, confidence = excluded.confidence "
                 "WHERE model_members.role = 'train' AND excluded.role = 'train'")
        .bind(1, lineage_id)
        .bind(2, m.compound_id)
        .bind(3, m.role)
        .bind(4, m.label)
        .bind(5, m.source)
        .bind(6, m.confidence)
        .bind(7, added_version)
        .run();
}

std::vector<LabeledCompound> SqliteStore::members(const std::string& lineage_id,
                                                  const std::string& role) {
    auto s = connection().prepare(
        "SELECT c.id, c.smiles, c.name, c.scaffold, c.features, mm.label, mm.source, "
        "mm.confidence, mm.role, mm.added_version FROM model_members mm JOIN compounds c ON c.id = "
        "mm.compound_id WHERE mm.lineage_id = ?1 AND (?2 = '' OR mm.role = ?2) "
        "ORDER BY mm.added_version, c.created_at, c.rowid");
    s.bind(1, lineage_id).bind(2, role);
    std::vector<LabeledCompound> out;
    while (s.step()) {
        out.push_back(read_labeled(s));
    }
    return out;
}

// ---- queue -------------------------------------------------------------------------------

bool SqliteStore::insert_queue_item(const QueueItem& q) {
    auto s = connection().prepare(
        "INSERT OR IGNORE INTO label_queue(id, compound_id, model_id, cycle_id, prediction, "
        "uncertainty, applicability_distance, in_domain, selection_strategy, selection_batch, "
        "priority_score, status, created_at, updated_at, version, change_seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "(SELECT COALESCE(MAX(change_seq), 0) + 1 FROM label_queue))");
    s.bind(1, q.id).bind(2, q.compound_id).bind(3, q.model_id);
    bind_opt(s, 4, q.cycle_id);
    bind_opt(s, 5, q.prediction);
    bind_opt(s, 6, q.uncertainty);
    bind_opt(s, 7, q.applicability_distance);
    if (q.in_domain) {
        s.bind(8, *q.in_domain ? 1 : 0);
    } else {
        s.bind_null(8);
    }
    s.bind(9, q.selection_strategy).bind(10, q.selection_batch);
    bind_opt(s, 11, q.priority_score);
    s.bind(12, q.status).bind(13, q.created_at).bind(14, q.updated_at).bind(15, q.version);
    s.run();
    return connection().changes() == 1;
}

std::optional<QueueItem> SqliteStore::find_queue_item(const std::string& id) {
    auto s = connection().prepare(std::string(kQueueSelect) + " WHERE q.id = ?");
    s.bind(1, id);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_queue_item(s);
}

std::vector<QueueItem> SqliteStore::list_queue(const QueueFilter& filter) {
    // The ORDER BY comes from a fixed set, never from the request text. Ties go by insertion
    // order (rowid), not the random UUID, so a retrain sees its new labels in a repeatable
    // order (the same seed then gives the same model).
    const char* order = " ORDER BY q.priority_score DESC, q.created_at, q.rowid";
    if (filter.sort == "created") {
        order = " ORDER BY q.created_at, q.rowid";
    } else if (filter.sort == "updated") {
        order = " ORDER BY q.updated_at DESC, q.id";
    }
    auto s = connection().prepare(std::string(kQueueSelect) + kQueueWhere + order +
                                  " LIMIT ?5 OFFSET ?6");
    bind_queue_filter(s, filter);
    s.bind(5, filter.limit).bind(6, filter.offset);
    std::vector<QueueItem> out;
    while (s.step()) {
        out.push_back(read_queue_item(s));
    }
    return out;
}

std::int64_t SqliteStore::count_queue(const QueueFilter& filter) {
    auto s = connection().prepare(std::string("SELECT COUNT(*) FROM label_queue q") + kQueueWhere);
    bind_queue_filter(s, filter);
    s.step();
    return s.column_int(0);
}

void SqliteStore::update_queue_item(const QueueItem& q) {
    // SQLite rewrites every index holding a column named in SET, changed or not. A label,
    // skip or assignment leaves the model alone, so the common statement does not name
    // model_id (the unique (compound, model, batch) index and the primary-key index stay
    // untouched: fewer pages per commit); a move to another model version is a second,
    // usually empty, statement.
    auto s = connection().prepare(
        "UPDATE label_queue SET prediction = ?, uncertainty = ?, "
        "applicability_distance = ?, in_domain = ?, priority_score = ?, status = ?, "
        "assigned_to = ?, assigned_at = ?, label = ?, label_source = ?, label_confidence = ?, "
        "labeled_at = ?, labeled_by = ?, notes = ?, updated_at = ?, version = ?, "
        "change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM label_queue) WHERE id = ?");
    bind_opt(s, 1, q.prediction);
    bind_opt(s, 2, q.uncertainty);
    bind_opt(s, 3, q.applicability_distance);
    if (q.in_domain) {
        s.bind(4, *q.in_domain ? 1 : 0);
    } else {
        s.bind_null(4);
    }
    bind_opt(s, 5, q.priority_score);
    s.bind(6, q.status);
    bind_opt(s, 7, q.assigned_to);
    bind_opt(s, 8, q.assigned_at);
    bind_opt(s, 9, q.label);
    bind_opt(s, 10, q.label_source);
    bind_opt(s, 11, q.label_confidence);
    bind_opt(s, 12, q.labeled_at);
    bind_opt(s, 13, q.labeled_by);
    bind_opt(s, 14, q.notes);
    s.bind(15, q.updated_at).bind(16, q.version).bind(17, q.id).run();
    connection()
        .prepare("UPDATE label_queue SET model_id = ?1 WHERE id = ?2 AND model_id <> ?1")
        .bind(1, q.model_id)
        .bind(2, q.id)
        .run();
}

bool SqliteStore::compound_in_open_queue(const std::string& lineage_id,
                                         const std::string& compound_id) {
    auto s = connection().prepare(
        "SELECT EXISTS (SELECT 1 FROM label_queue q JOIN ml_models m ON m.id = q.model_id "
        "WHERE m.lineage_id = ? AND q.compound_id = ? AND q.status IN ('pending', "
        "'in_progress', 'labeled'))");
    s.bind(1, lineage_id).bind(2, compound_id);
    s.step();
    return s.column_int(0) != 0;
}

std::vector<QueueItem> SqliteStore::queue_changes_since(std::int64_t cursor, std::int64_t limit) {
    auto s = connection().prepare(std::string(kQueueSelect) +
                                  " WHERE q.change_seq > ? ORDER BY q.change_seq LIMIT ?");
    s.bind(1, cursor).bind(2, limit);
    std::vector<QueueItem> out;
    while (s.step()) {
        out.push_back(read_queue_item(s));
    }
    return out;
}

std::int64_t SqliteStore::max_change_seq() {
    auto s = connection().prepare("SELECT COALESCE(MAX(change_seq), 0) FROM label_queue");
    s.step();
    return s.column_int(0);
}

// ---- sync --------------------------------------------------------------------------------

std::optional<SyncOpRecord> SqliteStore::find_sync_op(const std::string& op_id) {
    auto s = connection().prepare("SELECT op_id, user_id, item_id, kind, outcome, result, "
                                  "applied_at FROM sync_ops WHERE op_id = ?");
    s.bind(1, op_id);
    if (!s.step()) {
        return std::nullopt;
    }
    return SyncOpRecord{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
                        s.column_text(4), s.column_text(5), s.column_text(6)};
}

void SqliteStore::insert_sync_op(const SyncOpRecord& r) {
    connection()
        .prepare("INSERT INTO sync_ops(op_id, user_id, item_id, kind, outcome, result, "
                 "applied_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(1, r.op_id)
        .bind(2, r.user_id)
        .bind(3, r.item_id)
        .bind(4, r.kind)
        .bind(5, r.outcome)
        .bind(6, r.result_json)
        .bind(7, r.applied_at)
        .run();
}

namespace {

const char* const kConflictSelect =
    "SELECT k.id, k.item_id, k.op_id, k.user_id, u.name, k.label, k.source, k.confidence, "
    "k.notes, k.reason, k.status, k.resolution, k.resolved_by, k.resolved_at, k.created_at "
    "FROM label_conflicts k LEFT JOIN users u ON u.id = k.user_id ";

LabelConflict read_conflict(const Statement& s) {
    LabelConflict k;
    k.id = s.column_text(0);
    k.item_id = s.column_text(1);
    k.op_id = s.column_text(2);
    k.user_id = s.column_text(3);
    k.user_name = s.column_optional_text(4);
    k.label = s.column_double(5);
    k.source = s.column_text(6);
    k.confidence = s.column_text(7);
    k.notes = s.column_optional_text(8);
    k.reason = s.column_text(9);
    k.status = s.column_text(10);
    k.resolution = s.column_optional_text(11);
    k.resolved_by = s.column_optional_text(12);
    k.resolved_at = s.column_optional_text(13);
    k.created_at = s.column_text(14);
    return k;
}

} // namespace

void SqliteStore::insert_conflict(const LabelConflict& k) {
    auto s = connection().prepare(
        "INSERT INTO label_conflicts(id, item_id, op_id, user_id, label, source, confidence, "
        "notes, reason, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, k.id).bind(2, k.item_id).bind(3, k.op_id).bind(4, k.user_id).bind(5, k.label);
    s.bind(6, k.source).bind(7, k.confidence);
    bind_opt(s, 8, k.notes);
    s.bind(9, k.reason).bind(10, k.status).bind(11, k.created_at).run();
}

std::optional<LabelConflict> SqliteStore::find_conflict(const std::string& id) {
    auto s = connection().prepare(std::string(kConflictSelect) + "WHERE k.id = ?");
    s.bind(1, id);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_conflict(s);
}

void SqliteStore::update_conflict(const LabelConflict& k) {
    auto s = connection().prepare("UPDATE label_conflicts SET status = ?, resolution = ?, "
                                  "resolved_by = ?, resolved_at = ? WHERE id = ?");
    s.bind(1, k.status);
    bind_opt(s, 2, k.resolution);
    bind_opt(s, 3, k.resolved_by);
    bind_opt(s, 4, k.resolved_at);
    s.bind(5, k.id).run();
}

std::vector<LabelConflict> SqliteStore::list_conflicts(const std::string& status,
                                                       const std::string& visible_to) {
    auto s = connection().prepare(
        std::string(kConflictSelect) +
        "WHERE (?1 = '' OR k.status = ?1) AND (?2 = '' OR k.user_id = ?2 OR k.item_id IN "
        "(SELECT q.id FROM label_queue q WHERE q.labeled_by = ?2)) "
        "ORDER BY k.created_at, k.id");
    s.bind(1, status).bind(2, visible_to);
    std::vector<LabelConflict> out;
    while (s.step()) {
        out.push_back(read_conflict(s));
    }
    return out;
}

void SqliteStore::insert_replicate(const std::string& item_id, const std::string& conflict_id,
                                   double label, const std::string& user_id,
                                   const std::string& at) {
    connection()
        .prepare("INSERT INTO label_replicates(item_id, conflict_id, label, user_id, "
                 "created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(1, item_id)
        .bind(2, conflict_id)
        .bind(3, label)
        .bind(4, user_id)
        .bind(5, at)
        .run();
}

std::vector<double> SqliteStore::replicate_labels(const std::string& item_id) {
    auto s =
        connection().prepare("SELECT label FROM label_replicates WHERE item_id = ? ORDER BY id");
    s.bind(1, item_id);
    std::vector<double> out;
    while (s.step()) {
        out.push_back(s.column_double(0));
    }
    return out;
}

void SqliteStore::update_member_label(const std::string& lineage_id, const std::string& compound_id,
                                      double label) {
    connection()
        .prepare("UPDATE model_members SET label = ? WHERE lineage_id = ? AND compound_id = ?")
        .bind(1, label)
        .bind(2, lineage_id)
        .bind(3, compound_id)
        .run();
}

// ---- cycles ------------------------------------------------------------------------------

void SqliteStore::insert_cycle(const Cycle& c) {
    auto s = connection().prepare(
        "INSERT INTO active_learning_cycles(id, model_id, cycle_number, selection_strategy, "
        "batch_size, status, metrics_before, metrics_after, items_selected, items_labeled, "
        "items_skipped, new_model_id, started_at, completed_at, expected_hits_remaining) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, c.id)
        .bind(2, c.model_id)
        .bind(3, c.cycle_number)
        .bind(4, c.selection_strategy)
        .bind(5, c.batch_size)
        .bind(6, c.status);
    bind_opt(s, 7, c.metrics_before_json);
    bind_opt(s, 8, c.metrics_after_json);
    s.bind(9, c.items_selected).bind(10, c.items_labeled).bind(11, c.items_skipped);
    bind_opt(s, 12, c.new_model_id);
    s.bind(13, c.started_at);
    bind_opt(s, 14, c.completed_at);
    bind_opt(s, 15, c.expected_hits_remaining);
    s.run();
}

std::optional<Cycle> SqliteStore::find_cycle(const std::string& id) {
    auto s = connection().prepare(std::string("SELECT ") + kCycleColumns +
                                  " FROM active_learning_cycles cy WHERE cy.id = ?");
    s.bind(1, id);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_cycle(s);
}

void SqliteStore::update_cycle(const Cycle& c) {
    auto s = connection().prepare(
        "UPDATE active_learning_cycles SET status = ?, metrics_before = ?, metrics_after = ?, "
        "items_selected = ?, items_labeled = ?, items_skipped = ?, new_model_id = ?, "
        "completed_at = ?, expected_hits_remaining = ? WHERE id = ?");
    s.bind(1, c.status);
    bind_opt(s, 2, c.metrics_before_json);
    bind_opt(s, 3, c.metrics_after_json);
    s.bind(4, c.items_selected).bind(5, c.items_labeled).bind(6, c.items_skipped);
    bind_opt(s, 7, c.new_model_id);
    bind_opt(s, 8, c.completed_at);
    bind_opt(s, 9, c.expected_hits_remaining);
    s.bind(10, c.id).run();
}

std::vector<Cycle> SqliteStore::list_cycles(const std::string& lineage_id) {
    auto s = connection().prepare(
        std::string("SELECT ") + kCycleColumns +
        " FROM active_learning_cycles cy JOIN ml_models m ON m.id = cy.model_id "
        "WHERE m.lineage_id = ? ORDER BY cy.cycle_number DESC");
    s.bind(1, lineage_id);
    std::vector<Cycle> out;
    while (s.step()) {
        out.push_back(read_cycle(s));
    }
    return out;
}

std::vector<CycleLabel> SqliteStore::cycle_labels(const std::string& lineage_id) {
    auto s = connection().prepare(
        "SELECT q.cycle_id, cy.cycle_number, q.label FROM label_queue q "
        "JOIN active_learning_cycles cy ON cy.id = q.cycle_id "
        "JOIN ml_models m ON m.id = cy.model_id "
        "WHERE m.lineage_id = ? AND q.status IN ('labeled', 'archived') AND q.label IS NOT NULL "
        "ORDER BY cy.cycle_number, q.rowid");
    s.bind(1, lineage_id);
    std::vector<CycleLabel> out;
    while (s.step()) {
        out.push_back(CycleLabel{s.column_text(0), s.column_int(1), s.column_double(2)});
    }
    return out;
}

std::int64_t SqliteStore::max_cycle_number(const std::string& lineage_id) {
    auto s = connection().prepare(
        "SELECT COALESCE(MAX(cy.cycle_number), 0) FROM active_learning_cycles cy "
        "JOIN ml_models m ON m.id = cy.model_id WHERE m.lineage_id = ?");
    s.bind(1, lineage_id);
    s.step();
    return s.column_int(0);
}

} // namespace labelloop::store
