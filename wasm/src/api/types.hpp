// What the app knows of the server's records, parsed from the /api/v1 JSON (docs/API.md).
// Parsing is tolerant of nulls and missing fields: the UI shows "-" rather than failing.
#pragma once

#include "labelloop/objective.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::app {

using json = nlohmann::json;

struct User {
    std::string id;
    std::string name;
    std::string role; // admin | scientist
    bool is_admin() const { return role == "admin"; }
};

struct QueueItem {
    std::string id;
    std::string compound_id;
    std::string model_id;
    std::string smiles;
    std::string compound_name;
    std::optional<double> prediction;
    std::optional<double> uncertainty;
    std::optional<double> applicability_distance;
    bool in_domain = true;
    std::string selection_strategy;
    std::string selection_batch;
    double priority_score = 0.0;
    std::string status; // pending | in_progress | labeled | skipped | archived
    std::string assigned_to;
    std::string assigned_to_name;
    std::optional<double> label;
    std::string label_source;
    std::string label_confidence;
    std::string labeled_by;
    std::string labeled_by_name;
    std::string labeled_at;
    std::string notes;
    std::string created_at;
    std::int64_t version = 0;
    bool local_change = false; // shows a change of this browser that waits to sync

    bool is_open() const { return status == "pending" || status == "in_progress"; }
};

struct ModelInfo {
    std::string id;
    std::string lineage_id;
    std::string name;
    std::string property;
    std::string task; // regression | classification
    std::int64_t version = 0;
    std::string status;
    json metrics = json::object();
    std::int64_t n_train = 0;
    std::int64_t n_validation = 0;
    std::string created_at;
    /// What its discovery strategies rank toward; kind None for a model made without one
    /// (or by a server that predates objectives).
    Objective objective;
    /// The server's words for it ("window [1, 3]"); describe(objective) when it sent none.
    std::string objective_text;
    bool is_classification() const { return task == "classification"; }
    bool has_objective() const { return objective.active(); }
};

struct Cycle {
    std::string id;
    std::string model_id;
    std::int64_t cycle_number = 0;
    std::string selection_strategy;
    std::int64_t batch_size = 0;
    std::string status; // selecting | labeling | training | complete
    json metrics_before = json::object();
    json metrics_after = json::object();
    std::int64_t items_selected = 0;
    std::int64_t items_labeled = 0;
    std::int64_t items_skipped = 0;
    /// Objective models only (absent otherwise): hits among this cycle's labels, hits among
    /// all labels so far, and the sum of P(hit) over the compounds still unlabeled.
    std::optional<double> hits_found;
    std::optional<double> hits_found_total;
    std::optional<double> expected_hits_remaining;
    std::string started_at;
    std::string completed_at;
};

struct Job {
    std::string id;
    std::string status; // queued | running | succeeded | failed
    double progress = 0.0;
    std::string message;
    std::string error;
    json result = json::object();
    bool finished() const {
        return status == "succeeded" || status == "failed" || status == "complete";
    }
};

/// A labeled compound of a model's training set (for similar-compound search).
struct TrainingCompound {
    std::string compound_id;
    std::string smiles;
    std::string name;
    double label = 0.0;
    std::vector<std::uint8_t> features; // encode_features() bytes
};

QueueItem parse_queue_item(const json& j);
ModelInfo parse_model(const json& j);
/// {"kind", "lo", "hi", "class", "hit_threshold"}; kind none for anything unreadable.
Objective parse_objective(const json& j);
/// The same shape, for POST /api/v1/models.
json objective_json(const Objective& objective);
/// "maximize (hit >= -1.5)" for the header, or "" for a model without objective.
std::string objective_label(const ModelInfo& model);
Cycle parse_cycle(const json& j);
Job parse_job(const json& j);
User parse_user(const json& j);

/// The server's error message in words ({"error":{"message"}}), or a description of the
/// transport failure, for showing to a scientist.
std::string describe_error(int status, const std::string& body, const std::string& transport_error);

} // namespace labelloop::app
