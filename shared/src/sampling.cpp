#include "labelloop/sampling.hpp"

#include "acquisition_picks.hpp"
#include "rng.hpp"

#include "labelloop/fingerprint.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace labelloop {
namespace {

constexpr double kTwoPiE = 17.079468445347132; // 2 * pi * e

std::vector<double> min_max_normalized(const std::vector<double>& v) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    std::vector<double> out(v.size(), 0.0);
    if (*hi > *lo) {
        for (std::size_t i = 0; i < v.size(); ++i) {
            out[i] = (v[i] - *lo) / (*hi - *lo);
        }
    }
    return out;
}

// Higher = closer to the decision boundary (classification) or to the threshold.
double margin_priority(Task task, double mean, const std::optional<double>& threshold) {
    if (task == Task::Classification) {
        return 0.5 - std::fabs(mean - 0.5);
    }
    return -std::fabs(mean - *threshold);
}

double binary_entropy_bits(double p) {
    if (p <= 0.0 || p >= 1.0) {
        return 0.0;
    }
    return -(p * std::log2(p) + (1.0 - p) * std::log2(1.0 - p));
}

void check_options(const SelectionOptions& o, Task task, std::size_t pool_size) {
    if (pool_size == 0) {
        throw SelectionError("the pool is empty: there is nothing to select from");
    }
    if (o.batch_size == 0) {
        throw SelectionError("batch size must be at least 1");
    }
    if (o.batch_size > pool_size) {
        throw SelectionError("batch size " + std::to_string(o.batch_size) +
                             " is larger than the pool (" + std::to_string(pool_size) +
                             " compounds)");
    }
    if (o.threshold && !std::isfinite(*o.threshold)) {
        throw SelectionError("the margin threshold must be a finite number");
    }
    const bool needs_threshold = o.strategy == Strategy::Margin ||
                                 (o.strategy == Strategy::Hybrid && o.hybrid.margin != 0.0);
    if (task == Task::Regression && needs_threshold && !o.threshold) {
        throw SelectionError(
            o.strategy == Strategy::Margin
                ? "strategy 'margin' on a regression model needs a threshold (the value to "
                  "rank predictions against)"
                : "strategy 'hybrid' on a regression model needs a threshold for its margin "
                  "part (or set the margin weight to 0)");
    }
    if (o.strategy == Strategy::Hybrid) {
        for (double w : {o.hybrid.uncertainty, o.hybrid.margin, o.hybrid.applicability}) {
            if (!(w >= 0.0 && std::isfinite(w))) {
                throw SelectionError("hybrid weights must be finite and >= 0");
            }
        }
        if (o.hybrid.uncertainty + o.hybrid.margin + o.hybrid.applicability <= 0.0) {
            throw SelectionError("hybrid weights must not all be 0");
        }
    }
    if (is_discovery(o.strategy) && !o.objective.active()) {
        throw SelectionError("strategy '" + to_string(o.strategy) +
                             "' ranks toward the model's objective, and this model has none: "
                             "set an objective (maximize, minimize, window or class) or use a "
                             "model-improvement strategy");
    }
    if (is_discovery(o.strategy)) {
        try {
            check_objective(o.objective, task);
        } catch (const ObjectiveError& e) {
            throw SelectionError(e.what());
        }
    }
    if (o.strategy == Strategy::Ucb && !(o.beta >= 0.0 && std::isfinite(o.beta))) {
        throw SelectionError("UCB's beta must be a finite number >= 0");
    }
    if ((o.strategy == Strategy::ExpectedImprovement ||
         o.strategy == Strategy::ProbabilityOfImprovement) &&
        task == Task::Regression &&
        (o.objective.kind == ObjectiveKind::Maximize ||
         o.objective.kind == ObjectiveKind::Minimize)) {
        if (!o.best_label) {
            throw SelectionError("strategy '" + to_string(o.strategy) +
                                 "' needs the best label so far to improve on, and the model has "
                                 "no labelled compound");
        }
        if (!std::isfinite(*o.best_label)) {
            throw SelectionError("the best label so far must be a finite number");
        }
    }
    if (o.strategy == Strategy::Thompson && o.diversity == Diversity::MaxMin) {
        throw SelectionError("strategy 'thompson' draws a batch pick by pick; combine it with "
                             "diversity 'tanimoto_cap' or 'none', not 'maxmin'");
    }
    if (o.strategy == Strategy::Cluster && o.diversity != Diversity::None) {
        throw SelectionError("strategy 'cluster' spreads its batch over the pool itself; use "
                             "diversity 'none'");
    }
    if (o.strategy == Strategy::Density && o.density_sample == 0) {
        throw SelectionError("the density reference sample must hold at least 1 compound");
    }
    if (o.diversity == Diversity::TanimotoCap &&
        !(o.tanimoto_cap >= 0.0 && o.tanimoto_cap <= 1.0)) {
        throw SelectionError("the Tanimoto cap must be in [0, 1], got " +
                             std::to_string(o.tanimoto_cap));
    }
}

