// Retrospective simulation: replays the active-learning loop on a data set whose labels are
// all known, through the same services as real cycles (import, model create, select, submit
// label, retrain) on a temporary SQLite file, with the data's own values as the oracle.
// Produces learning curves per strategy and seed and their summaries and, for a run with an
// objective, discovery curves: how many of the pool's hits each strategy found per label spent
// (service/simulation_discovery.hpp).
#pragma once

#include "labelloop/learning_curve.hpp"
#include "labelloop/objective.hpp"
#include "service/simulation_discovery.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace labelloop::service {

/// A simulation that cannot run as asked (bad column, strategy, sizes): the message says
/// what to change.
struct SimulationError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct SimulationOptions {
    std::string data_path;
    std::string smiles_column = "smiles";
    std::string target_column;
    std::string task = "regression"; // regression | classification
    /// Names from labelloop::all_strategies(), each optionally with a batch diversity rule
    /// ("uncertainty+maxmin", "greedy+tanimoto_cap").
    std::vector<std::string> strategies;
    std::int64_t batch = 0;
    std::int64_t cycles = 0;
    std::int64_t init = 0;
    /// When set, batch / init as a share of the pool (known once the validation set is
    /// drawn): init = round(share x pool), batch = ceil(share x pool). The result's options
    /// hold the numbers used.
    std::optional<double> batch_share;
    std::optional<double> init_share;
    std::int64_t seeds = 1;
    double validation_fraction = 0.2;
    /// random: validation and initial set drawn at random. scaffold: see simulation_split.hpp
    /// (validation scaffolds never in the pool; a share of the pool's scaffolds unseen by the
    /// initial set).
    std::string split = "random";
    /// Scaffold split: the share of pool compounds whose scaffold groups the initial set
    /// never touches.
    double held_out = 0.5;
    std::int64_t members = 20;
    std::optional<double> threshold; // margin / hybrid
    /// What discovery strategies rank toward and what counts as a hit (parse_objective_option).
    Objective objective;
    /// UCB's exploration weight (the core's default when unset). Must be >= 0.
    std::optional<double> beta;
    nlohmann::json params = nlohmann::json::object();      // extra ensemble parameters
    std::string db_path;                                   // "" = a temporary file
    std::function<void(const std::string&)> progress = {}; // one line per step
};

/// "maximize" / "maximise", "minimize" / "minimise", "window:LO:HI", "class:C", "none".
/// Throws SimulationError naming --objective and what is wrong.
Objective parse_objective_option(const std::string& text);

struct SimulationRun {
    std::string strategy;
    std::int64_t seed = 0;
    curve::Curve curve;
    std::vector<double> retrain_seconds;
    /// Hits found and expected per model version (empty without an objective).
    DiscoveryTrace discovery;
};

struct StrategySummary {
    std::string strategy;
    curve::MeanCurve mean;
    double area = 0.0;
    std::optional<double> area_ratio_vs_random;
    std::optional<double> labels_to_target;
    std::optional<curve::StopSuggestion> stop;
    double mean_retrain_seconds = 0.0;
    /// Per hit set (same order as SimulationResult::hit_sets); empty without an objective.
    std::vector<HitSetSummary> discovery;
};

struct SimulationResult {
    SimulationOptions options;
    std::string metric; // rmse | roc_auc
    bool higher_is_better = false;
    double full_pool_score = 0.0;
    double target = 0.0;
    std::int64_t n_rows = 0;      // data rows with a label
    std::int64_t n_compounds = 0; // after deduplication
    std::int64_t n_pool = 0;      // candidates (everything but validation)
    std::int64_t n_validation = 0;
    /// What counts as a hit in the pool (empty without an objective).
    std::vector<HitSet> hit_sets;
    std::vector<SimulationRun> runs;
    std::vector<StrategySummary> summaries;
    /// The split for peers (bench/suite): every compound with label, scaffold and role, the
    /// initial training set and (scaffold split) the held-out pool share per seed as indices
    /// into the pool compounds, the objective and the hit sets.
    nlohmann::json split;
};

/// Checks the options (throws SimulationError) and runs every strategy x seed.
SimulationResult run_simulation(const SimulationOptions& options);

/// The result files: simulation.json (curves, means, summaries: what Cycle History imports;
/// with an objective also "discovery"), curves.csv (strategy,seed,cycle,labels,metric,
/// uncertainty, then the means with seed "mean"), learning_curves.svg, and split.json (for
/// peer baselines). discovery_csv / discovery_svgs: see simulation_discovery.hpp.
nlohmann::json to_json(const SimulationResult& result);
std::string curves_csv(const SimulationResult& result);
std::string curves_svg(const SimulationResult& result);
/// "" without an objective.
std::string discovery_csv(const SimulationResult& result);
/// One plot per hit set: {file name, SVG}; empty without an objective.
std::vector<std::pair<std::string, std::string>> discovery_svgs(const SimulationResult& result);
/// The per-strategy report printed by the CLI.
std::string summary_text(const SimulationResult& result);

} // namespace labelloop::service
