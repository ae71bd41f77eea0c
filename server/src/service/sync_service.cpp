#include "service/sync_service.hpp"

#include "labelloop/sync.hpp"
#include "labelloop/version.hpp"
#include "service/auth_service.hpp"
#include "service/errors.hpp"
#include "service/json_values.hpp"
#include "service/select_request.hpp"
#include "util/ids.hpp"

#include <set>

namespace labelloop::service {
namespace {

using json = nlohmann::json;

sync::ItemView view_of(const domain::QueueItem& q) {
    sync::ItemView v;
    v.status = q.status;
    v.version = q.version;
    v.assigned_to = q.assigned_to;
    v.labeled_by = q.labeled_by;
    v.label = q.label;
    return v;
}

std::int64_t int_field(const json& body, const char* name, std::int64_t fallback) {
    if (!body.contains(name) || body.at(name).is_null()) {
        return fallback;
    }
    if (!body.at(name).is_number_integer()) {
        fail(ErrorKind::BadRequest, std::string("'") + name + "' must be an integer.",
             {{"field", name}});
    }
    return body.at(name).get<std::int64_t>();
}

} // namespace

json to_json(const domain::LabelConflict& k) {
    return {{"id", k.id},
            {"item_id", k.item_id},
            {"op_id", k.op_id},
            {"user_id", k.user_id},
            {"user_name", opt(k.user_name)},
            {"label", k.label},
            {"source", k.source},
            {"confidence", k.confidence},
            {"notes", opt(k.notes)},
            {"reason", k.reason},
            {"status", k.status},
            {"resolution", opt(k.resolution)},
            {"resolved_by", opt(k.resolved_by)},
            {"resolved_at", opt(k.resolved_at)},
            {"created_at", k.created_at}};
}

json SyncService::sync(const domain::User& caller, const json& body) {
    if (!body.contains("protocol") || !body.at("protocol").is_number_integer()) {
        fail(ErrorKind::BadRequest,
             "A sync request needs the integer field 'protocol' (this server speaks " +
                 std::to_string(kSyncProtocolVersion) + ").",
             {{"field", "protocol"}, {"server_protocol", kSyncProtocolVersion}});
    }
    const auto protocol = body.at("protocol").get<std::int64_t>();
    if (protocol != kSyncProtocolVersion) {
        fail(ErrorKind::Conflict,
             "This app speaks sync protocol " + std::to_string(protocol) +
                 " but the server speaks " + std::to_string(kSyncProtocolVersion) +
                 ": reload the page to get the matching app. Your unsynced changes stay "
                 "saved in this browser.",
             {{"field", "protocol"},
              {"client_protocol", protocol},
              {"server_protocol", kSyncProtocolVersion}});
    }
    const std::int64_t cursor = int_field(body, "cursor", 0);
    if (cursor < 0) {
        fail(ErrorKind::InvalidValue, "'cursor' must not be negative.", {{"field", "cursor"}});
    }
    std::int64_t limit = int_field(body, "limit", kMaxChanges);
    if (limit < 1 || limit > kMaxChanges) {
        fail(ErrorKind::InvalidValue,
             "'limit' must be between 1 and " + std::to_string(kMaxChanges) + ".",
             {{"field", "limit"}});
    }
    json raw_ops = body.value("ops", json::array());
    if (!raw_ops.is_array()) {
        fail(ErrorKind::BadRequest, "'ops' must be an array of operations.", {{"field", "ops"}});
    }
    if (raw_ops.size() > kMaxOps) {
        fail(ErrorKind::PayloadTooLarge,
             "A sync carries at most " + std::to_string(kMaxOps) + " operations (this one has " +
                 std::to_string(raw_ops.size()) + "); send the rest in the next sync.",
             {{"field", "ops"}, {"max", kMaxOps}});
    }

    // Parse and check everything before changing anything.
    std::vector<sync::Op> ops;
    std::set<std::string> ids;
    for (std::size_t i = 0; i < raw_ops.size(); ++i) {
        try {
            ops.push_back(sync::parse_op(raw_ops[i]));
        } catch (const sync::SyncError& e) {
            fail(ErrorKind::BadRequest, "Operation " + std::to_string(i) + ": " + e.what() + ".",
                 {{"field", "ops"}, {"index", i}});
        }
        if (ops.back().user_id != caller.id) {
            const auto author = store_.find_user(ops.back().user_id);
            const std::string who = author ? author->name : "another user";
            fail(ErrorKind::Forbidden,
                 "Operation " + std::to_string(i) + " was made by " + who +
                     "; you are signed in as " + caller.name +
                     " and may only sync your own "
                     "changes.",
                 {{"field", "ops"}, {"index", i}});
        }
        if (!ids.insert(ops.back().op_id).second) {
            fail(ErrorKind::BadRequest,
                 "Operation " + std::to_string(i) + " repeats op_id " + ops.back().op_id + ".",
                 {{"field", "ops"}, {"index", i}});
        }
    }

    json results = json::array();
    store_.transaction([&] {
        for (const auto& op : ops) {
            if (auto seen = store_.find_sync_op(op.op_id)) {
                if (seen->user_id != caller.id) {
                    fail(ErrorKind::Forbidden,
                         "Operation " + op.op_id + " belongs to another user.",
                         {{"op_id", op.op_id}});
                }
                json stored = json::parse(seen->result_json, nullptr, false);
                if (!stored.is_object()) {
                    stored = json{{"op_id", op.op_id}, {"outcome", seen->outcome}};
                }
                stored["duplicate"] = true;
                results.push_back(stored);
                continue;
            }
            sync::OpResult result;
            result.op_id = op.op_id;
            const auto item =
                op.kind == sync::OpKind::Select ? std::nullopt : store_.find_queue_item(op.item_id);
            if (op.kind == sync::OpKind::Select) {
                apply_selection(caller, op, result);
            } else if (!item) {
                result.outcome = sync::Outcome::Rejected;
                result.reason = "unknown_item";
                result.message = "There is no queue item with id " + op.item_id + ".";
            } else {
                const auto decision = sync::decide(view_of(*item), op, caller.role == "admin");
                result.outcome = decision.outcome;
                result.reason = decision.reason;
                result.message = decision.message;
                if (decision.outcome == sync::Outcome::Applied) {
                    // Every check submit_label/skip can fail comes before their first write,
                    // so a refusal here leaves nothing half-done in the transaction.
                    try {
                        if (op.kind == sync::OpKind::Label) {
                            LabelInput input;
                            input.label = op.label;
                            input.source = op.source;
                            input.confidence = op.confidence;
                            input.notes = op.notes;
                            input.reopen_skipped = true;
                            al_.submit_label(caller, op.item_id, input);
                        } else {
                            al_.skip(caller, op.item_id, op.notes);
                        }
                    } catch (const ServiceError& e) {
                        result.outcome = sync::Outcome::Rejected;
                        result.reason = error_code(e.kind());
                        result.message = e.what();
                    }
                } else if (decision.outcome == sync::Outcome::Conflict) {
                    domain::LabelConflict k;
                    k.id = util::new_uuid();
                    k.item_id = op.item_id;
                    k.op_id = op.op_id;
                    k.user_id = caller.id;
                    k.label = op.label;
                    k.source = op.source;
                    k.confidence = op.confidence;
                    k.notes = op.notes;
                    k.reason = decision.reason;
                    k.created_at = util::utc_now();
                    store_.insert_conflict(k);
                    store_.insert_audit({0, caller.id, "sync_conflict", "queue_item", op.item_id,
                                         std::nullopt, to_json(k).dump(), k.created_at});
                    result.conflict_id = k.id;
                }
            }
            const json j = sync::to_json(result);
            store_.insert_sync_op({op.op_id, caller.id, op.item_id, sync::kind_name(op.kind),
                                   sync::outcome_name(result.outcome), j.dump(), util::utc_now()});
            results.push_back(j);
        }
    });

    json changes = json::array();
    std::int64_t next_cursor = cursor;
    const auto changed = store_.queue_changes_since(cursor, limit);
    for (const auto& q : changed) {
        changes.push_back(to_json(q));
        next_cursor = q.change_seq;
    }
    json conflicts = json::array();
    for (const auto& k : list_conflicts(caller, "open")) {
        conflicts.push_back(to_json(k));
    }
    return {{"protocol", kSyncProtocolVersion},
            {"results", results},
            {"changes", changes},
            {"cursor", next_cursor},
            {"more", static_cast<std::int64_t>(changed.size()) == limit},
            {"conflicts", conflicts},
            {"server_time", util::utc_now()}};
}

void SyncService::apply_selection(const domain::User& caller, const sync::Op& op,
                                  sync::OpResult& result) {
    const auto decision = sync::decide_select(op, caller.role == "admin");
    result.outcome = decision.outcome;
    result.reason = decision.reason;
    result.message = decision.message;
    if (decision.outcome != sync::Outcome::Applied) {
        return;
    }
    // Every refusal select_samples can raise comes before its first write.
    try {
        SelectRequest req = parse_select_request(op.selection);
        req.preview = false;
        if (auto model = store_.find_model(req.model_id); model && model->status != "active") {
            if (auto active = store_.active_model(model->lineage_id)) {
                req.model_id = active->id; // retrained meanwhile: score with the new version
            }
        }
        const auto selected = al_.select_samples(caller, req);
        result.message = "Added " + std::to_string(selected.added) + " compounds to the queue" +
                         (selected.duplicates > 0
                              ? " (" + std::to_string(selected.duplicates) + " already queued)"
                              : "") +
                         ".";
    } catch (const ServiceError& e) {
        result.outcome = sync::Outcome::Rejected;
        result.reason = error_code(e.kind());
        result.message = e.what();
    }
}

std::vector<domain::LabelConflict> SyncService::list_conflicts(const domain::User& caller,
                                                               const std::string& status) {
    if (status != "" && status != "open" && status != "resolved") {
        fail(ErrorKind::InvalidValue, "Unknown status '" + status + "': use open or resolved.",
             {{"field", "status"}});
    }
    return store_.list_conflicts(status, caller.role == "admin" ? "" : caller.id);
}

domain::LabelConflict SyncService::resolve(const domain::User& caller,
                                           const std::string& conflict_id,
                                           const std::string& resolution) {
    require_admin(caller, "resolve label conflicts");
    if (resolution != "accept_existing" && resolution != "accept_incoming" &&
        resolution != "keep_both") {
        fail(ErrorKind::InvalidValue,
             "Unknown resolution '" + resolution +
                 "': use accept_existing, accept_incoming or keep_both.",
             {{"field", "resolution"}});
    }
    domain::LabelConflict k;
    store_.transaction([&] {
        k = found_or_not_found(store_.find_conflict(conflict_id), "label conflict", conflict_id);
        if (k.status != "open") {
            fail(ErrorKind::Conflict,
                 "Conflict " + conflict_id + " was already resolved (" +
                     k.resolution.value_or("?") + ").",
                 {{"conflict_id", conflict_id}});
        }
        auto item = store_.find_queue_item(k.item_id);
        if (!item) {
            fail(ErrorKind::NotFound, "The conflict's queue item " + k.item_id + " is gone.");
        }
        const std::string now = util::utc_now();
        const auto before = *item;
        const bool has_label = item->status == "labeled" || item->status == "archived";
        const auto lineage = [&] {
            auto model = store_.find_model(item->model_id);
            return model ? model->lineage_id : std::string();
        };
        if (resolution == "accept_incoming" || (resolution == "keep_both" && !has_label)) {
            if (item->status == "archived") {
                // The old label already trained a version: the incoming one replaces it in the
                // training set from the next retrain on.
                store_.update_member_label(lineage(), item->compound_id, k.label);
            } else {
                if (!has_label && item->cycle_id) {
                    if (auto cycle = store_.find_cycle(*item->cycle_id)) {
                        ++cycle->items_labeled;
                        if (item->status == "skipped" && cycle->items_skipped > 0) {
                            --cycle->items_skipped;
                        }
                        store_.update_cycle(*cycle);
                    }
                }
                item->status = "labeled";
            }
            item->label = k.label;
            item->label_source = k.source;
            item->label_confidence = k.confidence;
            item->labeled_by = k.user_id;
            item->labeled_at = now;
            if (k.notes) {
                item->notes = k.notes;
            }
        } else if (resolution == "keep_both") {
            store_.insert_replicate(k.item_id, k.id, k.label, k.user_id, now);
            if (item->status == "archived") {
                double sum = item->label.value_or(0.0);
                const auto replicates = store_.replicate_labels(k.item_id);
                for (double r : replicates) {
                    sum += r;
                }
                store_.update_member_label(lineage(), item->compound_id,
                                           sum / static_cast<double>(replicates.size() + 1));
            }
        }
        if (resolution != "accept_existing") {
            item->updated_at = now;
            item->version += 1;
            store_.update_queue_item(*item); // also tells every browser through its cursor
        }
        k.status = "resolved";
        k.resolution = resolution;
        k.resolved_by = caller.id;
        k.resolved_at = now;
        store_.update_conflict(k);
        store_.insert_audit(
            {0, caller.id, "resolve_conflict", "queue_item", k.item_id,
             json{{"label", opt(before.label)}}.dump(),
             json{{"label", opt(item->label)}, {"conflict_id", k.id}, {"resolution", resolution}}
                 .dump(),
             now});
    });
    return k;
}

} // namespace labelloop::service
