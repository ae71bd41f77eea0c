// Before/after metrics of a retraining cycle as the Cycle History table shows them: the
// learning curve's metric first, then the others by name; each change judged better or worse
// (lower is better for errors, nearer 0.90 for the 90 % interval's coverage).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace labelloop::app {

enum class Verdict { Unchanged, Better, Worse, NoAfter };

struct MetricChange {
    std::string name;
    double before = 0.0;
    std::optional<double> after;
    Verdict verdict = Verdict::NoAfter;
    std::string text; // "rmse 0.672 -> 0.651", "n 60"
};

/// `before` / `after` are metric objects, flat or grouped under "validation"; `primary` is
/// the metric listed first. Non-numeric entries are left out; counts ("n", "n_positive") are
/// shown once, as integers, after the scores.
std::vector<MetricChange> metric_changes(const nlohmann::json& before, const nlohmann::json& after,
                                         const std::string& primary);

} // namespace labelloop::app
