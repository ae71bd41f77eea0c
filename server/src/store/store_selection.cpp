#include "store/store_selection.hpp"

#include "store/sqlite_store.hpp"
#ifdef LABELLOOP_HAVE_POSTGRES
#include "store/postgres/postgres_store.hpp"
#endif

#include <stdexcept>

namespace labelloop::store {

bool is_postgres_url(const std::string& db) {
    return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

std::string describe_db(const std::string& db) {
    if (!is_postgres_url(db)) {
        return db;
    }
    // postgresql://user:password@host... -> postgresql://user:***@host...
    const auto start = db.find("://") + 3;
    const auto at = db.find('@', start);
    const auto colon = db.find(':', start);
    if (at == std::string::npos || colon == std::string::npos || colon > at) {
        return db;
    }
    return db.substr(0, colon + 1) + "***" + db.substr(at);
}

SelectedStore::SelectedStore(const std::string& db) {
    if (is_postgres_url(db)) {
#ifdef LABELLOOP_HAVE_POSTGRES
        auto pg = std::make_unique<PostgresStore>(db);
        schema_version_ = pg->schema_version();
        backend_ = std::move(pg);
#else
        throw DatabaseError("this LabelLoop was built without PostgreSQL support (libpq): "
                            "cannot open " +
                                describe_db(db),
                            0);
#endif
    } else {
        auto sqlite = std::make_unique<SqliteStore>(db);
        sqlite_ = sqlite.get();
        schema_version_ = sqlite->schema_version();
        backend_ = std::move(sqlite);
    }
}

SelectedStore::~SelectedStore() = default;

Database& SelectedStore::connection() {
    if (sqlite_ == nullptr) {
        throw std::logic_error("connection() is SQLite's; this store is PostgreSQL");
    }
    return sqlite_->connection();
}

void SelectedStore::transaction(const std::function<void()>& body) {
    backend_->transaction(body);
}

void SelectedStore::insert_user(const domain::User& user) {
    backend_->insert_user(user);
}

std::optional<domain::User> SelectedStore::find_user(const std::string& id) {
    return backend_->find_user(id);
}

std::optional<domain::User> SelectedStore::find_user_by_name(const std::string& name) {
    return backend_->find_user_by_name(name);
}

std::vector<domain::User> SelectedStore::list_users() {
    return backend_->list_users();
}

void SelectedStore::insert_token(const domain::ApiToken& token, const std::string& token_hash) {
    backend_->insert_token(token, token_hash);
}

std::optional<domain::User> SelectedStore::find_user_by_token_hash(const std::string& hash) {
    return backend_->find_user_by_token_hash(hash);
}

std::vector<domain::ApiToken> SelectedStore::list_tokens(const std::string& user_id) {
    return backend_->list_tokens(user_id);
}

std::optional<domain::ApiToken> SelectedStore::find_token(const std::string& token_id) {
    return backend_->find_token(token_id);
}

void SelectedStore::revoke_token(const std::string& token_id, const std::string& at) {
    backend_->revoke_token(token_id, at);
}

std::optional<domain::Compound> SelectedStore::find_compound(const std::string& id) {
    return backend_->find_compound(id);
}

std::optional<domain::Compound> SelectedStore::find_compound_by_inchikey(const std::string& key) {
    return backend_->find_compound_by_inchikey(key);
}

void SelectedStore::insert_compound(const domain::Compound& compound) {
    backend_->insert_compound(compound);
}

std::int64_t SelectedStore::count_compounds() {
    return backend_->count_compounds();
}

std::vector<domain::Compound> SelectedStore::list_unlabeled_compounds(const std::string& lineage_id,
                                                                      std::int64_t limit,
                                                                      std::int64_t offset) {
    return backend_->list_unlabeled_compounds(lineage_id, limit, offset);
}

std::int64_t SelectedStore::count_unlabeled_compounds(const std::string& lineage_id) {
    return backend_->count_unlabeled_compounds(lineage_id);
}

std::vector<domain::Compound> SelectedStore::list_compounds(std::int64_t limit,
                                                            std::int64_t offset) {
    return backend_->list_compounds(limit, offset);
}

std::string SelectedStore::ensure_dataset(const std::string& name, const std::string& new_id,
                                          const std::string& created_at) {
    return backend_->ensure_dataset(name, new_id, created_at);
}

std::optional<std::string> SelectedStore::find_dataset(const std::string& name) {
    return backend_->find_dataset(name);
}

void SelectedStore::add_to_dataset(const std::string& dataset_id, const std::string& compound_id) {
    backend_->add_to_dataset(dataset_id, compound_id);
}

std::vector<domain::Compound> SelectedStore::dataset_compounds(const std::string& dataset_id) {
    return backend_->dataset_compounds(dataset_id);
}

void SelectedStore::upsert_compound_label(const std::string& compound_id,
                                          const std::string& property, double value,
                                          const std::string& source, const std::string& confidence,
                                          const std::string& created_at) {
    backend_->upsert_compound_label(compound_id, property, value, source, confidence, created_at);
}

std::vector<domain::LabeledCompound>
SelectedStore::labeled_compounds(const std::string& property,
                                 const std::optional<std::string>& dataset_id) {
    return backend_->labeled_compounds(property, dataset_id);
}

void SelectedStore::insert_model(const domain::Model& model,
                                 const std::vector<std::uint8_t>& artifact) {
    backend_->insert_model(model, artifact);
}

std::optional<domain::Model> SelectedStore::find_model(const std::string& id) {
    return backend_->find_model(id);
}

std::vector<std::uint8_t> SelectedStore::model_artifact(const std::string& id) {
    return backend_->model_artifact(id);
}

std::vector<domain::Model> SelectedStore::list_models() {
    return backend_->list_models();
}

std::vector<domain::Model> SelectedStore::list_versions(const std::string& lineage_id) {
    return backend_->list_versions(lineage_id);
}

std::optional<domain::Model> SelectedStore::active_model(const std::string& lineage_id) {
    return backend_->active_model(lineage_id);
}

void SelectedStore::set_model_status(const std::string& id, const std::string& status) {
    backend_->set_model_status(id, status);
}

void SelectedStore::add_member(const std::string& lineage_id, const domain::LabeledCompound& member,
                               std::int64_t added_version) {
    backend_->add_member(lineage_id, member, added_version);
}

std::vector<domain::LabeledCompound> SelectedStore::members(const std::string& lineage_id,
                                                            const std::string& role) {
    return backend_->members(lineage_id, role);
}

bool SelectedStore::insert_queue_item(const domain::QueueItem& item) {
    return backend_->insert_queue_item(item);
}

std::optional<domain::QueueItem> SelectedStore::find_queue_item(const std::string& id) {
    return backend_->find_queue_item(id);
}

std::vector<domain::QueueItem> SelectedStore::list_queue(const domain::QueueFilter& filter) {
    return backend_->list_queue(filter);
}

std::int64_t SelectedStore::count_queue(const domain::QueueFilter& filter) {
    return backend_->count_queue(filter);
}

void SelectedStore::update_queue_item(const domain::QueueItem& item) {
    backend_->update_queue_item(item);
}

bool SelectedStore::compound_in_open_queue(const std::string& lineage_id,
                                           const std::string& compound_id) {
    return backend_->compound_in_open_queue(lineage_id, compound_id);
}

std::vector<domain::QueueItem> SelectedStore::queue_changes_since(std::int64_t cursor,
                                                                  std::int64_t limit) {
    return backend_->queue_changes_since(cursor, limit);
}

std::int64_t SelectedStore::max_change_seq() {
    return backend_->max_change_seq();
}

std::optional<domain::SyncOpRecord> SelectedStore::find_sync_op(const std::string& op_id) {
    return backend_->find_sync_op(op_id);
}

void SelectedStore::insert_sync_op(const domain::SyncOpRecord& record) {
    backend_->insert_sync_op(record);
}

void SelectedStore::insert_conflict(const domain::LabelConflict& conflict) {
    backend_->insert_conflict(conflict);
}

std::optional<domain::LabelConflict> SelectedStore::find_conflict(const std::string& id) {
    return backend_->find_conflict(id);
}

void SelectedStore::update_conflict(const domain::LabelConflict& conflict) {
    backend_->update_conflict(conflict);
}

std::vector<domain::LabelConflict> SelectedStore::list_conflicts(const std::string& status,
                                                                 const std::string& visible_to) {
    return backend_->list_conflicts(status, visible_to);
}

void SelectedStore::insert_replicate(const std::string& item_id, const std::string& conflict_id,
                                     double label, const std::string& user_id,
                                     const std::string& at) {
    backend_->insert_replicate(item_id, conflict_id, label, user_id, at);
}

std::vector<double> SelectedStore::replicate_labels(const std::string& item_id) {
    return backend_->replicate_labels(item_id);
}

void SelectedStore::update_member_label(const std::string& lineage_id,
                                        const std::string& compound_id, double label) {
    backend_->update_member_label(lineage_id, compound_id, label);
}

void SelectedStore::insert_cycle(const domain::Cycle& cycle) {
    backend_->insert_cycle(cycle);
}

std::optional<domain::Cycle> SelectedStore::find_cycle(const std::string& id) {
    return backend_->find_cycle(id);
}

void SelectedStore::update_cycle(const domain::Cycle& cycle) {
    backend_->update_cycle(cycle);
}

std::vector<domain::Cycle> SelectedStore::list_cycles(const std::string& lineage_id) {
    return backend_->list_cycles(lineage_id);
}

std::int64_t SelectedStore::max_cycle_number(const std::string& lineage_id) {
    return backend_->max_cycle_number(lineage_id);
}

std::vector<domain::CycleLabel> SelectedStore::cycle_labels(const std::string& lineage_id) {
    return backend_->cycle_labels(lineage_id);
}

void SelectedStore::insert_job(const domain::Job& job) {
    backend_->insert_job(job);
}

std::optional<domain::Job> SelectedStore::find_job(const std::string& id) {
    return backend_->find_job(id);
}

bool SelectedStore::update_job(const domain::Job& job) {
    return backend_->update_job(job);
}

std::vector<domain::Job> SelectedStore::unfinished_jobs() {
    return backend_->unfinished_jobs();
}

std::optional<domain::Job> SelectedStore::claim_job(const std::string& worker,
                                                    const std::string& now) {
    return backend_->claim_job(worker, now);
}

void SelectedStore::heartbeat_jobs(const std::string& worker, const std::string& now) {
    backend_->heartbeat_jobs(worker, now);
}

std::vector<domain::Job> SelectedStore::abandoned_jobs(const std::string& stale_before) {
    return backend_->abandoned_jobs(stale_before);
}

void SelectedStore::insert_audit(const domain::AuditEntry& entry) {
    backend_->insert_audit(entry);
}

std::vector<domain::AuditEntry> SelectedStore::audit_for(const std::string& entity_type,
                                                         const std::string& entity_id) {
    return backend_->audit_for(entity_type, entity_id);
}

} // namespace labelloop::store
