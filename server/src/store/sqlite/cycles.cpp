// SqliteStore statements for active-learning cycles (table active_learning_cycles).
#include "store/sqlite/rows.hpp"
#include "store/sqlite_store.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::sqlite;

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
