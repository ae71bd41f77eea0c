#include "service/simulation_discovery.hpp"

#include "labelloop/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>

namespace labelloop::service {
namespace {

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

HitSet top_share(const Objective& objective, const std::vector<double>& values, double share,
                 const std::string& name) {
    const std::size_t n = values.size();
    std::vector<double> toward(n);
    for (std::size_t i = 0; i < n; ++i) {
        toward[i] = toward_objective(objective, values[i]);
    }
    std::vector<double> sorted = toward;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    const auto k = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::ceil(share * static_cast<double>(n) - 1e-9)));
    const double cut = sorted[std::min(k, n) - 1];
    HitSet set;
    set.name = name;
    set.hit.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        set.hit[i] = toward[i] >= cut;
        set.count += set.hit[i] ? 1 : 0;
    }
    // Back from "toward" to the value's own units: maximize keeps it, minimize negates.
    const double cutoff = objective.kind == ObjectiveKind::Minimize ? -cut : cut;
    set.cutoff = cutoff;
    set.estimate_objective = objective;
    set.estimate_objective.hit_threshold = cutoff;
    set.definition = "top " + num(100.0 * share) + " % of the pool toward " +
                     to_string(objective.kind) + " (value " +
                     (objective.kind == ObjectiveKind::Minimize ? "<= " : ">= ") + num(cutoff) +
                     ")";
    return set;
}

double mean_of(const std::vector<double>& v) {
    return v.empty() ? 0.0
                     : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

} // namespace

std::vector<HitSet> make_hit_sets(const Objective& objective, const std::vector<double>& values) {
    std::vector<HitSet> sets;
    if (values.empty()) {
        return sets;
    }
    switch (objective.kind) {
    case ObjectiveKind::None:
        return sets;
    case ObjectiveKind::Maximize:
    case ObjectiveKind::Minimize:
        sets.push_back(top_share(objective, values, 0.01, "top_1"));
        sets.push_back(top_share(objective, values, 0.05, "top_5"));
        return sets;
    case ObjectiveKind::Window:
    case ObjectiveKind::Class: {
        HitSet set;
        set.estimate_objective = objective;
        if (objective.kind == ObjectiveKind::Window) {
            set.name = "window";
            set.definition =
                "inside the window [" + num(objective.lo) + ", " + num(objective.hi) + "]";
        } else {
            set.name = "class_" + std::to_string(objective.target_class);
            set.definition = "of class " + std::to_string(objective.target_class);
        }
        set.hit.resize(values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            set.hit[i] = is_hit(objective, values[i]);
            set.count += set.hit[i] ? 1 : 0;
        }
        sets.push_back(std::move(set));
        return sets;
    }
    }
    return sets;
}

void record_point(DiscoveryTrace& trace, const std::vector<HitSet>& sets, Task task,
                  const std::vector<bool>& labelled, const std::vector<Prediction>& predictions) {
    trace.found.resize(sets.size());
    trace.expected_remaining.resize(sets.size());
    trace.true_remaining.resize(sets.size());
    const auto n_labelled =
        static_cast<std::size_t>(std::count(labelled.begin(), labelled.end(), true));
    if (predictions.size() != labelled.size() - n_labelled) {
        throw std::invalid_argument(
            "record_point: " + std::to_string(predictions.size()) + " predictions for " +
            std::to_string(labelled.size() - n_labelled) + " unlabelled compounds");
    }
    trace.labels.push_back(static_cast<double>(n_labelled));
    for (std::size_t s = 0; s < sets.size(); ++s) {
        const auto& set = sets[s];
        double found = 0.0;
        double remaining = 0.0;
        double expected = 0.0;
        std::size_t p = 0;
        for (std::size_t i = 0; i < labelled.size(); ++i) {
            if (labelled[i]) {
                found += set.hit[i] ? 1.0 : 0.0;
                continue;
            }
            remaining += set.hit[i] ? 1.0 : 0.0;
            expected += probability_of_hit(set.estimate_objective, task, predictions[p++]);
        }
        trace.found[s].push_back(found);
        trace.true_remaining[s].push_back(remaining);
        trace.expected_remaining[s].push_back(expected);
    }
}

