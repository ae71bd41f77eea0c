// Discovery metrics of a retrospective simulation with an objective: which pool compounds are
// hits (from their true values), how many of them each strategy's labels found per label
// spent, the enrichment over random sampling, and how well the model's own estimate of the
// hits still in the pool (the sum of P(hit) over unlabelled compounds, what Cycle History
// shows as stopping guidance) tracked the true number.
#pragma once

#include "labelloop/ensemble.hpp"
#include "labelloop/learning_curve.hpp"
#include "labelloop/objective.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::service {

/// The pool fractions labelled at which enrichment is reported.
inline constexpr double kEnrichmentFractions[] = {0.05, 0.10, 0.20};

/// One definition of a hit, evaluated on every pool compound's true value.
struct HitSet {
    /// "top_1" / "top_5" (maximize, minimize), "window", "class_1" / "class_0".
    std::string name;
    /// For people: "top 1 % of the pool toward maximize (value >= -0.41)".
    std::string definition;
    /// top-k: the true value of the k-th best pool compound (hits lie at or beyond it).
    std::optional<double> cutoff;
    /// The objective whose probability_of_hit estimates this set. top-k: the campaign's
    /// objective with hit_threshold = the TRUE cut-off, which a real campaign does not know;
    /// it is used only to evaluate the estimate, never to select.
    Objective estimate_objective;
    std::vector<bool> hit; // per pool compound
    std::size_t count = 0;
};

/// maximize / minimize: the top 1 % and top 5 % of the pool by toward_objective (k =
/// ceil(fraction x pool size), at least 1; compounds tied with the k-th best count too).
/// window: the compounds inside [lo, hi]. class: the compounds of the class sought. Empty for
/// an inactive objective.
std::vector<HitSet> make_hit_sets(const Objective& objective, const std::vector<double>& values);

/// One run (strategy x seed), one entry per model version (as the learning curve).
struct DiscoveryTrace {
    std::vector<double> labels;                          // labelled pool compounds
    std::vector<std::vector<double>> found;              // [set][point] hits among them
    std::vector<std::vector<double>> expected_remaining; // [set][point] sum of P(hit), unlabelled
    std::vector<std::vector<double>> true_remaining;     // [set][point] hits not yet labelled
};

/// Appends one point: `labelled` marks the pool compounds the model version trained on,
/// `predictions` are the model's for the unlabelled ones (in pool order, labelled skipped).
void record_point(DiscoveryTrace& trace, const std::vector<HitSet>& sets, Task task,
                  const std::vector<bool>& labelled, const std::vector<Prediction>& predictions);

struct Enrichment {
    double pool_fraction = 0.0; // of the pool labelled
    double labels = 0.0;        // pool_fraction x pool size
    /// Share of the set's hits found by then (mean over seeds, linear between cycles);
    /// nullopt when the schedule did not reach that many labels.
    std::optional<double> found_fraction;
    /// found_fraction / pool_fraction: over what random sampling finds on average.
    std::optional<double> vs_expected;
    /// found_fraction / the random strategy's (when it ran and had found any).
    std::optional<double> vs_random;
};

/// How the expected-hits-remaining estimate tracked the true count over one run's cycles,
/// averaged over runs: mean absolute error and mean signed error (estimate - truth, in
/// compounds) and Pearson correlation over the cycles (nullopt when either is constant).
struct EstimateTracking {
    double mae = 0.0;
    double bias = 0.0;
    std::optional<double> correlation;
};

struct HitSetSummary {
    std::string set;
    curve::MeanCurve found_fraction;    // mean and sd over seeds of found / set size
    std::vector<Enrichment> enrichment; // at kEnrichmentFractions
    EstimateTracking estimate;
};

/// Summaries of one strategy's runs for every set; `random` (the random strategy's, or
/// nullptr) gives vs_random.
std::vector<HitSetSummary> summarize_discovery(const std::vector<HitSet>& sets,
                                               const std::vector<const DiscoveryTrace*>& runs,
                                               std::size_t pool_size,
                                               const std::vector<HitSetSummary>* random);

/// y at x on the polyline (xs, ys); nullopt outside [xs.front(), xs.back()] beyond a slack
/// of `slack` (then the end value).
std::optional<double> interpolate(const std::vector<double>& xs, const std::vector<double>& ys,
                                  double x, double slack = 0.0);

} // namespace labelloop::service
