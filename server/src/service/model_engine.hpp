// The seam between the services and the core's models: training, scoring, selection and
// similarity on encoded features and model artifacts. This header includes no core model
// headers (which pull in Eigen), so HTTP code may include the services freely.
#pragma once

#include "labelloop/fingerprint.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::service::engine {

struct TrainingRow {
    std::vector<std::uint8_t> features; // encode_features bytes
    double label = 0.0;
    std::string source = "experimental";
    std::string confidence = "high";
};

struct TrainResult {
    std::vector<std::uint8_t> artifact; // save_model bytes
    nlohmann::json metrics;             // on the validation set, plus calibration
    nlohmann::json params;              // as used (with the label weight table)
};

/// Fits the ensemble on `train` (label weights from source/confidence) and evaluates it on
/// `validation`. `params` may override n_members, member_type, max_depth, seed, ... Throws
/// std::invalid_argument with a message for bad data or parameters.
TrainResult train(const std::string& task, const std::vector<TrainingRow>& train,
                  const std::vector<TrainingRow>& validation, const nlohmann::json& params,
                  const std::function<void(double)>& progress);

/// Metrics of an existing artifact on rows (the "before" metrics of a retrain).
nlohmann::json evaluate(const std::vector<std::uint8_t>& artifact,
                        const std::vector<TrainingRow>& rows);

struct SelectionSpec {
    std::string strategy = "uncertainty";
    std::size_t batch_size = 10;
    std::optional<double> threshold;
    std::optional<nlohmann::json> weights;   // {"uncertainty","margin","applicability"}
    std::optional<nlohmann::json> diversity; // "none" | "maxmin" | {"kind":"tanimoto_cap","cap"}
    std::uint64_t seed = 42;
};

struct Scored {
    std::size_t index = 0; // position in the pool
    double prediction = 0.0;
    double uncertainty = 0.0;
    double applicability_distance = 0.0;
    bool in_domain = true;
    double priority_score = 0.0;
    std::size_t rank = 0;
};

struct Selection {
    std::vector<Scored> selected; // pick order
    std::vector<Scored> all;      // pool order
};

/// Scores `pool` with the model and selects a batch. Throws std::invalid_argument (e.g.
/// unknown strategy, margin without threshold) with the core's message.
Selection select(const std::string& model_id, const std::vector<std::uint8_t>& artifact,
                 const std::vector<std::vector<std::uint8_t>>& pool, const SelectionSpec& spec);

struct Neighbor {
    std::size_t index = 0;
    double similarity = 0.0;
};

/// The k most similar of `candidates` to `query` by Tanimoto on the Morgan bits.
std::vector<Neighbor> similar(const std::vector<std::uint8_t>& query,
                              const std::vector<std::vector<std::uint8_t>>& candidates,
                              std::size_t k, std::optional<std::size_t> exclude);

/// The database / download encoding of a compound's model features (Morgan bits plus the
/// model layout's descriptors picked by name). Throws std::invalid_argument naming a missing
/// or non-finite descriptor.
std::vector<std::uint8_t> encode_features(const Fingerprint& fingerprint,
                                          const std::map<std::string, double>& descriptors);

/// Throws std::invalid_argument unless `artifact` loads as a model.
void check_artifact(const std::vector<std::uint8_t>& artifact);

} // namespace labelloop::service::engine