std::optional<double> interpolate(const std::vector<double>& xs, const std::vector<double>& ys,
                                  double x, double slack) {
    if (xs.empty() || xs.size() != ys.size()) {
        return std::nullopt;
    }
    if (x <= xs.front()) {
        return xs.front() - x <= slack ? std::optional<double>(ys.front()) : std::nullopt;
    }
    if (x >= xs.back()) {
        return x - xs.back() <= slack ? std::optional<double>(ys.back()) : std::nullopt;
    }
    for (std::size_t i = 1; i < xs.size(); ++i) {
        if (x <= xs[i]) {
            const double t = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
            return ys[i - 1] + t * (ys[i] - ys[i - 1]);
        }
    }
    return ys.back();
}

std::vector<HitSetSummary> summarize_discovery(const std::vector<HitSet>& sets,
                                               const std::vector<const DiscoveryTrace*>& runs,
                                               std::size_t pool_size,
                                               const std::vector<HitSetSummary>* random) {
    std::vector<HitSetSummary> out;
    if (runs.empty()) {
        return out;
    }
    const double n_pool = static_cast<double>(pool_size);
    for (std::size_t s = 0; s < sets.size(); ++s) {
        HitSetSummary summary;
        summary.set = sets[s].name;
        const double total = static_cast<double>(std::max<std::size_t>(1, sets[s].count));
        std::vector<curve::Curve> curves;
        std::size_t n_correlated = 0;
        double correlation = 0.0;
        for (const auto* run : runs) {
            curve::Curve c;
            c.labels = run->labels;
            for (double f : run->found[s]) {
                c.metric.push_back(f / total);
            }
            curves.push_back(std::move(c));
            std::vector<double> error;
            for (std::size_t i = 0; i < run->labels.size(); ++i) {
                error.push_back(run->expected_remaining[s][i] - run->true_remaining[s][i]);
            }
            double abs_sum = 0.0;
            for (double e : error) {
                abs_sum += std::fabs(e);
            }
            summary.estimate.mae += abs_sum / static_cast<double>(error.size());
            summary.estimate.bias += mean_of(error);
            // Fewer than three cycles say nothing about how the estimate tracks the truth.
            const auto r = run->expected_remaining[s].size() >= 3
                               ? pearson(run->expected_remaining[s], run->true_remaining[s])
                               : std::optional<double>{};
            if (r) {
                correlation += *r;
                ++n_correlated;
            }
        }
        summary.estimate.mae /= static_cast<double>(runs.size());
        summary.estimate.bias /= static_cast<double>(runs.size());
        if (n_correlated > 0) {
            summary.estimate.correlation = correlation / static_cast<double>(n_correlated);
        }
        summary.found_fraction = curve::mean_curve(curves);
        // Init sizes are rounded, so a fraction may sit half a percent of the pool outside the
        // schedule and still be read at its end.
        const double slack = 0.005 * n_pool;
        for (std::size_t k = 0; k < std::size(kEnrichmentFractions); ++k) {
            Enrichment e;
            e.pool_fraction = kEnrichmentFractions[k];
            e.labels = e.pool_fraction * n_pool;
            e.found_fraction = interpolate(summary.found_fraction.labels,
                                           summary.found_fraction.mean, e.labels, slack);
            if (e.found_fraction) {
                e.vs_expected = *e.found_fraction / e.pool_fraction;
                if (random != nullptr && s < random->size()) {
                    const auto& r = (*random)[s].enrichment[k].found_fraction;
                    if (r && *r > 0.0) {
                        e.vs_random = *e.found_fraction / *r;
                    }
                }
            }
            summary.enrichment.push_back(e);
        }
        out.push_back(std::move(summary));
    }
    return out;
}

} // namespace labelloop::service
