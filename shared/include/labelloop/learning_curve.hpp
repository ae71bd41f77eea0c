// Learning-curve arithmetic for retrospective simulations: mean and spread over seeds, area
// under the curve, labels needed to reach a target score, a stopping suggestion, and an SVG
// plot. Pure functions on numbers, shared by the `labelloop simulate` command and its tests.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::curve {

/// One run of the loop: after each retrain, how many labels the model had seen and its
/// validation metric; `uncertainty` is the mean uncertainty of the batch picked next (may be
/// empty or shorter than `labels`).
struct Curve {
    std::vector<double> labels;
    std::vector<double> metric;
    std::vector<double> uncertainty;
};

/// Point-wise mean and sample standard deviation (n - 1; 0 for one run) of runs that share
/// the same label grid. Throws std::invalid_argument for no runs or differing grids.
struct MeanCurve {
    std::vector<double> labels;
    std::vector<double> mean;
    std::vector<double> sd;
    std::vector<double> uncertainty; // mean over runs where every run has a value, else empty
};
MeanCurve mean_curve(const std::vector<Curve>& runs);

/// Trapezoid area under metric(labels) divided by the label range: the curve's average
/// height. A single point gives its value. Throws std::invalid_argument for empty or
/// mismatched vectors or labels that do not increase.
double area_under_curve(const std::vector<double>& labels, const std::vector<double>& metric);

/// How a strategy's area compares with random sampling's, oriented so that > 1 always means
/// the strategy is better: random / strategy for a lower-is-better metric (RMSE), strategy /
/// random for a higher-is-better one (ROC-AUC).
double area_ratio_vs_random(double strategy_area, double random_area, bool higher_is_better);

/// The score counted as "reached the full-pool model": within 5 % (tolerance) of it.
double target_score(double full_pool_score, bool higher_is_better, double tolerance = 0.05);

/// The first label count whose metric meets `target`, or nullopt when the curve never does.
std::optional<double> labels_to_reach(const std::vector<double>& labels,
                                      const std::vector<double>& metric, double target,
                                      bool higher_is_better);

/// Where to stop labeling: a point i >= window is flat when the metric improved by less than
/// `min_gain` (relative) over the last `window` points, or the mean uncertainty of the next
/// batch fell by less than `min_gain` (relative) over them. Single noisy points are common
/// (a batch of hard compounds), so the suggestion is the point that completes `patience`
/// flat points in a row. nullopt: keep going.
struct StopSuggestion {
    std::size_t index = 0;
    double labels = 0.0;
    std::string reason;
};
std::optional<StopSuggestion> suggest_stop(const Curve& curve, bool higher_is_better,
                                           std::size_t window = 2, double min_gain = 0.01,
                                           std::size_t patience = 2);

/// A standalone SVG line plot: one polyline per series with a shaded +-sd band, a dashed
/// horizontal reference line (the full-pool score) and a legend.
struct SvgSeries {
    std::string name;
    std::string colour; // e.g. "#1f77b4"
    std::vector<double> x;
    std::vector<double> y;
    std::vector<double> sd; // may be empty
};
std::string render_svg(const std::vector<SvgSeries>& series, const std::string& title,
                       const std::string& x_label, const std::string& y_label,
                       std::optional<double> reference, const std::string& reference_label);

/// A fixed palette so the CLI plot and the browser overlay give a strategy the same colour
/// (index 0, grey, is kept for random sampling).
const char* series_colour(std::size_t index);

} // namespace labelloop::curve
