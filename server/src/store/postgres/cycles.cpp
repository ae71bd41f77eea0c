// PostgresStore statements for active-learning cycles (table active_learning_cycles).
#include "store/postgres/rows.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::postgres;

const char* const kCycleColumns =
    "cy.id, cy.model_id, cy.cycle_number, cy.selection_strategy, cy.batch_size, cy.status, "
    "cy.metrics_before, cy.metrics_after, cy.items_selected, cy.items_labeled, "
    "cy.items_skipped, cy.new_model_id, cy.started_at, cy.completed_at, "
    "cy.expected_hits_remaining";

Cycle read_cycle(const Row& s) {
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
    c.expected_hits_remaining = s.column_optional_double(14);
    return c;
}

} // namespace

void PostgresStore::insert_cycle(const Cycle& c) {
    write([&](Connection& db) {
        db.exec("INSERT INTO active_learning_cycles(id, model_id, cycle_number, "
                "selection_strategy, batch_size, status, metrics_before, metrics_after, "
                "items_selected, items_labeled, items_skipped, new_model_id, started_at, "
                "completed_at, expected_hits_remaining) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                "$9, $10, $11, $12, $13, $14, $15)",
                Params()
                    .text(c.id)
                    .text(c.model_id)
                    .num(c.cycle_number)
                    .text(c.selection_strategy)
                    .num(c.batch_size)
                    .text(c.status)
                    .opt(c.metrics_before_json)
                    .opt(c.metrics_after_json)
                    .num(c.items_selected)
                    .num(c.items_labeled)
                    .num(c.items_skipped)
                    .opt(c.new_model_id)
                    .text(c.started_at)
                    .opt(c.completed_at)
                    .opt_real(c.expected_hits_remaining));
    });
}

std::optional<Cycle> PostgresStore::find_cycle(const std::string& id) {
    return read([&](Connection& db) -> std::optional<Cycle> {
        auto r = db.exec(std::string("SELECT ") + kCycleColumns +
                             " FROM active_learning_cycles cy WHERE cy.id = $1",
                         Params().text(id));
        if (r.empty()) {
            return std::nullopt;
        }
        return read_cycle(r.row(0));
    });
}

void PostgresStore::update_cycle(const Cycle& c) {
    write([&](Connection& db) {
        db.exec("UPDATE active_learning_cycles SET status = $1, metrics_before = $2, "
                "metrics_after = $3, items_selected = $4, items_labeled = $5, "
                "items_skipped = $6, new_model_id = $7, completed_at = $8, "
                "expected_hits_remaining = $9 WHERE id = $10",
                Params()
                    .text(c.status)
                    .opt(c.metrics_before_json)
                    .opt(c.metrics_after_json)
                    .num(c.items_selected)
                    .num(c.items_labeled)
                    .num(c.items_skipped)
                    .opt(c.new_model_id)
                    .opt(c.completed_at)
                    .opt_real(c.expected_hits_remaining)
                    .text(c.id));
    });
}

std::vector<Cycle> PostgresStore::list_cycles(const std::string& lineage_id) {
    return read([&](Connection& db) {
        auto r = db.exec(std::string("SELECT ") + kCycleColumns +
                             " FROM active_learning_cycles cy JOIN ml_models m ON "
                             "m.id = cy.model_id WHERE m.lineage_id = $1 "
                             "ORDER BY cy.cycle_number DESC",
                         Params().text(lineage_id));
        std::vector<Cycle> out;
        for (int i = 0; i < r.rows(); ++i) {
            out.push_back(read_cycle(r.row(i)));
        }
        return out;
    });
}

std::vector<CycleLabel> PostgresStore::cycle_labels(const std::string& lineage_id) {
    return read([&](Connection& db) {
        auto r = db.exec("SELECT q.cycle_id, cy.cycle_number, q.label FROM label_queue q "
                         "JOIN active_learning_cycles cy ON cy.id = q.cycle_id "
                         "JOIN ml_models m ON m.id = cy.model_id "
                         "WHERE m.lineage_id = $1 AND q.status IN ('labeled', 'archived') "
                         "AND q.label IS NOT NULL ORDER BY cy.cycle_number, q.seq",
                         Params().text(lineage_id));
        std::vector<CycleLabel> out;
        for (int i = 0; i < r.rows(); ++i) {
            const Row s = r.row(i);
            out.push_back(CycleLabel{s.column_text(0), s.column_int(1), s.column_double(2)});
        }
        return out;
    });
}

std::int64_t PostgresStore::max_cycle_number(const std::string& lineage_id) {
    return read([&](Connection& db) {
        return db
            .exec("SELECT COALESCE(MAX(cy.cycle_number), 0) FROM active_learning_cycles cy "
                  "JOIN ml_models m ON m.id = cy.model_id WHERE m.lineage_id = $1",
                  Params().text(lineage_id))
            .row(0)
            .column_int(0);
    });
}

} // namespace labelloop::store
