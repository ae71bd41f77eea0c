// Active-learning selection: which unlabeled compounds to send to the chemist next. Each
// strategy scores every pool compound (priority_score, higher = more wanted), ranks them, and
// picks a batch, optionally spread out so a batch is not a set of near-duplicates.
#pragma once

#include "labelloop/ensemble.hpp"
#include "labelloop/features.hpp"
#include "labelloop/objective.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace labelloop {

/// Model improvement (a better model everywhere): uncertainty, margin, entropy, hybrid,
/// density, cluster. Discovery (find the compounds that meet the model's objective with the
/// fewest measurements): greedy, ucb, ei, pi, thompson. Random is the baseline for both.
enum class Strategy {
    Uncertainty,
    Margin,
    Entropy,
    Random,
    Hybrid,
    Greedy,
    Ucb,
    ExpectedImprovement,
    ProbabilityOfImprovement,
    Thompson,
    Density,
    Cluster
};
/// Exactly "uncertainty", "margin", "entropy", "random", "hybrid", "greedy", "ucb", "ei",
/// "pi", "thompson", "density", "cluster".
std::string to_string(Strategy strategy);
/// Throws SelectionError "unknown strategy 'x' (expected one of: ...)".
Strategy parse_strategy(std::string_view name);
/// Every strategy, in the order the UI and the API list them.
const std::vector<Strategy>& all_strategies();
/// One line on what the strategy is for (Sample Selection, the OpenAPI description).
std::string describe(Strategy strategy);
/// Discovery strategies rank toward the model's objective and refuse a model without one.
bool is_discovery(Strategy strategy);

enum class Diversity { None, TanimotoCap, MaxMin };
/// "none", "tanimoto_cap", "maxmin".
std::string to_string(Diversity diversity);
Diversity parse_diversity(std::string_view name);

class SelectionError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

struct HybridWeights {
    double uncertainty = 0.5;
    double margin = 0.3;
    double applicability = 0.2;
};

struct SelectionOptions {
    Strategy strategy = Strategy::Uncertainty;
    std::size_t batch_size = 10;
    /// Regression margin (and the margin part of hybrid): rank by |prediction - threshold|.
    /// Required for regression unless the margin part has weight 0.
    std::optional<double> threshold;
    HybridWeights hybrid;
    Diversity diversity = Diversity::None;
    /// TanimotoCap: skip a candidate whose Tanimoto to an already picked one is above this.
    double tanimoto_cap = 0.7;
    /// MaxMin: choose among this many top-ranked candidates (0 = 5 x batch_size).
    std::size_t maxmin_pool = 0;
    /// Random, Thompson (the member drawn per pick), Cluster (the k-means++ draws) and the
    /// Density reference sample.
    std::uint64_t seed = 42;
    /// Discovery strategies rank toward this; they refuse an inactive one.
    Objective objective;
    /// UCB: mean toward the objective + beta * ensemble spread. Must be >= 0.
    double beta = 2.0;
    /// EI / PI on maximize / minimize: the best label so far (raw value). Required there.
    std::optional<double> best_label;
    /// Density: mean Tanimoto similarity to this many pool compounds drawn with `seed` (all
    /// of them when the pool is smaller).
    std::size_t density_sample = 256;
    /// Cluster: k-means++ seeding among this many most uncertain compounds
    /// (0 = max(20 x batch_size, 400)).
    std::size_t cluster_pool = 0;
};

struct ScoredCandidate {
    std::size_t index = 0; // position in the pool
    double prediction = 0.0;
    double uncertainty = 0.0; // ensemble std
    double applicability_distance = 0.0;
    bool in_domain = true;
    double priority_score = 0.0; // higher = selected earlier
    /// 1-based rank by priority over the whole pool (ties: smaller pool index first).
    std::size_t rank = 0;
    bool selected = false;
};

struct SelectionResult {
    /// The batch in pick order (diversity may reorder relative to rank). With TanimotoCap it
    /// can be shorter than batch_size when the pool runs out of dissimilar candidates.
    std::vector<ScoredCandidate> selected;
    /// Every pool compound, in pool order.
    std::vector<ScoredCandidate> all;
};

