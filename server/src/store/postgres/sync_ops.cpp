// PostgresStore statements for sync: applied offline ops, label conflicts and replicate
// measurements (tables sync_ops, label_conflicts, label_replicates).
#include "store/postgres/rows.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::postgres;

const char* const kConflictSelect =
    "SELECT k.id, k.item_id, k.op_id, k.user_id, u.name, k.label, k.source, k.confidence, "
    "k.notes, k.reason, k.status, k.resolution, k.resolved_by, k.resolved_at, k.created_at "
    "FROM label_conflicts k LEFT JOIN users u ON u.id = k.user_id ";

LabelConflict read_conflict(const Row& s) {
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

std::optional<SyncOpRecord> PostgresStore::find_sync_op(const std::string& op_id) {
    return read([&](Connection& db) -> std::optional<SyncOpRecord> {
        auto r = db.exec("SELECT op_id, user_id, item_id, kind, outcome, result, applied_at "
                         "FROM sync_ops WHERE op_id = $1",
                         Params().text(op_id));
        if (r.empty()) {
            return std::nullopt;
        }
        const Row s = r.row(0);
        return SyncOpRecord{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
                            s.column_text(4), s.column_text(5), s.column_text(6)};
    });
}

void PostgresStore::insert_sync_op(const SyncOpRecord& r) {
    write([&](Connection& db) {
        db.exec("INSERT INTO sync_ops(op_id, user_id, item_id, kind, outcome, result, "
                "applied_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                Params()
                    .text(r.op_id)
                    .text(r.user_id)
                    .text(r.item_id)
                    .text(r.kind)
                    .text(r.outcome)
                    .text(r.result_json)
                    .text(r.applied_at));
    });
}

void PostgresStore::insert_conflict(const LabelConflict& k) {
    write([&](Connection& db) {
        db.exec("INSERT INTO label_conflicts(id, item_id, op_id, user_id, label, source, "
                "confidence, notes, reason, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, "
                "$7, $8, $9, $10, $11)",
                Params()
                    .text(k.id)
                    .text(k.item_id)
                    .text(k.op_id)
                    .text(k.user_id)
                    .real(k.label)
                    .text(k.source)
                    .text(k.confidence)
                    .opt(k.notes)
                    .text(k.reason)
                    .text(k.status)
                    .text(k.created_at));
    });
}

std::optional<LabelConflict> PostgresStore::find_conflict(const std::string& id) {
    return read([&](Connection& db) -> std::optional<LabelConflict> {
        auto r = db.exec(std::string(kConflictSelect) + "WHERE k.id = $1", Params().text(id));
        if (r.empty()) {
            return std::nullopt;
        }
        return read_conflict(r.row(0));
    });
}

void PostgresStore::update_conflict(const LabelConflict& k) {
    write([&](Connection& db) {
        db.exec("UPDATE label_conflicts SET status = $1, resolution = $2, resolved_by = $3, "
                "resolved_at = $4 WHERE id = $5",
                Params()
                    .text(k.status)
                    .opt(k.resolution)
                    .opt(k.resolved_by)
                    .opt(k.resolved_at)
                    .text(k.id));
    });
}

std::vector<LabelConflict> PostgresStore::list_conflicts(const std::string& status,
                                                         const std::string& visible_to) {
    return read([&](Connection& db) {
        auto r = db.exec(std::string(kConflictSelect) +
                             "WHERE ($1 = '' OR k.status = $1) AND ($2 = '' OR k.user_id = $2 "
                             "OR k.item_id IN (SELECT q.id FROM label_queue q WHERE "
                             "q.labeled_by = $2)) ORDER BY k.created_at COLLATE \"C\", "
                             "k.id COLLATE \"C\"",
                         Params().text(status).text(visible_to));
        std::vector<LabelConflict> out;
        for (int i = 0; i < r.rows(); ++i) {
            out.push_back(read_conflict(r.row(i)));
        }
        return out;
    });
}

void PostgresStore::insert_replicate(const std::string& item_id, const std::string& conflict_id,
                                     double label, const std::string& user_id,
                                     const std::string& at) {
    write([&](Connection& db) {
        db.exec("INSERT INTO label_replicates(item_id, conflict_id, label, user_id, created_at) "
                "VALUES ($1, $2, $3, $4, $5)",
                Params().text(item_id).text(conflict_id).real(label).text(user_id).text(at));
    });
}

std::vector<double> PostgresStore::replicate_labels(const std::string& item_id) {
    return read([&](Connection& db) {
        auto r = db.exec("SELECT label FROM label_replicates WHERE item_id = $1 ORDER BY id",
                         Params().text(item_id));
        std::vector<double> out;
        for (int i = 0; i < r.rows(); ++i) {
            out.push_back(r.row(i).column_double(0));
        }
        return out;
    });
}

} // namespace labelloop::store