// What select_batch(model, pool, ...) refuses before scoring anything: bad options, or a
// compound whose features do not fit the model ("pool compound <i>: ...").
void check_model_pool(const BootstrapEnsemble& model, const std::vector<Features>& pool,
                      const SelectionOptions& options) {
    check_options(options, model.task(), pool.size());
    if (options.strategy == Strategy::Thompson && model.n_members() < 2) {
        throw SelectionError("strategy 'thompson' draws one ensemble member per pick and needs "
                             "a model with at least 2 members (this one has " +
                             std::to_string(model.n_members()) + ")");
    }
    for (std::size_t i = 0; i < pool.size(); ++i) {
        try {
            check_features(pool[i], model.layout(), "compound " + std::to_string(i));
        } catch (const FeatureError& e) {
            throw SelectionError(std::string("pool ") + e.what());
        }
    }
}

// Appends the prediction, applicability and fingerprint of rows[0, n) to `out`.
void score_into(const BootstrapEnsemble& model, const Features* rows, std::size_t n,
                bool with_members, CandidatePool& out) {
    for (auto& p : model.predict_batch(rows, n, with_members)) {
        if (with_members) { // kept as columns only (Thompson scans one member at a time)
            out.member_outputs.resize(p.members.size());
            for (std::size_t m = 0; m < p.members.size(); ++m) {
                out.member_outputs[m].push_back(p.members[m]);
            }
            p.members = {};
        }
        out.predictions.push_back(std::move(p));
    }
    for (std::size_t i = 0; i < n; ++i) {
        out.applicability.push_back(model.applicability().assess(rows[i].fingerprint));
        out.fingerprints.push_back(rows[i].fingerprint);
    }
}

} // namespace

std::string to_string(Strategy strategy) {
    switch (strategy) {
    case Strategy::Uncertainty:
        return "uncertainty";
    case Strategy::Margin:
        return "margin";
    case Strategy::Entropy:
        return "entropy";
    case Strategy::Random:
        return "random";
    case Strategy::Hybrid:
        return "hybrid";
    case Strategy::Greedy:
        return "greedy";
    case Strategy::Ucb:
        return "ucb";
    case Strategy::ExpectedImprovement:
        return "ei";
    case Strategy::ProbabilityOfImprovement:
        return "pi";
    case Strategy::Thompson:
        return "thompson";
    case Strategy::Density:
        return "density";
    case Strategy::Cluster:
        return "cluster";
    }
    return "unknown";
}

const std::vector<Strategy>& all_strategies() {
    static const std::vector<Strategy> all{Strategy::Greedy,
                                           Strategy::Ucb,
                                           Strategy::ExpectedImprovement,
                                           Strategy::ProbabilityOfImprovement,
                                           Strategy::Thompson,
                                           Strategy::Uncertainty,
                                           Strategy::Density,
                                           Strategy::Cluster,
                                           Strategy::Margin,
                                           Strategy::Entropy,
                                           Strategy::Hybrid,
                                           Strategy::Random};
    return all;
}

