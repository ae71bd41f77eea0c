#include "labelloop/sync.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace labelloop::sync {
namespace {

using json = nlohmann::json;

const json& field(const json& j, const char* name) {
    if (!j.is_object() || !j.contains(name)) {
        throw SyncError(std::string("the op has no '") + name + "' field");
    }
    return j.at(name);
}

std::string string_field(const json& j, const char* name) {
    const json& v = field(j, name);
    if (!v.is_string()) {
        throw SyncError(std::string("'") + name + "' must be a string");
    }
    return v.get<std::string>();
}

bool looks_like_uuid(const std::string& s) {
    if (s.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : std::isxdigit(static_cast<unsigned char>(s[i])) == 0) {
            return false;
        }
    }
    return true;
}

bool is_open(const std::string& status) {
    return status == "pending" || status == "in_progress";
}

void validate(const Op& op) {
    if (!looks_like_uuid(op.op_id)) {
        throw SyncError("'op_id' must be a UUID (client-generated, unique per change)");
    }
    if (op.item_id.empty() || op.item_id.size() > 64) {
        throw SyncError("'item_id' must be a queue item id");
    }
    if (op.user_id.empty()) {
        throw SyncError("'user_id' must name the user who made the change");
    }
    if (op.base_version < 0) {
        throw SyncError("'base_version' must not be negative");
    }
    if (op.notes && op.notes->size() > 4000) {
        throw SyncError("'notes' is longer than 4000 characters");
    }
    if (op.kind == OpKind::Select) {
        if (op.item_id != op.op_id) {
            throw SyncError("'item_id' of a select op must be its op_id");
        }
        if (!op.selection.is_object() || !op.selection.contains("model_id") ||
            !op.selection.at("model_id").is_string()) {
            throw SyncError("'selection' must be an object with the string field 'model_id'");
        }
        if (!op.selection.contains("pool") || !op.selection.at("pool").is_object()) {
            throw SyncError("'selection' must carry the chosen compounds in 'pool'");
        }
    }
    if (op.kind == OpKind::Label) {
        if (!std::isfinite(op.label)) {
            throw SyncError("'label' must be a finite number");
        }
        if (op.source != "experimental" && op.source != "literature" &&
            op.source != "expert_estimate") {
            throw SyncError("unknown 'source' '" + op.source +
                            "': use experimental, literature or expert_estimate");
        }
        if (op.confidence != "high" && op.confidence != "medium" && op.confidence != "low") {
            throw SyncError("unknown 'confidence' '" + op.confidence +
                            "': use high, medium or low");
        }
    }
}

Decision make(Outcome outcome, std::string reason, std::string message) {
    return Decision{outcome, std::move(reason), std::move(message)};
}

} // namespace

const char* kind_name(OpKind kind) {
    switch (kind) {
    case OpKind::Label:
        return "label";
    case OpKind::Skip:
        return "skip";
    case OpKind::Select:
        return "select";
    }
    return "label";
}

const char* outcome_name(Outcome outcome) {
    switch (outcome) {
    case Outcome::Applied:
        return "applied";
    case Outcome::Superseded:
        return "superseded";
    case Outcome::Conflict:
        return "conflict";
    case Outcome::Rejected:
        return "rejected";
    }
    return "rejected";
}

json to_json(const Op& op) {
    json j = {{"op_id", op.op_id},     {"kind", kind_name(op.kind)},
              {"item_id", op.item_id}, {"base_version", op.base_version},
              {"user_id", op.user_id}, {"created_at", op.created_at}};
    if (op.kind == OpKind::Label) {
        j["label"] = op.label;
        j["source"] = op.source;
        j["confidence"] = op.confidence;
    }
    if (op.kind == OpKind::Select) {
        j["selection"] = op.selection;
    }
    j["notes"] = op.notes ? json(*op.notes) : json(nullptr);
    return j;
}

