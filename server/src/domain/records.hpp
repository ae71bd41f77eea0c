// The server's persistent records, as the store reads and writes them. Plain values with no
// behaviour: the service applies the rules, the store maps them to SQL, the routes to JSON.
#pragma once

#include "labelloop/objective.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::domain {

struct User {
    std::string id;
    std::string name;
    std::string role; // "admin" | "scientist"
    std::string created_at;
};

struct ApiToken {
    std::string id;
    std::string user_id;
    std::string label;
    std::string created_at;
    std::optional<std::string> revoked_at;
};

struct Compound {
    std::string id;
    std::string smiles;
    std::string inchikey;
    std::optional<std::string> name;
    std::optional<std::string> external_id;
    std::string scaffold;
    std::vector<std::uint8_t> features; // encode_features() bytes
    std::string properties_json = "{}";
    std::string created_at;
};

/// A compound with a label value, as used for training, validation and export.
struct LabeledCompound {
    std::string compound_id;
    std::string smiles;
    std::optional<std::string> name;
    std::string scaffold;
    std::vector<std::uint8_t> features;
    double label = 0.0;
    std::string source = "experimental";
    std::string confidence = "high";
    std::string role;               // "train" | "validation" ("" for imported labels)
    std::int64_t added_version = 0; // the model version that first trained on it
};

struct Model {
    std::string id;
    std::string lineage_id;
    std::string name;
    std::string property;
    std::string task; // "regression" | "classification"
    std::int64_t version = 1;
    std::string status; // training | active | superseded | failed
    std::optional<std::string> parent_id;
    std::string params_json = "{}";
    std::string metrics_json = "{}";
    std::int64_t n_train = 0;
    std::int64_t n_validation = 0;
    std::string created_at;
    /// What discovery strategies rank toward; every version of a lineage has the same one.
    Objective objective;
};

struct QueueItem {
    std::string id;
    std::string compound_id;
    std::string model_id;
    std::optional<std::string> cycle_id;
    std::string smiles;                       // joined from compounds
    std::optional<std::string> compound_name; // joined from compounds
    std::optional<double> prediction;
    std::optional<double> uncertainty;
    std::optional<double> applicability_distance;
    std::optional<bool> in_domain;
    std::string selection_strategy;
    std::int64_t selection_batch = 0;
    std::optional<double> priority_score;
    std::string status = "pending";
    std::optional<std::string> assigned_to;
    std::optional<std::string> assigned_to_name; // joined from users
    std::optional<std::string> assigned_at;
    std::optional<double> label;
    std::optional<std::string> label_source;
    std::optional<std::string> label_confidence;
    std::optional<std::string> labeled_at;
    std::optional<std::string> labeled_by;
    std::optional<std::string> labeled_by_name; // joined from users
    std::optional<std::string> notes;
    std::string created_at;
    std::string updated_at;
    std::int64_t version = 1;
    std::int64_t change_seq = 0; // server-wide order of the last change (sync cursor)
};

/// A label that could not be applied during a sync (someone else labeled the item first, a
/// retrain archived it, it was given to another scientist). Kept until an admin resolves it.
struct LabelConflict {
    std::string id;
    std::string item_id;
    std::string op_id;
    std::string user_id;
    std::optional<std::string> user_name; // joined from users
    double label = 0.0;
    std::string source = "experimental";
    std::string confidence = "high";
    std::optional<std::string> notes;
    std::string reason; // labeled_by_other | labeled_differently | archived | assigned_to_other
    std::string status = "open";           // open | resolved
    std::optional<std::string> resolution; // accept_existing | accept_incoming | keep_both
    std::optional<std::string> resolved_by;
    std::optional<std::string> resolved_at;
    std::string created_at;
};

/// The stored answer to one sync op, so a replayed op gets the same answer and no change.
struct SyncOpRecord {
    std::string op_id;
    std::string user_id;
    std::string item_id;
    std::string kind;
    std::string outcome;
    std::string result_json;
    std::string applied_at;
};

struct QueueFilter {
    std::optional<std::string> status;
    std::optional<std::string> assigned_to; // a user id, or "none" for unassigned
    std::optional<std::string> model_id;
    std::optional<std::string> cycle_id;
    std::int64_t limit = 50;
    std::int64_t offset = 0;
    /// "priority" (highest first, default), "created", "updated".
    std::string sort = "priority";
};

struct Cycle {
    std::string id;
    std::string model_id;
    std::int64_t cycle_number = 0;
    std::string selection_strategy;
    std::int64_t batch_size = 0;
    std::string status; // selecting | labeling | training | complete
    std::optional<std::string> metrics_before_json;
    std::optional<std::string> metrics_after_json;
    std::int64_t items_selected = 0;
    std::int64_t items_labeled = 0;
    std::int64_t items_skipped = 0;
    std::optional<std::string> new_model_id;
    std::string started_at;
    std::optional<std::string> completed_at;
    /// Stored: sum of P(hit) over the lineage's unlabelled compounds under the model current
    /// at the end of the cycle (none without an objective).
    std::optional<double> expected_hits_remaining;
    /// Computed on read by the service from the lineage's labels (none without an
    /// objective): hits among this cycle's labels, and among the labels of every cycle up
    /// to and including this one.
    std::optional<std::int64_t> hits_found;
    std::optional<std::int64_t> hits_found_total;
};

/// One measured label of a cycle's queue item.
struct CycleLabel {
    std::string cycle_id;
    std::int64_t cycle_number = 0;
    double label = 0.0;
};

struct Job {
    std::string id;
    std::string kind;              // "retrain"
    std::string status = "queued"; // queued | running | succeeded | failed
    double progress = 0.0;
    std::string message;
    std::optional<std::string> error;
    std::optional<std::string> result_json;
    std::optional<std::string> cycle_id;
    std::optional<std::string> created_by;
    std::string created_at;
    std::optional<std::string> started_at;
    std::optional<std::string> finished_at;
    /// The server process running it (host:pid:instance), and when it last said it was alive.
    std::optional<std::string> claimed_by;
    std::optional<std::string> heartbeat_at;
};

struct AuditEntry {
    std::int64_t id = 0;
    std::optional<std::string> user_id;
    std::string action;
    std::string entity_type;
    std::string entity_id;
    std::optional<std::string> old_value_json;
    std::optional<std::string> new_value_json;
    std::string at;
};

} // namespace labelloop::domain