std::string describe(Strategy strategy) {
    switch (strategy) {
    case Strategy::Greedy:
        return "Discovery: the compounds predicted best for the objective (exploit the model).";
    case Strategy::Ucb:
        return "Discovery: prediction toward the objective plus beta x spread (explore a little).";
    case Strategy::ExpectedImprovement:
        return "Discovery: expected gain over the best label so far (P(hit) for a window).";
    case Strategy::ProbabilityOfImprovement:
        return "Discovery: probability of beating the best label so far (P(hit) for a window).";
    case Strategy::Thompson:
        return "Discovery: each pick follows one ensemble member drawn at random (a varied batch).";
    case Strategy::Uncertainty:
        return "Model improvement: the compounds the ensemble disagrees on most.";
    case Strategy::Density:
        return "Model improvement: uncertainty x mean similarity to the pool (no lone outliers).";
    case Strategy::Cluster:
        return "Model improvement: uncertainty-weighted k-means++ picks spread over the pool.";
    case Strategy::Margin:
        return "Model improvement: closest to the decision boundary or the threshold.";
    case Strategy::Entropy:
        return "Model improvement: highest predictive entropy.";
    case Strategy::Hybrid:
        return "Model improvement: weighted uncertainty + margin + applicability distance.";
    case Strategy::Random:
        return "Baseline: a seeded random batch, the reference every strategy must beat.";
    }
    return "";
}

bool is_discovery(Strategy strategy) {
    return strategy == Strategy::Greedy || strategy == Strategy::Ucb ||
           strategy == Strategy::ExpectedImprovement ||
           strategy == Strategy::ProbabilityOfImprovement || strategy == Strategy::Thompson;
}

Strategy parse_strategy(std::string_view name) {
    std::string names;
    for (auto s : all_strategies()) {
        if (name == to_string(s)) {
            return s;
        }
        names += (names.empty() ? "" : ", ") + to_string(s);
    }
    throw SelectionError("unknown strategy '" + std::string(name) + "' (expected one of: " + names +
                         ")");
}

std::string to_string(Diversity diversity) {
    switch (diversity) {
    case Diversity::None:
        return "none";
    case Diversity::TanimotoCap:
        return "tanimoto_cap";
    case Diversity::MaxMin:
        return "maxmin";
    }
    return "unknown";
}

Diversity parse_diversity(std::string_view name) {
    for (auto d : {Diversity::None, Diversity::TanimotoCap, Diversity::MaxMin}) {
        if (name == to_string(d)) {
            return d;
        }
    }
    throw SelectionError("unknown diversity '" + std::string(name) +
                         "' (expected one of: none, tanimoto_cap, maxmin)");
}

