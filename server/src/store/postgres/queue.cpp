// PostgresStore statements for the label queue (table label_queue) and its change feed
// (change_seq). Write transactions are serialised (postgres_store.hpp), so
// change_seq = MAX + 1 is handed out in commit order, as on SQLite: a browser that pulled up
// to some change_seq never misses a change committed later with a smaller one.
#include "store/postgres/rows.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::postgres;

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
    WHERE ($1 IS NULL OR q.status = $1)
      AND ($2 IS NULL OR ($2 = 'none' AND q.assigned_to IS NULL) OR q.assigned_to = $2)
      AND ($3 IS NULL OR q.model_id = $3)
      AND ($4 IS NULL OR q.cycle_id = $4)
)sql";

const char* const kNextChangeSeq = "(SELECT COALESCE(MAX(change_seq), 0) + 1 FROM label_queue)";

QueueItem read_queue_item(const Row& s) {
    QueueItem q;
    q.id = s.column_text(0);
    q.compound_id = s.column_text(1);
    q.model_id = s.column_text(2);
    q.cycle_id = s.column_optional_text(3);
    q.smiles = s.column_text(4);
    q.compound_name = s.column_optional_text(5);
    q.prediction = s.column_optional_double(6);
    q.uncertainty = s.column_optional_double(7);
    q.applicability_distance = s.column_optional_double(8);
    if (!s.is_null(9)) {
        q.in_domain = s.column_int(9) != 0;
    }
    q.selection_strategy = s.column_text(10);
    q.selection_batch = s.column_int(11);
    q.priority_score = s.column_optional_double(12);
    q.status = s.column_text(13);
    q.assigned_to = s.column_optional_text(14);
    q.assigned_to_name = s.column_optional_text(15);
    q.assigned_at = s.column_optional_text(16);
    q.label = s.column_optional_double(17);
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

std::vector<QueueItem> read_queue_items(const Result& r) {
    std::vector<QueueItem> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back(read_queue_item(r.row(i)));
    }
    return out;
}

Params filter_params(const QueueFilter& f) {
    Params p;
    p.opt(f.status).opt(f.assigned_to).opt(f.model_id).opt(f.cycle_id);
    return p;
}

std::optional<std::int64_t> in_domain_value(const std::optional<bool>& v) {
    if (!v) {
        return std::nullopt;
    }
    return *v ? 1 : 0;
}

} // namespace

bool PostgresStore::insert_queue_item(const QueueItem& q) {
    return write([&](Connection& db) {
        auto r = db.exec(std::string("INSERT INTO label_queue(id, compound_id, model_id, "
                                     "cycle_id, prediction, uncertainty, applicability_distance, "
                                     "in_domain, selection_strategy, selection_batch, "
                                     "priority_score, status, created_at, updated_at, version, "
                                     "change_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                                     "$10, $11, $12, $13, $14, $15, ") +
                             kNextChangeSeq + ") ON CONFLICT DO NOTHING",
                         Params()
                             .text(q.id)
                             .text(q.compound_id)
                             .text(q.model_id)
                             .opt(q.cycle_id)
                             .opt_real(q.prediction)
                             .opt_real(q.uncertainty)
                             .opt_real(q.applicability_distance)
                             .opt_num(in_domain_value(q.in_domain))
                             .text(q.selection_strategy)
                             .num(q.selection_batch)
                             .opt_real(q.priority_score)
                             .text(q.status)
                             .text(q.created_at)
                             .text(q.updated_at)
                             .num(q.version));
        return r.affected() == 1;
    });
}

std::optional<QueueItem> PostgresStore::find_queue_item(const std::string& id) {
    return read([&](Connection& db) -> std::optional<QueueItem> {
        auto r = db.exec(std::string(kQueueSelect) + " WHERE q.id = $1", Params().text(id));
        if (r.empty()) {
            return std::nullopt;
        }
        return read_queue_item(r.row(0));
    });
}

std::vector<QueueItem> PostgresStore::list_queue(const QueueFilter& filter) {
    // The ORDER BY comes from a fixed set, never from the request text. Ties go by insertion
    // order (seq), not the random UUID. NULL priorities sort last, as in SQLite's DESC.
    const char* order =
        " ORDER BY q.priority_score DESC NULLS LAST, q.created_at COLLATE \"C\", q.seq";
    if (filter.sort == "created") {
        order = " ORDER BY q.created_at COLLATE \"C\", q.seq";
    } else if (filter.sort == "updated") {
        order = " ORDER BY q.updated_at COLLATE \"C\" DESC, q.id COLLATE \"C\"";
    }
    return read([&](Connection& db) {
        Params p = filter_params(filter);
        p.num(filter.limit).num(filter.offset);
        return read_queue_items(
            db.exec(std::string(kQueueSelect) + kQueueWhere + order + " LIMIT $5 OFFSET $6", p));
    });
}

std::int64_t PostgresStore::count_queue(const QueueFilter& filter) {
    return read([&](Connection& db) {
        return db
            .exec(std::string("SELECT COUNT(*) FROM label_queue q") + kQueueWhere,
                  filter_params(filter))
            .row(0)
            .column_int(0);
    });
}

void PostgresStore::update_queue_item(const QueueItem& q) {
    write([&](Connection& db) {
        db.exec(std::string("UPDATE label_queue SET prediction = $1, uncertainty = $2, "
                            "applicability_distance = $3, in_domain = $4, priority_score = $5, "
                            "status = $6, assigned_to = $7, assigned_at = $8, label = $9, "
                            "label_source = $10, label_confidence = $11, labeled_at = $12, "
                            "labeled_by = $13, notes = $14, updated_at = $15, version = $16, "
                            "model_id = $17, change_seq = ") +
                    kNextChangeSeq + " WHERE id = $18",
                Params()
                    .opt_real(q.prediction)
                    .opt_real(q.uncertainty)
                    .opt_real(q.applicability_distance)
                    .opt_num(in_domain_value(q.in_domain))
                    .opt_real(q.priority_score)
                    .text(q.status)
                    .opt(q.assigned_to)
                    .opt(q.assigned_at)
                    .opt_real(q.label)
                    .opt(q.label_source)
                    .opt(q.label_confidence)
                    .opt(q.labeled_at)
                    .opt(q.labeled_by)
                    .opt(q.notes)
                    .text(q.updated_at)
                    .num(q.version)
                    .text(q.model_id)
                    .text(q.id));
    });
}

bool PostgresStore::compound_in_open_queue(const std::string& lineage_id,
                                           const std::string& compound_id) {
    return read([&](Connection& db) {
        return db.exec("SELECT EXISTS (SELECT 1 FROM label_queue q JOIN ml_models m ON "
                       "m.id = q.model_id WHERE m.lineage_id = $1 AND q.compound_id = $2 AND "
                       "q.status IN ('pending', 'in_progress', 'labeled'))",
                       Params().text(lineage_id).text(compound_id))
                   .row(0)
                   .column_int(0) != 0;
    });
}

std::vector<QueueItem> PostgresStore::queue_changes_since(std::int64_t cursor, std::int64_t limit) {
    return read([&](Connection& db) {
        return read_queue_items(db.exec(std::string(kQueueSelect) +
                                            " WHERE q.change_seq > $1 ORDER BY q.change_seq "
                                            "LIMIT $2",
                                        Params().num(cursor).num(limit)));
    });
}

std::int64_t PostgresStore::max_change_seq() {
    return read([&](Connection& db) {
        return db.exec("SELECT COALESCE(MAX(change_seq), 0) FROM label_queue").row(0).column_int(0);
    });
}

} // namespace labelloop::store
