// The PostgreSQL implementation of Store (issue 18), on libpq only. The statements live
// with their part of the schema, one file per aggregate under store/postgres/ (users,
// compounds, models, queue, cycles, jobs, sync_ops, audit), as for SQLite; this file and
// postgres_store.cpp hold the connections and transactions, schema.cpp the migrations.
//
// Threads: the server calls the store from many threads. Connections come from a small pool
// (at most kMaxConnections, opened on demand, a broken one is dropped and replaced): a read
// outside a transaction borrows one for its statement. Write transactions are serialised,
// as SQLite serialises its writers: one at a time per process (group commit, as in
// SqliteStore: concurrent transaction() calls queue up and one leader runs them all in ONE
// PostgreSQL transaction, each body in its own savepoint, so a failing body is rolled back
// alone and the batch pays one COMMIT and one WAL flush), and one at a time per database
// across processes (a transaction-scoped advisory lock taken right after BEGIN), so every
// statement of a transaction sees all earlier commits (READ COMMITTED plus that lock behaves
// like SQLite's single writer) and change_seq = MAX + 1 stays in commit order for
// queue_changes_since. A write outside transaction() runs in its own transaction.
// transaction(): committed when the body returns, rolled back when it throws; store calls
// inside the body on the same thread join it; nobody returns before the COMMIT holding their
// write. A statement that fails inside a body aborts that body (its savepoint), not the
// others: the body should let the error propagate.
#pragma once

