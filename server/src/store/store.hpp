// The persistence interface the services talk to. SQLite implements it today
// (store/sqlite_store.hpp); a PostgreSQL backend can implement it later. The store holds no
// policy: it reads and writes records, and the service decides what is allowed.
#pragma once

#include "domain/records.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::store {

class Store {
public:
    virtual ~Store() = default;

    /// Runs `body` in one write transaction: committed when it returns, rolled back when it
    /// throws. Store calls made inside `body` on the same thread join the transaction.
    virtual void transaction(const std::function<void()>& body) = 0;

    // ---- users and tokens
    virtual void insert_user(const domain::User& user) = 0;
    virtual std::optional<domain::User> find_user(const std::string& id) = 0;
    virtual std::optional<domain::User> find_user_by_name(const std::string& name) = 0;
    virtual std::vector<domain::User> list_users() = 0;
    virtual void insert_token(const domain::ApiToken& token, const std::string& token_hash) = 0;
    /// The user owning a non-revoked token with this hash.
    virtual std::optional<domain::User> find_user_by_token_hash(const std::string& hash) = 0;
    virtual std::vector<domain::ApiToken> list_tokens(const std::string& user_id) = 0;
    virtual std::optional<domain::ApiToken> find_token(const std::string& token_id) = 0;
    virtual void revoke_token(const std::string& token_id, const std::string& at) = 0;

    // ---- compounds, datasets, imported labels
    virtual std::optional<domain::Compound> find_compound(const std::string& id) = 0;
    virtual std::optional<domain::Compound> find_compound_by_inchikey(const std::string& key) = 0;
    virtual void insert_compound(const domain::Compound& compound) = 0;
    virtual std::int64_t count_compounds() = 0;
    /// Compounds not in the lineage's training/validation sets and not labeled in its queue.
    virtual std::vector<domain::Compound> list_unlabeled_compounds(const std::string& lineage_id,
                                                                   std::int64_t limit,
                                                                   std::int64_t offset) = 0;
    virtual std::int64_t count_unlabeled_compounds(const std::string& lineage_id) = 0;
    virtual std::vector<domain::Compound> list_compounds(std::int64_t limit,
                                                         std::int64_t offset) = 0;
    virtual std::string ensure_dataset(const std::string& name, const std::string& new_id,
                                       const std::string& created_at) = 0;
    virtual std::optional<std::string> find_dataset(const std::string& name) = 0;
    virtual void add_to_dataset(const std::string& dataset_id, const std::string& compound_id) = 0;
    virtual std::vector<domain::Compound> dataset_compounds(const std::string& dataset_id) = 0;
    virtual void upsert_compound_label(const std::string& compound_id, const std::string& property,
                                       double value, const std::string& source,
                                       const std::string& confidence,
                                       const std::string& created_at) = 0;
    /// Compounds with an imported label for `property`, optionally limited to a dataset.
    virtual std::vector<domain::LabeledCompound>
    labeled_compounds(const std::string& property,
                      const std::optional<std::string>& dataset_id) = 0;

    // ---- models and their training / validation membership
    virtual void insert_model(const domain::Model& model,
                              const std::vector<std::uint8_t>& artifact) = 0;
    virtual std::optional<domain::Model> find_model(const std::string& id) = 0;
    virtual std::vector<std::uint8_t> model_artifact(const std::string& id) = 0;
    virtual std::vector<domain::Model> list_models() = 0;
    virtual std::vector<domain::Model> list_versions(const std::string& lineage_id) = 0;
    virtual std::optional<domain::Model> active_model(const std::string& lineage_id) = 0;
    virtual void set_model_status(const std::string& id, const std::string& status) = 0;
    virtual void add_member(const std::string& lineage_id, const domain::LabeledCompound& member,
                            std::int64_t added_version) = 0;
    /// role: "train", "validation" or "" for both.
    virtual std::vector<domain::LabeledCompound> members(const std::string& lineage_id,
                                                         const std::string& role) = 0;