SelectionResult select_batch(const CandidatePool& pool, const SelectionOptions& o) {
    const std::size_t n = pool.predictions.size();
    check_options(o, pool.task, n);
    if (pool.applicability.size() != n || pool.fingerprints.size() != n) {
        throw SelectionError(
            "pool has " + std::to_string(n) + " predictions, " +
            std::to_string(pool.applicability.size()) + " applicability values and " +
            std::to_string(pool.fingerprints.size()) + " fingerprints; they must match");
    }
    for (std::size_t i = 0; i < n; ++i) {
        const auto& p = pool.predictions[i];
        if (!std::isfinite(p.mean) || !std::isfinite(p.std) ||
            !std::isfinite(pool.applicability[i].distance)) {
            throw SelectionError("pool compound " + std::to_string(i) +
                                 " has a non-finite prediction, uncertainty or distance");
        }
    }

    std::vector<double> density;
    if (o.strategy == Strategy::Density) {
        if (pool.density.size() == n) {
            density = pool.density;
        } else if (!pool.density.empty()) {
            throw SelectionError("pool has " + std::to_string(pool.density.size()) +
                                 " density values for " + std::to_string(n) + " compounds");
        } else {
            density = detail::pool_density(pool.fingerprints, o);
        }
    }
    if (o.strategy == Strategy::Thompson) {
        const bool complete = detail::has_member_columns(pool);
        const std::size_t first = pool.predictions[0].members.size();
        for (std::size_t i = 0; !complete && i < n; ++i) {
            if (pool.predictions[i].members.size() < 2 ||
                pool.predictions[i].members.size() != first) {
                throw SelectionError("strategy 'thompson' needs every pool compound's member "
                                     "outputs from a model with at least 2 members");
            }
        }
    }

    std::vector<double> priority(n, 0.0);
    switch (o.strategy) {
    case Strategy::Greedy:
    case Strategy::Thompson: // ranked by the mean; the batch follows one member per pick
        for (std::size_t i = 0; i < n; ++i) {
            priority[i] = acquisition_greedy(o.objective, pool.predictions[i]);
        }
        break;
    case Strategy::Ucb:
        for (std::size_t i = 0; i < n; ++i) {
            priority[i] = acquisition_ucb(o.objective, pool.predictions[i], o.beta);
        }
        break;
    case Strategy::ExpectedImprovement:
        for (std::size_t i = 0; i < n; ++i) {
            priority[i] = acquisition_ei(o.objective, pool.task, pool.predictions[i], o.best_label);
        }
        break;
    case Strategy::ProbabilityOfImprovement:
        for (std::size_t i = 0; i < n; ++i) {
            priority[i] = acquisition_pi(o.objective, pool.task, pool.predictions[i], o.best_label);
        }
        break;
    case Strategy::Density:
        for (std::size_t i = 0; i < n; ++i) {
            priority[i] = pool.predictions[i].std * density[i];
        }
        break;
    case Strategy::Cluster:
        for (std::size_t i = 0; i < n; ++i) {
            priority[i] = pool.predictions[i].std;
        }
        break;
    case Strategy::Uncertainty:
        for (std::size_t i = 0; i < n; ++i) {
            priority[i] = pool.predictions[i].std;
        }
        break;
    case Strategy::Margin:
        for (std::size_t i = 0; i < n; ++i) {
            priority[i] = margin_priority(pool.task, pool.predictions[i].mean, o.threshold);
        }
        break;
    case Strategy::Entropy:
        for (std::size_t i = 0; i < n; ++i) {
            const auto& p = pool.predictions[i];
            // Classification: entropy of the mean probability (bits). Regression: differential
            // entropy of N(mean, std^2) in nats; std floored so a zero spread stays finite.
            priority[i] =
                pool.task == Task::Classification
                    ? binary_entropy_bits(p.mean)
                    : 0.5 * std::log(kTwoPiE * std::max(p.std, 1e-12) * std::max(p.std, 1e-12));
        }
        break;
    case Strategy::Random: {
        detail::Rng rng(o.seed);
        for (auto& v : priority) {
            v = rng.uniform();
        }
        break;
    }
    case Strategy::Hybrid: {
        std::vector<double> u(n);
        std::vector<double> m(n);
        std::vector<double> a(n);
        for (std::size_t i = 0; i < n; ++i) {
            u[i] = pool.predictions[i].std;
            m[i] = o.hybrid.margin != 0.0
                       ? margin_priority(pool.task, pool.predictions[i].mean, o.threshold)
                       : 0.0;
            a[i] = pool.applicability[i].distance;
        }
        u = min_max_normalized(u);
        m = min_max_normalized(m);
        a = min_max_normalized(a);
        for (std::size_t i = 0; i < n; ++i) {
            priority[i] = o.hybrid.uncertainty * u[i] + o.hybrid.margin * m[i] +
                          o.hybrid.applicability * a[i];
        }
        break;
    }
    }

    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t x, std::size_t y) { return priority[x] > priority[y]; });

    SelectionResult result;
    result.all.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto& c = result.all[i];
        c.index = i;
        c.prediction = pool.predictions[i].mean;
        c.uncertainty = pool.predictions[i].std;
        c.applicability_distance = pool.applicability[i].distance;
        c.in_domain = pool.applicability[i].in_domain;
        c.priority_score = priority[i];
    }
    for (std::size_t r = 0; r < n; ++r) {
        result.all[order[r]].rank = r + 1;
    }

    std::vector<std::size_t> picked;
    picked.reserve(o.batch_size);
    if (o.strategy == Strategy::Thompson) {
        picked = detail::thompson_picks(pool, o);
    } else if (o.strategy == Strategy::Cluster) {
        picked = detail::kmeanspp_picks(pool, order, o);
    } else {
        switch (o.diversity) {
        case Diversity::None:
            picked.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(o.batch_size));
            break;
        case Diversity::TanimotoCap:
            for (std::size_t idx : order) {
                if (picked.size() == o.batch_size) {
                    break;
                }
                bool too_close = false;
                for (std::size_t q : picked) {
                    if (tanimoto(pool.fingerprints[idx], pool.fingerprints[q]) > o.tanimoto_cap) {
                        too_close = true;
                        break;
                    }
                }
                if (!too_close) {
                    picked.push_back(idx);
                }
            }
            break;
        case Diversity::MaxMin: {
            const std::size_t top = std::min(
                n, std::max(o.batch_size, o.maxmin_pool ? o.maxmin_pool : 5 * o.batch_size));
            std::vector<std::size_t> cands(order.begin(),
                                           order.begin() + static_cast<std::ptrdiff_t>(top));
            std::vector<double> min_dist(top, 2.0);
            std::vector<char> used(top, 0);
            std::size_t current = 0; // the best-ranked candidate starts the batch
            for (;;) {
                used[current] = 1;
                picked.push_back(cands[current]);
                if (picked.size() == o.batch_size) {
                    break;
                }
                std::size_t best = top;
                for (std::size_t j = 0; j < top; ++j) {
                    if (used[j]) {
                        continue;
                    }
                    const double d = 1.0 - tanimoto(pool.fingerprints[cands[j]],
                                                    pool.fingerprints[cands[current]]);
                    min_dist[j] = std::min(min_dist[j], d);
                    // Ties go to the higher-ranked candidate (smaller j).
                    if (best == top || min_dist[j] > min_dist[best]) {
                        best = j;
                    }
                }
                current = best;
            }
            break;
        }
        }
    }
    for (std::size_t idx : picked) {
        result.all[idx].selected = true;
        result.selected.push_back(result.all[idx]);
    }
    return result;
}

