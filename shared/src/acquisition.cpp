// Acquisition: the discovery scores (greedy, UCB, EI, PI), the density scores and the batch
// rules of Thompson sampling and the cluster strategy. select_batch (sampling.cpp) ranks
// and picks with them.
#include "acquisition_picks.hpp"
#include "labelloop/fingerprint.hpp"
#include "labelloop/objective.hpp"
#include "labelloop/sampling.hpp"
#include "rng.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace labelloop {
namespace detail {

// Where pool compound i sits in the density reference sample (npos when it is not in it).
std::size_t reference_slot(const std::vector<std::size_t>& reference_index, std::size_t i) {
    const auto it = std::lower_bound(reference_index.begin(), reference_index.end(), i);
    return it != reference_index.end() && *it == i
               ? static_cast<std::size_t>(it - reference_index.begin())
               : static_cast<std::size_t>(-1);
}

// Density: each compound's mean similarity to the seeded reference sample of the pool.
std::vector<double> pool_density(const std::vector<Fingerprint>& fps, const SelectionOptions& o) {
    const auto ref_index = density_reference(fps.size(), o.density_sample, o.seed);
    std::vector<Fingerprint> ref;
    ref.reserve(ref_index.size());
    for (std::size_t r : ref_index) {
        ref.push_back(fps[r]);
    }
    std::vector<double> out(fps.size());
    for (std::size_t i = 0; i < fps.size(); ++i) {
        out[i] = mean_similarity(fps[i], ref, reference_slot(ref_index, i));
    }
    return out;
}

bool has_member_columns(const CandidatePool& pool) {
    bool complete = pool.member_outputs.size() >= 2;
    for (const auto& column : pool.member_outputs) {
        complete = complete && column.size() == pool.predictions.size();
    }
    return complete;
}

// Thompson sampling: each pick draws one ensemble member and takes the compound that member
// rates best toward the objective among those not yet picked (and, with the Tanimoto cap,
// not too close to a pick).
std::vector<std::size_t> thompson_picks(const CandidatePool& pool, const SelectionOptions& o) {
    const std::size_t n = pool.predictions.size();
    const bool columns_given = has_member_columns(pool);
    std::vector<std::vector<double>> built;
    if (!columns_given) {
        built.resize(pool.predictions[0].members.size(), std::vector<double>(n));
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t m = 0; m < built.size(); ++m) {
                built[m][i] = pool.predictions[i].members[m];
            }
        }
    }
    const auto& columns = columns_given ? pool.member_outputs : built;
    Rng rng = Rng::derive(o.seed, 0x7A);
    std::vector<char> out(n, 0); // picked, or too close to a pick
    std::vector<std::size_t> picked;
    while (picked.size() < o.batch_size) {
        const auto& column = columns[rng.below(static_cast<std::uint32_t>(columns.size()))];
        // The best unpicked compound for this member. One loop per objective kind, each with
        // toward_objective's own arithmetic inlined (same values, same picks): a call per
        // compound and pick made a 20,000-compound batch of 50 take 12 ms in WASM.
        std::size_t best = n;
        double best_value = 0.0;
        const auto scan = [&](auto oriented) {
            for (std::size_t i = 0; i < n; ++i) {
                if (out[i]) {
                    continue;
                }
                const double v = oriented(column[i]);
                if (best == n || v > best_value) {
                    best = i;
                    best_value = v;
                }
            }
        };
        const Objective& obj = o.objective;
        switch (obj.kind) {
        case ObjectiveKind::Minimize:
            scan([](double v) { return -v; });
            break;
        case ObjectiveKind::Window:
            scan([&obj](double v) {
                return v < obj.lo ? v - obj.lo : (v > obj.hi ? obj.hi - v : 0.0);
            });
            break;
        case ObjectiveKind::Class:
            if (obj.target_class == 1) {
                scan([](double v) { return v; });
            } else {
                scan([](double v) { return 1.0 - v; });
            }
            break;
        default:
            scan([](double v) { return v; });
            break;
        }
        if (best == n) {
            break; // the Tanimoto cap excluded the rest of the pool
        }
        out[best] = 1;
        picked.push_back(best);
        if (o.diversity == Diversity::TanimotoCap) {
            for (std::size_t i = 0; i < n; ++i) {
                if (!out[i] &&
                    tanimoto(pool.fingerprints[i], pool.fingerprints[best]) > o.tanimoto_cap) {
                    out[i] = 1;
                }
            }
        }
    }
    return picked;
}