#include "store/group_commit.hpp"
#include "store/postgres/connection.hpp"
#include "store/store.hpp"

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace labelloop::store {

class PostgresStore final : public Store {
public:
    /// Starts a write transaction holding the writer lock every PostgresStore write
    /// transaction takes (pg_advisory_xact_lock, key "LLWRITER" as bytes): whoever else writes
    /// with it (db copy) and the servers on the database take turns.
    static constexpr const char* kBeginWrite =
        "BEGIN; SELECT pg_advisory_xact_lock(5497443385118983506)";

    /// Connects to `url` (postgresql://user:password@host:port/dbname) and migrates the
    /// database. Throws DatabaseError naming the cause (unreachable server, bad credentials,
    /// a database of another application, a schema newer than this binary); nothing is
    /// written in those cases.
    explicit PostgresStore(std::string url);
    ~PostgresStore() override;
    PostgresStore(const PostgresStore&) = delete;
    PostgresStore& operator=(const PostgresStore&) = delete;

    int schema_version() const { return schema_version_; }
    /// The URL with its password hidden.
    std::string where() const;

    void transaction(const std::function<void()>& body) override;

    void insert_user(const domain::User& user) override;
    std::optional<domain::User> find_user(const std::string& id) override;
    std::optional<domain::User> find_user_by_name(const std::string& name) override;
    std::vector<domain::User> list_users() override;
    void insert_token(const domain::ApiToken& token, const std::string& token_hash) override;
    std::optional<domain::User> find_user_by_token_hash(const std::string& hash) override;
    std::vector<domain::ApiToken> list_tokens(const std::string& user_id) override;
    std::optional<domain::ApiToken> find_token(const std::string& token_id) override;
    void revoke_token(const std::string& token_id, const std::string& at) override;

    std::optional<domain::Compound> find_compound(const std::string& id) override;
    std::optional<domain::Compound> find_compound_by_inchikey(const std::string& key) override;
    void insert_compound(const domain::Compound& compound) override;
    std::int64_t count_compounds() override;
    std::vector<domain::Compound> list_unlabeled_compounds(const std::string& lineage_id,
                                                           std::int64_t limit,
                                                           std::int64_t offset) override;
    std::int64_t count_unlabeled_compounds(const std::string& lineage_id) override;
    std::vector<domain::Compound> list_compounds(std::int64_t limit, std::int64_t offset) override;
    std::string ensure_dataset(const std::string& name, const std::string& new_id,
                               const std::string& created_at) override;
    std::optional<std::string> find_dataset(const std::string& name) override;
    void add_to_dataset(const std::string& dataset_id, const std::string& compound_id) override;
    std::vector<domain::Compound> dataset_compounds(const std::string& dataset_id) override;
    void upsert_compound_label(const std::string& compound_id, const std::string& property,
                               double value, const std::string& source,
                               const std::string& confidence,
                               const std::string& created_at) override;
    std::vector<domain::LabeledCompound>
    labeled_compounds(const std::string& property,
                      const std::optional<std::string>& dataset_id) override;

    void insert_model(const domain::Model& model,
                      const std::vector<std::uint8_t>& artifact) override;
    std::optional<domain::Model> find_model(const std::string& id) override;
    std::vector<std::uint8_t> model_artifact(const std::string& id) override;
    std::vector<domain::Model> list_models() override;
    std::vector<domain::Model> list_versions(const std::string& lineage_id) override;
    std::optional<domain::Model> active_model(const std::string& lineage_id) override;
    void set_model_status(const std::string& id, const std::string& status) override;
    void add_member(const std::string& lineage_id, const domain::LabeledCompound& member,
                    std::int64_t added_version) override;
    std::vector<domain::LabeledCompound> members(const std::string& lineage_id,
                                                 const std::string& role) override;

    bool insert_queue_item(const domain::QueueItem& item) override;
    std::optional<domain::QueueItem> find_queue_item(const std::string& id) override;
    std::vector<domain::QueueItem> list_queue(const domain::QueueFilter& filter) override;
    std::int64_t count_queue(const domain::QueueFilter& filter) override;
    void update_queue_item(const domain::QueueItem& item) override;
    bool compound_in_open_queue(const std::string& lineage_id,
                                const std::string& compound_id) override;
    std::vector<domain::QueueItem> queue_changes_since(std::int64_t cursor,
                                                       std::int64_t limit) override;
    std::int64_t max_change_seq() override;

    std::optional<domain::SyncOpRecord> find_sync_op(const std::string& op_id) override;
    void insert_sync_op(const domain::SyncOpRecord& record) override;
    void insert_conflict(const domain::LabelConflict& conflict) override;
    std::optional<domain::LabelConflict> find_conflict(const std::string& id) override;
    void update_conflict(const domain::LabelConflict& conflict) override;
    std::vector<domain::LabelConflict> list_conflicts(const std::string& status,
                                                      const std::string& visible_to) override;
    void insert_replicate(const std::string& item_id, const std::string& conflict_id, double label,
                          const std::string& user_id, const std::string& at) override;
    std::vector<double> replicate_labels(const std::string& item_id) override;
    void update_member_label(const std::string& lineage_id, const std::string& compound_id,
                             double label) override;

    void insert_cycle(const domain::Cycle& cycle) override;
    std::optional<domain::Cycle> find_cycle(const std::string& id) override;
    void update_cycle(const domain::Cycle& cycle) override;
    std::vector<domain::Cycle> list_cycles(const std::string& lineage_id) override;
    std::int64_t max_cycle_number(const std::string& lineage_id) override;
    std::vector<domain::CycleLabel> cycle_labels(const std::string& lineage_id) override;

    void insert_job(const domain::Job& job) override;
    std::optional<domain::Job> find_job(const std::string& id) override;
    bool update_job(const domain::Job& job) override;
    std::vector<domain::Job> unfinished_jobs() override;
    std::optional<domain::Job> claim_job(const std::string& worker,
                                         const std::string& now) override;
    void heartbeat_jobs(const std::string& worker, const std::string& now) override;
    std::vector<domain::Job> abandoned_jobs(const std::string& stale_before) override;

    void insert_audit(const domain::AuditEntry& entry) override;
    std::vector<domain::AuditEntry> audit_for(const std::string& entity_type,
                                              const std::string& entity_id) override;

private:
    static constexpr std::size_t kMaxConnections = 16;

    /// A pooled connection, returned to the pool (or dropped when broken) on destruction.
    class Lease {
    public:
        Lease(PostgresStore& store, std::unique_ptr<postgres::Connection> conn)
            : store_(&store), conn_(std::move(conn)) {}
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        ~Lease();
        postgres::Connection& operator*() const { return *conn_; }
        postgres::Connection* get() const { return conn_.get(); }
        postgres::Connection* operator->() const { return conn_.get(); }

    private:
        PostgresStore* store_;
        std::unique_ptr<postgres::Connection> conn_;
    };
    Lease lease();
    void give_back(std::unique_ptr<postgres::Connection> conn);

    /// Runs `fn` on this thread's transaction connection, or on a pooled one (autocommit).
    template <typename Fn>
    auto read(Fn&& fn) -> decltype(fn(std::declval<postgres::Connection&>()));
    /// Runs `fn` inside this thread's transaction, or in a transaction of its own.
    template <typename Fn>
    auto write(Fn&& fn) -> decltype(fn(std::declval<postgres::Connection&>()));
    postgres::Connection* active_connection() const;

    std::string url_;
    int schema_version_ = 0;
    std::mutex pool_mutex_;
    std::condition_variable pool_cv_;
    std::vector<std::unique_ptr<postgres::Connection>> idle_;
    std::size_t open_ = 0; // idle + leased

    // Group commit (transaction()). PostgreSQL keeps up to 64 subtransaction ids per
    // transaction in shared memory; more would slow every other session's snapshots.
    void run_batch(const GroupCommitQueue::Batch& batch);
    GroupCommitQueue commits_{60};
};

} // namespace labelloop::store