/// The pool as selection sees it: one prediction and applicability assessment per compound,
/// and the fingerprints (for diversity).
struct CandidatePool {
    Task task = Task::Regression;
    /// Thompson needs every compound's member outputs: in member_outputs, or else in each
    /// Prediction::members.
    std::vector<Prediction> predictions;
    /// Thompson: member_outputs[m][i] is member m's output for compound i (one contiguous
    /// column per member, so a pick scans one column). IncrementalSelection fills it slice by
    /// slice; select_batch builds it from Prediction::members when empty.
    std::vector<std::vector<double>> member_outputs;
    std::vector<ApplicabilityAssessment> applicability;
    std::vector<Fingerprint> fingerprints;
    /// Density: each compound's mean similarity to the reference sample. Computed by
    /// select_batch when empty (IncrementalSelection fills it slice by slice).
    std::vector<double> density;
};

/// The pool compounds the Density strategy compares every compound with: min(n, sample)
/// distinct indices drawn with `seed`, in increasing order.
std::vector<std::size_t> density_reference(std::size_t pool_size, std::size_t sample,
                                           std::uint64_t seed);
/// Mean Tanimoto similarity of `fp` to the reference fingerprints, leaving out the entry at
/// position `self` of `reference` (when it is the compound itself; npos otherwise).
double mean_similarity(const Fingerprint& fp, const std::vector<Fingerprint>& reference,
                       std::size_t self);

/// Acquisition values (higher = more wanted) toward the objective, for one prediction.
/// greedy: the mean oriented toward the objective (minus the distance to a window, the
/// probability of the class sought). ucb: greedy + beta * spread. ei / pi: expected / the
/// probability of improvement over `best_label` with the calibrated spread (for a window and
/// a class: the probability of a hit). Throws SelectionError when the objective or the
/// incumbent is missing.
double acquisition_greedy(const Objective& objective, const Prediction& p);
double acquisition_ucb(const Objective& objective, const Prediction& p, double beta);
double acquisition_ei(const Objective& objective, Task task, const Prediction& p,
                      std::optional<double> best_label);
double acquisition_pi(const Objective& objective, Task task, const Prediction& p,
                      std::optional<double> best_label);

/// Scores the pool with `model` (and its applicability domain) and selects a batch. Throws
/// SelectionError for an empty pool, batch size 0 or larger than the pool, a compound with
/// NaN / wrong-size features (named by index), or a margin strategy without threshold on a
/// regression model.
SelectionResult select_batch(const BootstrapEnsemble& model, const std::vector<Features>& pool,
                             const SelectionOptions& options);
/// The same on already computed predictions (e.g. cached scores). All vectors must have the
/// pool's size.
SelectionResult select_batch(const CandidatePool& pool, const SelectionOptions& options);

/// select_batch(model, pool, options) in slices, for a caller that must not stop for the
/// whole pool: the browser scores a slice per frame and shows how far it got. Same checks and
/// same result as select_batch, whatever the slice sizes.
class IncrementalSelection {
public:
    /// Checks the options and every compound's features up front (the same SelectionError as
    /// select_batch); scores nothing yet. `model` must outlive this object.
    IncrementalSelection(const BootstrapEnsemble& model, std::vector<Features> pool,
                         SelectionOptions options);

    /// Scores up to `max_compounds` more compounds (prediction and applicability distance).
    /// Returns true once every compound is scored.
    bool step(std::size_t max_compounds);
    bool done() const { return scored_ == pool_.size(); }
    std::size_t scored() const { return scored_; }
    std::size_t size() const { return pool_.size(); }

    /// The ranking and the batch. Throws std::logic_error before done().
    SelectionResult result() const;

private:
    const BootstrapEnsemble* model_;
    std::vector<Features> pool_;
    SelectionOptions options_;
    CandidatePool candidates_;
    std::vector<Fingerprint> density_reference_; // Density only
    std::vector<std::size_t> density_reference_index_;
    std::size_t scored_ = 0;
};

} // namespace labelloop
