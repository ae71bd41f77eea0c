// The seam between the services and the core's models: training, scoring, selection and
// similarity on encoded features and model artifacts. This header includes no core model
// headers (which pull in Eigen), so HTTP code may include the services freely.
#pragma once

#include "labelloop/ensemble.hpp"
#include "labelloop/fingerprint.hpp"
#include "labelloop/mol_graph.hpp"
#include "labelloop/objective.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace labelloop::service::engine {

struct TrainingRow {
    std::vector<std::uint8_t> features; // encode_features bytes
    double label = 0.0;
    std::string source = "experimental";
    std::string confidence = "high";
    /// The compound's structure: an mpnn model builds its molecule graph from it.
    std::string smiles = {};
};

struct TrainResult {
    std::vector<std::uint8_t> artifact; // save_model bytes
    nlohmann::json metrics;             // on the validation set, plus calibration
    nlohmann::json params;              // as used (with the label weight table)
};

/// Fits the ensemble on `train` (label weights from source/confidence) and evaluates it on
/// `validation`. `params` may override n_members, member_type, max_depth, seed, ... The
/// artifact carries `objective`, so the browser ranks toward the same goal. Throws
/// std::invalid_argument with a message for bad data or parameters.
///
/// Network models (member_type "mpnn") read each compound's molecule graph, built from its
/// SMILES (RDKit, cached by SMILES). A compound whose graph is refused (e.g. more heavy atoms
/// than the graph allows) is left out of training, validation metrics and scoring, and counted:
/// metrics["graph_refused"] = {"train", "validation", "example"}; Selection::graph_refused.
TrainResult train(const std::string& task, const std::vector<TrainingRow>& train,
                  const std::vector<TrainingRow>& validation, const nlohmann::json& params,
                  const ProgressCallback& progress, const Objective& objective = {});

/// One line for a fit's progress: "3 of 5 networks done, network 4 at epoch 12/40, loss 0.213
/// (inner 0.305)", or for trees "40 of 100 members" (retrain jobs, CLI model create).
std::string describe_progress(const FitProgress& p);

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
    /// Discovery strategies: the model's objective, UCB's beta, and the best training label
    /// so far (raw value; EI / PI on maximize / minimize improve on it).
    Objective objective;
    double beta = 2.0;
    std::optional<double> best_label;
};

/// A selection the core refused, with the request field it concerns ("strategy", "beta",
/// "threshold", "weights", "diversity", "batch_size" or "pool").
class SelectionRefused : public std::invalid_argument {
public:
    SelectionRefused(std::string field, const std::string& message)
        : std::invalid_argument(message), field_(std::move(field)) {}
    const std::string& field() const { return field_; }

private:
    std::string field_;
};

struct StrategyInfo {
    std::string name;        // as the API takes it ("ucb")
    std::string description; // one line (the core's describe())
    bool discovery = false;  // ranks toward the objective; refuses a model without one
};
/// Every strategy the core knows, in the order the UI and the API list them.
std::vector<StrategyInfo> strategies();

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
    std::vector<Scored> all;      // pool order (without compounds left out, see graph_refused)
    /// Pool compounds an mpnn model could not score (no molecule graph): left out of `all`.
    std::size_t graph_refused = 0;
};

/// Scores `pool` with the model and selects a batch. Throws SelectionRefused (e.g. unknown
/// strategy, margin without threshold, thompson on a one-member model) with the core's
/// message and the field it concerns.
/// `smiles` (one per pool compound) is needed for an mpnn model and ignored otherwise.
Selection select(const std::string& model_id, const std::vector<std::uint8_t>& artifact,
                 const std::vector<std::vector<std::uint8_t>>& pool, const SelectionSpec& spec,
                 const std::vector<std::string>& smiles = {});

/// The number of hits the model expects among `pool`: the sum of P(hit) under its
/// calibrated predictive distribution (0 for an objective without a hit definition).
/// `smiles` as for select (compounds without a graph count 0).
double expected_hits(const std::string& model_id, const std::vector<std::uint8_t>& artifact,
                     const Objective& objective, const std::vector<std::vector<std::uint8_t>>& pool,
                     const std::vector<std::string>& smiles = {});

/// Whether the model's members read molecule graphs (member type "mpnn").
bool needs_graphs(const std::string& model_id, const std::vector<std::uint8_t>& artifact);

/// The molecule graph of `smiles` (cached), or null when RDKit or the graph builder refuses
/// it; `why` (if given) then gets the reason.
std::shared_ptr<const MolGraph> molecule_graph(const std::string& smiles,
                                               std::string* why = nullptr);

/// The number of members of the model's ensemble.
std::size_t member_count(const std::string& model_id, const std::vector<std::uint8_t>& artifact);

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
