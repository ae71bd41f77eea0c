// The SQLite implementation of Store. Reads outside a transaction use one connection per
// thread (httplib serves requests on a thread pool, retraining runs on its own worker): WAL
// lets them proceed while a writer commits. Every transaction of this process runs on ONE
// writer connection, used only by the group-commit leader: its page cache stays valid from
// one commit to the next (a connection's cache is thrown away whenever another connection
// has written), so a label submit reads its rows from memory instead of re-reading WAL
// frames with pread.
//
// The statements live with their part of the schema, one file per aggregate under
// store/sqlite/ (users, compounds, models, queue, cycles, jobs, sync_ops, audit);
// sqlite_store.cpp holds the connections, the group commit and the checkpointer.
#pragma once

#include "store/database.hpp"
#include "store/group_commit.hpp"
#include "store/store.hpp"

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace labelloop::store {

class SqliteStore final : public Store {
public:
    /// Opens (creating if missing) and migrates the database file.
    explicit SqliteStore(std::string path);
    ~SqliteStore() override;

    int schema_version() const { return schema_version_; }
    const std::string& path() const { return path_; }
    /// Called after each commit of the writer with the WAL's length in pages (SQLite's WAL
    /// hook); wakes the background checkpointer.
    void wal_grew(int pages);

    /// This thread's connection (for tests and the migration runner).
    Database& connection();

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
    struct Connection {
        explicit Connection(const std::string& path) : db(path) {}
        Database db;
    };
    Connection& conn();

    void run_batch(const GroupCommitQueue::Batch& batch);
    void checkpoint_loop();
    // A background checkpoint is asked for at 32 MB of WAL; past 256 MB the committing thread
    // checkpoints itself.
    static constexpr int kCheckpointPages = 8000;
    static constexpr int kInlineCheckpointPages = 64000;

    std::string path_;
    int schema_version_ = 0;
    std::mutex mutex_;
    // Writers of this process queue here (group commit, see transaction()) instead of in
    // SQLite's busy handler, whose sleeps (up to 100 ms) dominate latency under load.
    GroupCommitQueue commits_{64};
    std::unordered_map<std::thread::id, std::unique_ptr<Connection>> connections_;
    std::unique_ptr<Connection> writer_; // used only by the batch leader
    std::mutex checkpoint_mutex_;
    std::condition_variable checkpoint_cv_;
    bool checkpoint_wanted_ = false;
    bool checkpoint_stop_ = false;
    std::thread checkpointer_;
};

} // namespace labelloop::store
