// SqliteStore statements for the label queue (table label_queue) and its change feed (change_seq).
#include "store/sqlite/rows.hpp"
#include "store/sqlite_store.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::sqlite;

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

} // namespace

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

} // namespace labelloop::store