Op parse_op(const json& j) {
    if (!j.is_object()) {
        throw SyncError("an op must be a JSON object");
    }
    Op op;
    op.op_id = string_field(j, "op_id");
    const std::string kind = string_field(j, "kind");
    if (kind == "label") {
        op.kind = OpKind::Label;
    } else if (kind == "skip") {
        op.kind = OpKind::Skip;
    } else if (kind == "select") {
        op.kind = OpKind::Select;
    } else {
        throw SyncError("unknown op 'kind' '" + kind + "': use label, skip or select");
    }
    op.item_id = string_field(j, "item_id");
    const json& base = field(j, "base_version");
    if (!base.is_number_integer()) {
        throw SyncError("'base_version' must be an integer");
    }
    op.base_version = base.get<std::int64_t>();
    op.user_id = string_field(j, "user_id");
    if (j.contains("created_at") && !j.at("created_at").is_null()) {
        op.created_at = string_field(j, "created_at");
    }
    if (j.contains("notes") && !j.at("notes").is_null()) {
        op.notes = string_field(j, "notes");
    }
    if (op.kind == OpKind::Select) {
        op.selection = field(j, "selection");
    }
    if (op.kind == OpKind::Label) {
        const json& label = field(j, "label");
        if (!label.is_number()) {
            throw SyncError("'label' must be a number");
        }
        op.label = label.get<double>();
        if (j.contains("source")) {
            op.source = string_field(j, "source");
        }
        if (j.contains("confidence")) {
            op.confidence = string_field(j, "confidence");
        }
    }
    validate(op);
    return op;
}

Decision decide_select(const Op& op, bool caller_is_admin) {
    if (op.kind != OpKind::Select) {
        return make(Outcome::Rejected, "not_a_selection", "The op is not a selection.");
    }
    if (!caller_is_admin) {
        return make(Outcome::Rejected, "admins_only",
                    "Only an admin may add compounds to the queue; the selection was not added.");
    }
    return make(Outcome::Applied, "", "Selection added to the queue.");
}

Decision decide(const ItemView& item, const Op& op, bool caller_is_admin) {
    if (op.kind == OpKind::Select) {
        return decide_select(op, caller_is_admin);
    }
    const bool someone_elses =
        item.assigned_to && *item.assigned_to != op.user_id && !caller_is_admin;
    if (op.kind == OpKind::Skip) {
        if (!is_open(item.status)) {
            return make(Outcome::Superseded, "not_open",
                        "The item was already " + item.status + "; the skip changed nothing.");
        }
        if (someone_elses) {
            return make(Outcome::Superseded, "assigned_to_other",
                        "The item was given to another scientist; the skip changed nothing.");
        }
        return make(Outcome::Applied, "", "Skipped.");
    }

    if (is_open(item.status)) {
        if (someone_elses) {
            return make(Outcome::Conflict, "assigned_to_other",
                        "The item was assigned to another scientist meanwhile; your label is "
                        "kept as a conflict for an admin to resolve.");
        }
        return make(Outcome::Applied, "", "Labeled.");
    }
    if (item.status == "skipped") {
        if (someone_elses) {
            return make(Outcome::Conflict, "assigned_to_other",
                        "The item was assigned to another scientist meanwhile; your label is "
                        "kept as a conflict for an admin to resolve.");
        }
        // A measurement is worth more than a skip: the label reopens the item.
        return make(Outcome::Applied, "", "Labeled (the item had been skipped).");
    }
    if (item.status == "labeled" || item.status == "archived") {
        const bool same = item.labeled_by && *item.labeled_by == op.user_id && item.label &&
                          *item.label == op.label;
        if (same) {
            return make(Outcome::Superseded, "already_labeled",
                        "The item already carries this label.");
        }
        if (item.status == "archived") {
            return make(Outcome::Conflict, "archived",
                        "A retrain used another label for this item meanwhile; your label is "
                        "kept as a conflict for an admin to resolve.");
        }
        const bool by_other = !item.labeled_by || *item.labeled_by != op.user_id;
        return make(Outcome::Conflict, by_other ? "labeled_by_other" : "labeled_differently",
                    by_other ? "Someone else labeled this item meanwhile; your label is kept as "
                               "a conflict for an admin to resolve."
                             : "You labeled this item with another value elsewhere; this label "
                               "is kept as a conflict for an admin to resolve.");
    }
    return make(Outcome::Rejected, "unknown_status",
                "The item is in an unknown state '" + item.status + "'.");
}

