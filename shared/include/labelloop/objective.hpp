// What a discovery campaign is after: the goal a model's acquisition strategies steer
// toward (the most soluble, logD inside 1-3, the BBB-permeable class) and what counts as a
// hit. Set per model at creation, stored by the server and carried in the model file so
// the browser ranks with the same goal.
#pragma once

#include "labelloop/ensemble.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace labelloop {

enum class ObjectiveKind { None, Maximize, Minimize, Window, Class };
/// "none", "maximize", "minimize", "window", "class".
std::string to_string(ObjectiveKind kind);
/// Accepts the names above (and "maximise" / "minimise"); throws ObjectiveError otherwise.
ObjectiveKind parse_objective_kind(std::string_view name);

/// An objective that does not fit its model. `field()` names the offending request field
/// ("objective.kind", "objective.lo", ...), so the API can answer 422 naming it.
class ObjectiveError : public std::invalid_argument {
public:
    ObjectiveError(std::string field, const std::string& message)
        : std::invalid_argument(message), field_(std::move(field)) {}
    const std::string& field() const { return field_; }

private:
    std::string field_;
};

struct Objective {
    ObjectiveKind kind = ObjectiveKind::None;
    /// Window: a compound is a hit when lo <= value <= hi.
    double lo = 0.0;
    double hi = 0.0;
    /// Class: the class sought (0 or 1).
    int target_class = 1;
    /// Maximize / Minimize: a compound is a hit when its value is at least (maximize) or at
    /// most (minimize) this. Unset: the model has no hit definition beyond "better".
    std::optional<double> hit_threshold;

    bool active() const { return kind != ObjectiveKind::None; }
    bool operator==(const Objective& o) const {
        return kind == o.kind && lo == o.lo && hi == o.hi && target_class == o.target_class &&
               hit_threshold == o.hit_threshold;
    }
    bool operator!=(const Objective& o) const { return !(*this == o); }
};

/// Throws ObjectiveError when the objective does not fit the task: a window on a classifier
/// or a class on a regression model, lo > hi or a non-finite bound, a class other than 0/1.
void check_objective(const Objective& objective, Task task);

/// "maximize", "minimize (hit <= -2)", "window [1, 3]", "class 1", "none".
std::string describe(const Objective& objective);

/// The value oriented so that higher is better for the objective: maximize v, minimize -v,
/// window minus the distance to [lo, hi] (0 inside), class p for class 1 and 1 - p for 0.
double toward_objective(const Objective& objective, double value);

/// Whether a measured value is a hit. Maximize / minimize without a hit threshold: false.
bool is_hit(const Objective& objective, double value);

/// The predictive standard deviation read from the calibrated 90 % interval:
/// (upper90 - lower90) / (2 * 1.6449); falls back to the raw spread when the interval is
/// degenerate or absent.
double calibrated_sigma(const Prediction& p);

/// P(hit) for one prediction: window P(lo <= Y <= hi) and maximize / minimize
/// P(Y beyond the hit threshold) under N(mean, calibrated_sigma^2); class: the predicted
/// probability of the sought class. 0 when the objective defines no hit.
double probability_of_hit(const Objective& objective, Task task, const Prediction& p);

/// Standard normal density and distribution function.
double normal_pdf(double z);
double normal_cdf(double z);

} // namespace labelloop
