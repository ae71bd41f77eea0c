// Model quality numbers shown after every retrain: the same code scores the validation set on
// the server and in the browser. All functions throw std::invalid_argument on empty or
// mismatched input rather than returning NaN silently.
#pragma once

#include "labelloop/ensemble.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace labelloop {

double rmse(const std::vector<double>& y, const std::vector<double>& pred);
double mae(const std::vector<double>& y, const std::vector<double>& pred);
/// 1 - SS_res / SS_tot; throws if y is constant.
double r2(const std::vector<double>& y, const std::vector<double>& pred);
/// Pearson correlation; nothing when there are fewer than two values or either side is
/// constant (throws when the sizes differ).
std::optional<double> pearson(const std::vector<double>& a, const std::vector<double>& b);
/// Pearson correlation of average ranks (ties share their mean rank).
double spearman(const std::vector<double>& y, const std::vector<double>& pred);

/// y in {0, 1}; probability-like scores. Ties count one half (Mann-Whitney). Throws unless
/// both classes are present.
double roc_auc(const std::vector<double>& y, const std::vector<double>& score);
/// Average precision (step-wise area under the precision-recall curve, as scikit-learn's
/// average_precision_score); tied scores are taken as one threshold.
double pr_auc(const std::vector<double>& y, const std::vector<double>& score);
/// Fraction with (p >= threshold) == y.
double accuracy(const std::vector<double>& y, const std::vector<double>& p, double threshold = 0.5);
/// Expected calibration error over n_bins equal-width probability bins:
/// sum over bins of (n_bin / n) * |mean(y in bin) - mean(p in bin)|. p = 1.0 falls in the
/// last bin.
double expected_calibration_error(const std::vector<double>& y, const std::vector<double>& p,
                                  unsigned n_bins = 10);
/// Fraction with lower <= y <= upper.
double interval_coverage(const std::vector<double>& y, const std::vector<double>& lower,
                         const std::vector<double>& upper);

/// Every metric that applies to the task, as a flat JSON object:
///   regression:     {"n", "rmse", "mae", "r2", "spearman", "interval_coverage_90"}
///   classification: {"n", "roc_auc", "pr_auc", "accuracy", "ece", "n_positive"}
/// interval_coverage_90 uses each prediction's lower90/upper90. Metrics that cannot be
/// computed (e.g. ROC-AUC with one class, r2 with constant y) are JSON null.
nlohmann::json compute_metrics(Task task, const std::vector<double>& y,
                               const std::vector<Prediction>& predictions);

} // namespace labelloop