SelectionResult select_batch(const BootstrapEnsemble& model, const std::vector<Features>& pool,
                             const SelectionOptions& options) {
    check_model_pool(model, pool, options);
    CandidatePool candidates;
    candidates.task = model.task();
    score_into(model, pool.data(), pool.size(), options.strategy == Strategy::Thompson, candidates);
    return select_batch(candidates, options);
}

IncrementalSelection::IncrementalSelection(const BootstrapEnsemble& model,
                                           std::vector<Features> pool, SelectionOptions options)
    : model_(&model), pool_(std::move(pool)), options_(std::move(options)) {
    check_model_pool(model, pool_, options_);
    candidates_.task = model.task();
    candidates_.predictions.reserve(pool_.size());
    candidates_.applicability.reserve(pool_.size());
    candidates_.fingerprints.reserve(pool_.size());
    if (options_.strategy == Strategy::Thompson) {
        // Full-size columns up front: growing 100 columns at once inside one slice stalled it.
        candidates_.member_outputs.resize(model.n_members());
        for (auto& column : candidates_.member_outputs) {
            column.reserve(pool_.size());
        }
    }
    if (options_.strategy == Strategy::Density) {
        density_reference_index_ =
            density_reference(pool_.size(), options_.density_sample, options_.seed);
        for (std::size_t r : density_reference_index_) {
            density_reference_.push_back(pool_[r].fingerprint);
        }
        candidates_.density.reserve(pool_.size());
    }
}

bool IncrementalSelection::step(std::size_t max_compounds) {
    const std::size_t n = std::min(max_compounds, pool_.size() - scored_);
    score_into(*model_, pool_.data() + scored_, n, options_.strategy == Strategy::Thompson,
               candidates_);
    if (options_.strategy == Strategy::Density) {
        for (std::size_t i = scored_; i < scored_ + n; ++i) {
            candidates_.density.push_back(
                mean_similarity(pool_[i].fingerprint, density_reference_,
                                detail::reference_slot(density_reference_index_, i)));
        }
    }
    scored_ += n;
    return done();
}

SelectionResult IncrementalSelection::result() const {
    if (!done()) {
        throw std::logic_error("IncrementalSelection::result: " + std::to_string(scored_) + " of " +
                               std::to_string(pool_.size()) + " compounds scored so far");
    }
    return select_batch(candidates_, options_);
}

} // namespace labelloop
