#include "labelloop/objective.hpp"

#include "portable_math.hpp"

#include <algorithm>
#include <cmath>

namespace labelloop {
namespace {

constexpr double kZ90 = 1.6448536269514722; // the two-sided 90 % normal quantile

} // namespace

std::string to_string(ObjectiveKind kind) {
    switch (kind) {
    case ObjectiveKind::None:
        return "none";
    case ObjectiveKind::Maximize:
        return "maximize";
    case ObjectiveKind::Minimize:
        return "minimize";
    case ObjectiveKind::Window:
        return "window";
    case ObjectiveKind::Class:
        return "class";
    }
    return "none";
}

ObjectiveKind parse_objective_kind(std::string_view name) {
    if (name == "maximise") {
        return ObjectiveKind::Maximize;
    }
    if (name == "minimise") {
        return ObjectiveKind::Minimize;
    }
    for (auto k : {ObjectiveKind::None, ObjectiveKind::Maximize, ObjectiveKind::Minimize,
                   ObjectiveKind::Window, ObjectiveKind::Class}) {
        if (name == to_string(k)) {
            return k;
        }
    }
    throw ObjectiveError("objective.kind",
                         "unknown objective '" + std::string(name) +
                             "' (expected one of: none, maximize, minimize, window, class)");
}

void check_objective(const Objective& o, Task task) {
    const bool regression = task == Task::Regression;
    switch (o.kind) {
    case ObjectiveKind::None:
        return;
    case ObjectiveKind::Maximize:
    case ObjectiveKind::Minimize:
        if (!regression) {
            throw ObjectiveError("objective.kind",
                                 "objective '" + to_string(o.kind) +
                                     "' needs a regression model; a classifier's objective is "
                                     "'class' (the class sought)");
        }
        if (o.hit_threshold && !std::isfinite(*o.hit_threshold)) {
            throw ObjectiveError("objective.hit_threshold",
                                 "the hit threshold must be a finite number");
        }
        return;
    case ObjectiveKind::Window:
        if (!regression) {
            throw ObjectiveError("objective.kind",
                                 "objective 'window' needs a regression model; a classifier's "
                                 "objective is 'class' (the class sought)");
        }
        if (!std::isfinite(o.lo)) {
            throw ObjectiveError("objective.lo",
                                 "the window's lower bound must be a finite number");
        }
        if (!std::isfinite(o.hi)) {
            throw ObjectiveError("objective.hi",
                                 "the window's upper bound must be a finite number");
        }
        if (o.lo > o.hi) {
            throw ObjectiveError("objective.lo", "the window's lower bound must not be above its "
                                                 "upper bound");
        }
        return;
    case ObjectiveKind::Class:
        if (regression) {
            throw ObjectiveError("objective.kind",
                                 "objective 'class' needs a classification model; a regression "
                                 "model's objective is maximize, minimize or window");
        }
        if (o.target_class != 0 && o.target_class != 1) {
            throw ObjectiveError("objective.class", "the class sought must be 0 or 1");
        }
        return;
    }
}

std::string describe(const Objective& o) {
    auto num = [](double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", v);
        return std::string(buf);
    };
    switch (o.kind) {
    case ObjectiveKind::None:
        return "none";
    case ObjectiveKind::Maximize:
        return o.hit_threshold ? "maximize (hit >= " + num(*o.hit_threshold) + ")" : "maximize";
    case ObjectiveKind::Minimize:
        return o.hit_threshold ? "minimize (hit <= " + num(*o.hit_threshold) + ")" : "minimize";
    case ObjectiveKind::Window:
        return "window [" + num(o.lo) + ", " + num(o.hi) + "]";
    case ObjectiveKind::Class:
        return "class " + std::to_string(o.target_class);
    }
    return "none";
}

double toward_objective(const Objective& o, double value) {
    switch (o.kind) {
    case ObjectiveKind::None:
    case ObjectiveKind::Maximize:
        return value;
    case ObjectiveKind::Minimize:
        return -value;
    case ObjectiveKind::Window:
        return value < o.lo ? value - o.lo : (value > o.hi ? o.hi - value : 0.0);
    case ObjectiveKind::Class:
        return o.target_class == 1 ? value : 1.0 - value;
    }
    return value;
}

bool is_hit(const Objective& o, double value) {
    switch (o.kind) {
    case ObjectiveKind::None:
        return false;
    case ObjectiveKind::Maximize:
        return o.hit_threshold && value >= *o.hit_threshold;
    case ObjectiveKind::Minimize:
        return o.hit_threshold && value <= *o.hit_threshold;
    case ObjectiveKind::Window:
        return value >= o.lo && value <= o.hi;
    case ObjectiveKind::Class:
        return (value >= 0.5 ? 1 : 0) == o.target_class;
    }
    return false;
}

double calibrated_sigma(const Prediction& p) {
    const double width = p.upper90 - p.lower90;
    if (std::isfinite(width) && width > 0.0) {
        return width / (2.0 * kZ90);
    }
    return p.std;
}

double normal_pdf(double z) {
    return 0.3989422804014327 * detail::portable_exp(-0.5 * z * z);
}

double normal_cdf(double z) {
    // erfc by the Chebyshev fit of Numerical Recipes (erfcc; fractional error < 1.2e-7),
    // built on the portable exp so native and WASM agree bit for bit.
    const double x = std::fabs(z) / 1.4142135623730951;
    const double t = 1.0 / (1.0 + 0.5 * x);
    const double poly =
        -x * x - 1.26551223 +
        t * (1.00002368 +
             t * (0.37409196 +
                  t * (0.09678418 +
                       t * (-0.18628806 +
                            t * (0.27886807 +
                                 t * (-1.13520398 +
                                      t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    const double erfc = t * detail::portable_exp(poly);
    return z >= 0.0 ? 1.0 - 0.5 * erfc : 0.5 * erfc;
}

double probability_of_hit(const Objective& o, Task task, const Prediction& p) {
    if (task == Task::Classification) {
        return o.kind == ObjectiveKind::Class ? toward_objective(o, p.mean) : 0.0;
    }
    const double sigma = calibrated_sigma(p);
    auto below = [&](double x) { // P(Y <= x)
        if (!(sigma > 0.0)) {
            return p.mean <= x ? 1.0 : 0.0;
        }
        return normal_cdf((x - p.mean) / sigma);
    };
    switch (o.kind) {
    case ObjectiveKind::Window:
        return std::max(0.0,
                        below(o.hi) - (sigma > 0.0 ? below(o.lo) : (p.mean < o.lo ? 1.0 : 0.0)));
    case ObjectiveKind::Maximize:
        if (!o.hit_threshold) {
            return 0.0;
        }
        return sigma > 0.0 ? 1.0 - below(*o.hit_threshold)
                           : (p.mean >= *o.hit_threshold ? 1.0 : 0.0);
    case ObjectiveKind::Minimize:
        if (!o.hit_threshold) {
            return 0.0;
        }
        return below(*o.hit_threshold);
    default:
        return 0.0;
    }
}

} // namespace labelloop
