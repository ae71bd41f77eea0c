// SqliteStore statements for sync: applied offline ops, label conflicts and replicate measurements
// (tables sync_ops, label_conflicts, label_replicates).
#include "store/sqlite/rows.hpp"
#include "store/sqlite_store.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::sqlite;
} // namespace

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

} // namespace labelloop::store