    // ---- label queue
    /// False (and nothing written) when the (compound, model, batch) triple already exists.
    virtual bool insert_queue_item(const domain::QueueItem& item) = 0;
    virtual std::optional<domain::QueueItem> find_queue_item(const std::string& id) = 0;
    virtual std::vector<domain::QueueItem> list_queue(const domain::QueueFilter& filter) = 0;
    virtual std::int64_t count_queue(const domain::QueueFilter& filter) = 0;
    /// Writes every mutable column; bumps nothing itself (the caller sets version).
    virtual void update_queue_item(const domain::QueueItem& item) = 0;
    /// True when the compound has a pending/in_progress/labeled item for this model lineage.
    virtual bool compound_in_open_queue(const std::string& lineage_id,
                                        const std::string& compound_id) = 0;

    /// Items whose last change is after `cursor` (change_seq order), at most `limit`.
    virtual std::vector<domain::QueueItem> queue_changes_since(std::int64_t cursor,
                                                               std::int64_t limit) = 0;
    virtual std::int64_t max_change_seq() = 0;

    // ---- sync: applied ops, conflicts, replicate measurements
    virtual std::optional<domain::SyncOpRecord> find_sync_op(const std::string& op_id) = 0;
    virtual void insert_sync_op(const domain::SyncOpRecord& record) = 0;
    virtual void insert_conflict(const domain::LabelConflict& conflict) = 0;
    virtual std::optional<domain::LabelConflict> find_conflict(const std::string& id) = 0;
    virtual void update_conflict(const domain::LabelConflict& conflict) = 0;
    /// status: "open", "resolved" or "" for all; visible_to: a user id (conflicts they raised
    /// or on items they labeled) or "" for every conflict.
    virtual std::vector<domain::LabelConflict> list_conflicts(const std::string& status,
                                                              const std::string& visible_to) = 0;
    virtual void insert_replicate(const std::string& item_id, const std::string& conflict_id,
                                  double label, const std::string& user_id,
                                  const std::string& at) = 0;
    virtual std::vector<double> replicate_labels(const std::string& item_id) = 0;
    virtual void update_member_label(const std::string& lineage_id, const std::string& compound_id,
                                     double label) = 0;

    // ---- cycles
    virtual void insert_cycle(const domain::Cycle& cycle) = 0;
    virtual std::optional<domain::Cycle> find_cycle(const std::string& id) = 0;
    virtual void update_cycle(const domain::Cycle& cycle) = 0;
    /// Cycles of every version in the lineage of `lineage_id`, newest first.
    virtual std::vector<domain::Cycle> list_cycles(const std::string& lineage_id) = 0;
    virtual std::int64_t max_cycle_number(const std::string& lineage_id) = 0;
    /// The labels of every labeled or archived queue item of the lineage's cycles, by cycle
    /// number (hits per cycle are counted from these).
    virtual std::vector<domain::CycleLabel> cycle_labels(const std::string& lineage_id) = 0;

    // ---- jobs
    virtual void insert_job(const domain::Job& job) = 0;
    virtual std::optional<domain::Job> find_job(const std::string& id) = 0;
    /// Writes the job's progress, status and outcome, unless the job has finished already
    /// (succeeded or failed: a finished job never changes). False when nothing was written.
    virtual bool update_job(const domain::Job& job) = 0;
    virtual std::vector<domain::Job> unfinished_jobs() = 0;
    /// Takes the oldest queued job for `worker`: marks it running, claimed by `worker`, started
    /// and last heard of at `now`, and returns it; nullopt when none is queued. Each queued job
    /// is handed to exactly one caller, across server processes sharing the database.
    virtual std::optional<domain::Job> claim_job(const std::string& worker,
                                                 const std::string& now) = 0;
    /// Records that `worker` is alive: heartbeat_at = now on the running jobs it claimed.
    virtual void heartbeat_jobs(const std::string& worker, const std::string& now) = 0;
    /// Running jobs whose worker has not been heard of since `stale_before` (or never was).
    virtual std::vector<domain::Job> abandoned_jobs(const std::string& stale_before) = 0;

    // ---- audit
    virtual void insert_audit(const domain::AuditEntry& entry) = 0;
    virtual std::vector<domain::AuditEntry> audit_for(const std::string& entity_type,
                                                      const std::string& entity_id) = 0;
};

} // namespace labelloop::store