// Cluster: k-means++ seeding weighted by uncertainty (as BADGE does with gradient
// embeddings), on Tanimoto distance among the most uncertain candidates. The first pick is
// the most uncertain; each next one is drawn with probability proportional to
// uncertainty x (distance to the nearest pick)^2, so a batch covers the uncertain regions
// instead of piling into one.
std::vector<std::size_t> kmeanspp_picks(const CandidatePool& pool,
                                        const std::vector<std::size_t>& order,
                                        const SelectionOptions& o) {
    const std::size_t n = order.size();
    const std::size_t want_pool =
        o.cluster_pool ? o.cluster_pool : std::max<std::size_t>(20 * o.batch_size, 400);
    const std::size_t top = std::min(n, std::max(o.batch_size, want_pool));
    std::vector<double> nearest(top, 1.0); // Tanimoto distance to the nearest pick
    std::vector<char> used(top, 0);
    Rng rng = Rng::derive(o.seed, 0xC1);
    std::vector<std::size_t> picked;
    std::size_t current = 0;
    for (;;) {
        used[current] = 1;
        picked.push_back(order[current]);
        if (picked.size() == o.batch_size) {
            break;
        }
        const Fingerprint& last = pool.fingerprints[order[current]];
        double total = 0.0;
        for (std::size_t j = 0; j < top; ++j) {
            if (!used[j]) {
                nearest[j] =
                    std::min(nearest[j], 1.0 - tanimoto(pool.fingerprints[order[j]], last));
                total += pool.predictions[order[j]].std * nearest[j] * nearest[j];
            }
        }
        std::size_t next = top;
        if (total > 0.0) {
            double target = rng.uniform() * total;
            for (std::size_t j = 0; j < top; ++j) {
                if (used[j]) {
                    continue;
                }
                const double w = pool.predictions[order[j]].std * nearest[j] * nearest[j];
                if (w <= 0.0) {
                    continue;
                }
                next = j; // the last positive weight catches rounding at the end
                if (target < w) {
                    break;
                }
                target -= w;
            }
        }
        if (next == top) { // nothing left with weight: the next unused by rank
            for (std::size_t j = 0; j < top && next == top; ++j) {
                if (!used[j]) {
                    next = j;
                }
            }
        }
        current = next;
    }
    return picked;
}

} // namespace detail

std::vector<std::size_t> density_reference(std::size_t pool_size, std::size_t sample,
                                           std::uint64_t seed) {
    std::vector<std::size_t> all(pool_size);
    std::iota(all.begin(), all.end(), 0);
    const std::size_t k = std::min(pool_size, sample);
    detail::Rng rng = detail::Rng::derive(seed, 0xD3);
    for (std::size_t i = 0; i < k; ++i) { // partial Fisher-Yates
        const std::size_t j = i + rng.below(static_cast<std::uint32_t>(pool_size - i));
        std::swap(all[i], all[j]);
    }
    all.resize(k);
    std::sort(all.begin(), all.end());
    return all;
}

double mean_similarity(const Fingerprint& fp, const std::vector<Fingerprint>& reference,
                       std::size_t self) {
    double sum = 0.0;
    std::size_t n = 0;
    for (std::size_t r = 0; r < reference.size(); ++r) {
        if (r == self) {
            continue;
        }
        sum += tanimoto(fp, reference[r]);
        ++n;
    }
    return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

double acquisition_greedy(const Objective& objective, const Prediction& p) {
    if (!objective.active()) {
        throw SelectionError("greedy acquisition needs an objective");
    }
    return toward_objective(objective, p.mean);
}

double acquisition_ucb(const Objective& objective, const Prediction& p, double beta) {
    return acquisition_greedy(objective, p) + beta * p.std;
}

namespace {

// The improvement part of EI / PI on maximize / minimize: oriented mean, incumbent, sigma.
struct Improvement {
    double gain;  // oriented mean - oriented incumbent
    double sigma; // calibrated predictive spread
};

Improvement improvement_over(const Objective& objective, const Prediction& p,
                             std::optional<double> best_label, const char* name) {
    if (!best_label) {
        throw SelectionError(std::string(name) + " needs the best label so far");
    }
    return {toward_objective(objective, p.mean) - toward_objective(objective, *best_label),
            calibrated_sigma(p)};
}

bool hit_defined_by_objective(const Objective& o, Task task) {
    return task == Task::Classification || o.kind == ObjectiveKind::Window;
}

double hit_probability(const Objective& o, Task task, const Prediction& p) {
    if (task == Task::Classification) {
        return toward_objective(o, p.mean);
    }
    Objective window = o;
    window.hit_threshold.reset();
    return probability_of_hit(window, task, p);
}

} // namespace

double acquisition_ei(const Objective& objective, Task task, const Prediction& p,
                      std::optional<double> best_label) {
    if (!objective.active()) {
        throw SelectionError("expected improvement needs an objective");
    }
    if (hit_defined_by_objective(objective, task)) {
        return hit_probability(objective, task, p);
    }
    const auto [gain, sigma] = improvement_over(objective, p, best_label, "expected improvement");
    if (!(sigma > 0.0)) {
        return std::max(gain, 0.0);
    }
    const double z = gain / sigma;
    return gain * normal_cdf(z) + sigma * normal_pdf(z);
}

double acquisition_pi(const Objective& objective, Task task, const Prediction& p,
                      std::optional<double> best_label) {
    if (!objective.active()) {
        throw SelectionError("probability of improvement needs an objective");
    }
    if (hit_defined_by_objective(objective, task)) {
        return hit_probability(objective, task, p);
    }
    const auto [gain, sigma] =
        improvement_over(objective, p, best_label, "probability of improvement");
    if (!(sigma > 0.0)) {
        return gain > 0.0 ? 1.0 : 0.0;
    }
    return normal_cdf(gain / sigma);
}

} // namespace labelloop
