// Queue rules: label, skip, assign (single and bulk), listings, and the JSON forms of the
// records. Selection and retraining live in active_learning_cycles.cpp.
#include "service/active_learning_service.hpp"

#include "service/auth_service.hpp"
#include "service/errors.hpp"
#include "service/json_values.hpp"
#include "service/model_service.hpp"
#include "util/ids.hpp"

#include <cmath>
#include <map>

namespace labelloop::service {
namespace {

using json = nlohmann::json;

json parse_or_null(const std::optional<std::string>& text) {
    if (!text || text->empty()) {
        return nullptr;
    }
    return json::parse(*text, nullptr, false);
}

/// The fields an audit entry records for a queue item.
json audit_snapshot(const domain::QueueItem& q) {
    return {{"status", q.status},
            {"assigned_to", opt(q.assigned_to)},
            {"label", opt(q.label)},
            {"label_source", opt(q.label_source)},
            {"label_confidence", opt(q.label_confidence)},
            {"notes", opt(q.notes)},
            {"version", q.version},
            {"change_seq", q.change_seq}};
}

void audit(store::Store& store, const domain::User& caller, const std::string& action,
           const domain::QueueItem& before, const domain::QueueItem& after) {
    store.insert_audit({0, caller.id, action, "queue_item", after.id, audit_snapshot(before).dump(),
                        audit_snapshot(after).dump(), after.updated_at});
}

bool is_open(const std::string& status) {
    return status == "pending" || status == "in_progress";
}

void require_may_work_on(const domain::User& caller, const domain::QueueItem& item,
                         const std::string& action) {
    if (caller.role == "admin") {
        return;
    }
    if (item.assigned_to && *item.assigned_to != caller.id) {
        fail(ErrorKind::Forbidden,
             "This item is assigned to " + item.assigned_to_name.value_or("another user") +
                 "; you may only " + action + " items assigned to you or unassigned.",
             {{"item_id", item.id}, {"assigned_to", *item.assigned_to}});
    }
}

void require_open(const domain::QueueItem& item, const std::string& action) {
    if (!is_open(item.status)) {
        fail(ErrorKind::Conflict,
             "Cannot " + action + " item " + item.id + ": it is already " + item.status + ".",
             {{"item_id", item.id}, {"status", item.status}, {"version", item.version}});
    }
}

void bump_cycle(store::Store& store, const domain::QueueItem& item, bool labeled) {
    if (!item.cycle_id) {
        return;
    }
    auto cycle = store.find_cycle(*item.cycle_id);
    if (!cycle) {
        return;
    }
    if (labeled) {
        ++cycle->items_labeled;
    } else {
        ++cycle->items_skipped;
    }
    store.update_cycle(*cycle);
}

void unbump_skipped(store::Store& store, const domain::QueueItem& item) {
    if (!item.cycle_id) {
        return;
    }
    if (auto cycle = store.find_cycle(*item.cycle_id); cycle && cycle->items_skipped > 0) {
        --cycle->items_skipped;
        store.update_cycle(*cycle);
    }
}

} // namespace

json to_json(const domain::QueueItem& q) {
    return {{"id", q.id},
            {"compound_id", q.compound_id},
            {"model_id", q.model_id},
            {"cycle_id", opt(q.cycle_id)},
            {"smiles", q.smiles},
            {"compound_name", opt(q.compound_name)},
            {"prediction", opt(q.prediction)},
            {"uncertainty", opt(q.uncertainty)},
            {"applicability_distance", opt(q.applicability_distance)},
            {"in_domain", opt(q.in_domain)},
            {"selection_strategy", q.selection_strategy},
            {"selection_batch", q.selection_batch},
            {"priority_score", opt(q.priority_score)},
            {"status", q.status},
            {"assigned_to", opt(q.assigned_to)},
            {"assigned_to_name", opt(q.assigned_to_name)},
            {"assigned_at", opt(q.assigned_at)},
            {"label", opt(q.label)},
            {"label_source", opt(q.label_source)},
            {"label_confidence", opt(q.label_confidence)},
            {"labeled_at", opt(q.labeled_at)},
            {"labeled_by", opt(q.labeled_by)},
            {"labeled_by_name", opt(q.labeled_by_name)},
            {"notes", opt(q.notes)},
            {"created_at", q.created_at},
            {"updated_at", q.updated_at},
            {"version", q.version}};
}

json to_json(const domain::Cycle& c) {
    return {{"id", c.id},
            {"model_id", c.model_id},
            {"cycle_number", c.cycle_number},
            {"selection_strategy", c.selection_strategy},
            {"batch_size", c.batch_size},
            {"status", c.status},
            {"metrics_before", parse_or_null(c.metrics_before_json)},
            {"metrics_after", parse_or_null(c.metrics_after_json)},
            {"items_selected", c.items_selected},
            {"items_labeled", c.items_labeled},
            {"items_skipped", c.items_skipped},
            {"new_model_id", opt(c.new_model_id)},
            {"started_at", c.started_at},
            {"completed_at", opt(c.completed_at)},
            {"hits_found", opt(c.hits_found)},
            {"hits_found_total", opt(c.hits_found_total)},
            {"expected_hits_remaining", opt(c.expected_hits_remaining)}};
}

json to_json(const domain::Job& j) {
    return {{"id", j.id},
            {"kind", j.kind},
            {"status", j.status},
            {"progress", j.progress},
            {"message", j.message},
            {"error", opt(j.error)},
            {"result", parse_or_null(j.result_json)},
            {"cycle_id", opt(j.cycle_id)},
            {"created_at", j.created_at},
            {"started_at", opt(j.started_at)},
            {"finished_at", opt(j.finished_at)}};
}

json to_json(const domain::Model& m) {
    return {{"id", m.id},
            {"name", m.name},
            {"property", m.property},
            {"task", m.task},
            {"version", m.version},
            {"status", m.status},
            {"parent_id", opt(m.parent_id)},
            {"lineage_id", m.lineage_id},
            {"metrics", parse_or_null(m.metrics_json)},
            {"params", parse_or_null(m.params_json)},
            {"n_train", m.n_train},
            {"n_validation", m.n_validation},
            {"created_at", m.created_at},
            {"objective", objective_json(m.objective)},
            {"objective_text", describe(m.objective)}};
}

json to_json(const domain::User& u) {
    return {{"id", u.id}, {"name", u.name}, {"role", u.role}, {"created_at", u.created_at}};
}

domain::Model ActiveLearningService::require_model(const std::string& id) {
    return found_or_not_found(store_.find_model(id), "model", id);
}

domain::QueueItem ActiveLearningService::get_item(const std::string& id) {
    return found_or_not_found(store_.find_queue_item(id), "queue item", id);
}

QueuePage ActiveLearningService::list_queue(const domain::QueueFilter& filter) {
    static const char* const kStatuses[] = {"pending", "in_progress", "labeled", "skipped",
                                            "archived"};
    if (filter.status) {
        bool known = false;
        for (const char* s : kStatuses) {
            known = known || *filter.status == s;
        }
        if (!known) {
            fail(ErrorKind::InvalidValue,
                 "Unknown status '" + *filter.status +
                     "': use pending, in_progress, labeled, skipped or archived.",
                 {{"field", "status"}});
        }
    }
    if (filter.limit < 1 || filter.limit > 1000) {
        fail(ErrorKind::InvalidValue, "limit must be between 1 and 1000.", {{"field", "limit"}});
    }
    if (filter.offset < 0) {
        fail(ErrorKind::InvalidValue, "offset must not be negative.", {{"field", "offset"}});
    }
    if (filter.sort != "priority" && filter.sort != "created" && filter.sort != "updated") {
        fail(ErrorKind::InvalidValue,
             "Unknown sort '" + filter.sort + "': use priority, created or updated.",
             {{"field", "sort"}});
    }
    QueuePage page;
    page.items = store_.list_queue(filter);
    page.total = store_.count_queue(filter);
    return page;
}

std::vector<domain::QueueItem> ActiveLearningService::get_pending_items(const domain::User& user,
                                                                        std::int64_t limit) {
    std::vector<domain::QueueItem> out;
    for (const char* status : {"in_progress", "pending"}) {
        for (const std::string& who : {user.id, std::string("none")}) {
            if (static_cast<std::int64_t>(out.size()) >= limit) {
                return out;
            }
            domain::QueueFilter f;
            f.status = status;
            f.assigned_to = who;
            f.limit = limit - static_cast<std::int64_t>(out.size());
            for (auto& item : store_.list_queue(f)) {
                out.push_back(std::move(item));
            }
        }
    }
    return out;
}

domain::QueueItem ActiveLearningService::submit_label(const domain::User& caller,
                                                      const std::string& item_id,
                                                      const LabelInput& input) {
    if (!std::isfinite(input.label)) {
        fail(ErrorKind::InvalidValue, "The label must be a finite number.", {{"field", "label"}});
    }
    if (input.source != "experimental" && input.source != "literature" &&
        input.source != "expert_estimate") {
        fail(ErrorKind::InvalidValue,
             "Unknown label source '" + input.source +
                 "': use experimental, literature or expert_estimate.",
             {{"field", "source"}});
    }
    if (input.confidence != "high" && input.confidence != "medium" && input.confidence != "low") {
        fail(ErrorKind::InvalidValue,
             "Unknown label confidence '" + input.confidence + "': use high, medium or low.",
             {{"field", "confidence"}});
    }
    domain::QueueItem after;
    store_.transaction([&] {
        const domain::QueueItem before = get_item(item_id);
        require_may_work_on(caller, before, "label");
        const bool reopening = input.reopen_skipped && before.status == "skipped";
        if (!reopening) {
            require_open(before, "label");
        }
        if (input.expected_version && *input.expected_version != before.version) {
            fail(ErrorKind::Conflict,
                 "Item " + item_id + " changed since you loaded it (version " +
                     std::to_string(before.version) + ", you sent " +
                     std::to_string(*input.expected_version) + "); reload it and try again.",
                 {{"item_id", item_id}, {"version", before.version}});
        }
        const auto model = require_model(before.model_id);
        if (model.task == "classification" && input.label != 0.0 && input.label != 1.0) {
            fail(ErrorKind::InvalidValue,
                 "Model '" + model.name + "' is a classifier: the label must be 0 or 1.",
                 {{"field", "label"}});
        }
        after = before;
        const std::string now = util::utc_now();
        after.status = "labeled";
        after.label = input.label;
        after.label_source = input.source;
        after.label_confidence = input.confidence;
        after.labeled_at = now;
        after.labeled_by = caller.id;
        after.labeled_by_name = caller.name;
        if (input.notes) {
            after.notes = input.notes;
        }
        after.updated_at = now;
        after.version = before.version + 1;
        store_.update_queue_item(after);
        bump_cycle(store_, after, true);
        if (reopening) {
            unbump_skipped(store_, after);
        }
        audit(store_, caller, "label", before, after);
    });
    return after;
}

domain::QueueItem ActiveLearningService::skip(const domain::User& caller,
                                              const std::string& item_id,
                                              const std::optional<std::string>& notes) {
    domain::QueueItem after;
    store_.transaction([&] {
        const domain::QueueItem before = get_item(item_id);
        require_may_work_on(caller, before, "skip");
        require_open(before, "skip");
        after = before;
        after.status = "skipped";
        if (notes) {
            after.notes = notes;
        }
        after.updated_at = util::utc_now();
        after.version = before.version + 1;
        store_.update_queue_item(after);
        bump_cycle(store_, after, false);
        audit(store_, caller, "skip", before, after);
    });
    return after;
}

domain::QueueItem ActiveLearningService::assign(const domain::User& caller,
                                                const std::string& item_id,
                                                const std::optional<std::string>& user_id) {
    require_admin(caller, "assign queue items");
    domain::QueueItem after;
    store_.transaction([&] {
        const domain::QueueItem before = get_item(item_id);
        std::optional<domain::User> assignee;
        if (user_id) {
            assignee = store_.find_user(*user_id);
            if (!assignee) {
                fail(ErrorKind::InvalidValue, "There is no user with id " + *user_id + ".",
                     {{"field", "user_id"}});
            }
        }
        // A skipped item can be given to someone again; labeled/archived ones are done.
        if (before.status != "pending" && before.status != "in_progress" &&
            before.status != "skipped") {
            fail(ErrorKind::Conflict,
                 "Cannot assign item " + item_id + ": it is already " + before.status + ".",
                 {{"item_id", item_id}, {"status", before.status}});
        }
        after = before;
        const std::string now = util::utc_now();
        if (assignee) {
            after.assigned_to = assignee->id;
            after.assigned_to_name = assignee->name;
            after.assigned_at = now;
            after.status = "in_progress";
        } else {
            after.assigned_to.reset();
            after.assigned_to_name.reset();
            after.assigned_at.reset();
            after.status = "pending";
        }
        after.updated_at = now;
        after.version = before.version + 1;
        store_.update_queue_item(after);
        audit(store_, caller, assignee ? "assign" : "unassign", before, after);
    });
    return after;
}

std::vector<domain::QueueItem>
ActiveLearningService::bulk_assign(const domain::User& caller,
                                   const std::vector<std::string>& item_ids,
                                   const std::optional<std::string>& user_id) {
    require_admin(caller, "assign queue items");
    if (item_ids.empty() || item_ids.size() > 1000) {
        fail(ErrorKind::InvalidValue, "item_ids must list 1 to 1000 items.",
             {{"field", "item_ids"}});
    }
    std::vector<domain::QueueItem> out;
    // One transaction: the first failing item rolls back every change before it.
    store_.transaction([&] {
        for (const auto& id : item_ids) {
            out.push_back(assign(caller, id, user_id));
        }
    });
    return out;
}

std::vector<domain::QueueItem>
ActiveLearningService::bulk_skip(const domain::User& caller,
                                 const std::vector<std::string>& item_ids) {
    require_admin(caller, "skip items in bulk");
    if (item_ids.empty() || item_ids.size() > 1000) {
        fail(ErrorKind::InvalidValue, "item_ids must list 1 to 1000 items.",
             {{"field", "item_ids"}});
    }
    std::vector<domain::QueueItem> out;
    store_.transaction([&] {
        for (const auto& id : item_ids) {
            out.push_back(skip(caller, id, std::nullopt));
        }
    });
    return out;
}

domain::Job ActiveLearningService::get_job(const std::string& id) {
    return found_or_not_found(store_.find_job(id), "job", id);
}

domain::Cycle ActiveLearningService::require_cycle(const std::string& id) {
    return found_or_not_found(store_.find_cycle(id), "active-learning cycle", id);
}

domain::Cycle ActiveLearningService::get_cycle(const std::string& id) {
    std::vector<domain::Cycle> one{require_cycle(id)};
    fill_hits(require_model(one.front().model_id), one);
    return one.front();
}

std::vector<domain::Cycle> ActiveLearningService::list_cycles(const std::string& model_id) {
    const auto model = require_model(model_id);
    auto cycles = store_.list_cycles(model.lineage_id);
    fill_hits(model, cycles);
    return cycles;
}

void ActiveLearningService::fill_hits(const domain::Model& model,
                                      std::vector<domain::Cycle>& cycles) {
    if (!model.objective.active()) {
        for (auto& c : cycles) {
            c.hits_found.reset();
            c.hits_found_total.reset();
            c.expected_hits_remaining.reset();
        }
        return;
    }
    // One pass over the lineage's labels (a few per cycle), not over the pool.
    std::map<std::string, std::int64_t> by_cycle;
    std::map<std::int64_t, std::int64_t> by_number;
    for (const auto& l : store_.cycle_labels(model.lineage_id)) {
        if (is_hit(model.objective, l.label)) {
            ++by_cycle[l.cycle_id];
            ++by_number[l.cycle_number];
        }
    }
    for (auto& c : cycles) {
        const auto it = by_cycle.find(c.id);
        c.hits_found = it == by_cycle.end() ? 0 : it->second;
        std::int64_t total = 0;
        for (auto n = by_number.begin(); n != by_number.end() && n->first <= c.cycle_number; ++n) {
            total += n->second;
        }
        c.hits_found_total = total;
    }
}

} // namespace labelloop::service