json to_json(const OpResult& r) {
    return {{"op_id", r.op_id},
            {"outcome", outcome_name(r.outcome)},
            {"reason", r.reason},
            {"message", r.message},
            {"duplicate", r.duplicate},
            {"conflict_id", r.conflict_id ? json(*r.conflict_id) : json(nullptr)}};
}

OpResult parse_op_result(const json& j) {
    OpResult r;
    r.op_id = string_field(j, "op_id");
    const std::string outcome = string_field(j, "outcome");
    if (outcome == "applied") {
        r.outcome = Outcome::Applied;
    } else if (outcome == "superseded") {
        r.outcome = Outcome::Superseded;
    } else if (outcome == "conflict") {
        r.outcome = Outcome::Conflict;
    } else if (outcome == "rejected") {
        r.outcome = Outcome::Rejected;
    } else {
        throw SyncError("unknown outcome '" + outcome + "'");
    }
    r.reason = j.value("reason", "");
    r.message = j.value("message", "");
    r.duplicate = j.value("duplicate", false);
    if (j.contains("conflict_id") && j.at("conflict_id").is_string()) {
        r.conflict_id = j.at("conflict_id").get<std::string>();
    }
    return r;
}

void OpLog::add(const Op& op) {
    validate(op);
    for (const auto& existing : ops_) {
        if (existing.op_id == op.op_id) {
            throw SyncError("op " + op.op_id + " is already in the log");
        }
        if (existing.item_id == op.item_id) {
            throw SyncError("item " + op.item_id +
                            " already has a change waiting to sync; sync before changing it "
                            "again");
        }
    }
    ops_.push_back(op);
}

const Op* OpLog::find_for_item(const std::string& item_id) const {
    for (const auto& op : ops_) {
        if (op.item_id == item_id) {
            return &op;
        }
    }
    return nullptr;
}

std::vector<Op> OpLog::batch(std::size_t max_ops) const {
    return {ops_.begin(),
            ops_.begin() + static_cast<std::ptrdiff_t>(std::min(max_ops, ops_.size()))};
}

std::size_t OpLog::acknowledge(const std::vector<OpResult>& results) {
    const std::size_t before = ops_.size();
    ops_.erase(std::remove_if(ops_.begin(), ops_.end(),
                              [&](const Op& op) {
                                  return std::any_of(
                                      results.begin(), results.end(),
                                      [&](const OpResult& r) { return r.op_id == op.op_id; });
                              }),
               ops_.end());
    return before - ops_.size();
}

json OpLog::to_json() const {
    json list = json::array();
    for (const auto& op : ops_) {
        list.push_back(sync::to_json(op));
    }
    return {{"format", 1}, {"ops", list}};
}

OpLog OpLog::from_json(const json& j) {
    if (!j.is_object() || !j.contains("format") || !j.at("format").is_number_integer() ||
        j.at("format").get<std::int64_t>() != 1 || !j.contains("ops") || !j.at("ops").is_array()) {
        throw SyncError("the stored op log is not in format 1");
    }
    OpLog log;
    for (const auto& op : j.at("ops")) {
        log.add(parse_op(op));
    }
    return log;
}

ItemView apply_local(const ItemView& server_view, const Op& op) {
    ItemView v = server_view;
    if (op.kind == OpKind::Select) {
        return v; // a selection adds items; it changes none
    }
    if (op.kind == OpKind::Label) {
        v.status = "labeled";
        v.label = op.label;
        v.labeled_by = op.user_id;
    } else if (is_open(v.status)) {
        v.status = "skipped";
    }
    return v;
}

} // namespace labelloop::sync
