#include "labelloop/applicability.hpp"

#include "popcount.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace labelloop {
namespace {

// Upper bound of Tanimoto between popcounts a and b (BitBound, Swamidass & Baldi 2007).
inline double bit_bound(unsigned a, unsigned b) {
    if (a == 0 || b == 0) {
        return 0.0;
    }
    return a < b ? static_cast<double>(a) / b : static_cast<double>(b) / a;
}

inline bool better(const Neighbor& x, const Neighbor& y) {
    return x.similarity > y.similarity || (x.similarity == y.similarity && x.index < y.index);
}

// Keeps `list` the k best candidates seen so far, best first.
void offer(std::vector<Neighbor>& list, std::size_t k, const Neighbor& cand) {
    if (list.size() < k || better(cand, list.back())) {
        list.insert(std::upper_bound(list.begin(), list.end(), cand, better), cand);
        if (list.size() > k) {
            list.pop_back();
        }
    }
}

// Linear interpolation between order statistics (numpy's default percentile).
double percentile_of(std::vector<double> values, double pct) {
    std::sort(values.begin(), values.end());
    const double pos = pct / 100.0 * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const auto hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

} // namespace

FingerprintIndex::FingerprintIndex(std::vector<Fingerprint> fingerprints)
    : fingerprints_(std::move(fingerprints)) {
    const auto n = fingerprints_.size();
    std::vector<std::uint32_t> counts(n);
    for (std::size_t i = 0; i < n; ++i) {
        counts[i] = static_cast<std::uint32_t>(fingerprints_[i].popcount());
    }
    order_.resize(n);
    std::iota(order_.begin(), order_.end(), 0U);
    std::stable_sort(order_.begin(), order_.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return counts[a] < counts[b]; });
    popcount_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        popcount_[i] = counts[order_[i]];
    }
    by_position_ = std::move(counts);
}

std::vector<double> FingerprintIndex::similarity_to_all(const Fingerprint& query) const {
    const auto and_count = detail::and_count_kernel();
    const auto q = static_cast<unsigned>(query.popcount());
    std::vector<double> out(fingerprints_.size());
    for (std::size_t i = 0; i < fingerprints_.size(); ++i) {
        const unsigned both = and_count(query.words(), fingerprints_[i].words());
        out[i] = detail::tanimoto_from_counts(both, q + by_position_[i] - both);
    }
    return out;
}

std::vector<Neighbor> FingerprintIndex::nearest(const Fingerprint& query, std::size_t k,
                                                std::size_t exclude) const {
    const auto and_count = detail::and_count_kernel();
    std::vector<Neighbor> best; // sorted, best first, at most k
    if (k == 0 || order_.empty()) {
        return best;
    }
    best.reserve(k + 1);
    const auto q = static_cast<unsigned>(query.popcount());
    const auto start = static_cast<std::ptrdiff_t>(
        std::lower_bound(popcount_.begin(), popcount_.end(), q) - popcount_.begin());
    std::ptrdiff_t down = start - 1;
    std::ptrdiff_t up = start;
    const auto n = static_cast<std::ptrdiff_t>(order_.size());
    while (down >= 0 || up < n) {
        const double bound_up = up < n ? bit_bound(q, popcount_[static_cast<std::size_t>(up)]) : -1;
        const double bound_down =
            down >= 0 ? bit_bound(q, popcount_[static_cast<std::size_t>(down)]) : -1;
        const bool take_up = bound_up >= bound_down;
        const double bound = take_up ? bound_up : bound_down;
        // Both directions only get worse from here: nothing left can enter the top k.
        if (best.size() == k && bound < best.back().similarity) {
            break;
        }
        const auto pos = static_cast<std::size_t>(take_up ? up++ : down--);
        const std::size_t idx = order_[pos];
        if (idx == exclude) {
            continue;
        }
        const unsigned both = and_count(query.words(), fingerprints_[idx].words());
        const Neighbor cand{idx, detail::tanimoto_from_counts(both, q + popcount_[pos] - both)};
        offer(best, k, cand);
    }
    return best;
}

std::vector<std::vector<Neighbor>> FingerprintIndex::nearest_to_each_other(std::size_t k) const {
    const auto and_count = detail::and_count_kernel();
    const std::size_t n = fingerprints_.size();
    std::vector<std::vector<Neighbor>> best(n); // each sorted, best first, at most k
    if (k == 0) {
        return best;
    }
    for (auto& b : best) {
        b.reserve(std::min(k, n) + 1);
    }
    // floor[e]: similarity of the k-th best in best[e] once it holds k, else below any. Most
    // pairs are among neither entry's k best: a look at one contiguous array rules them out
    // without reaching the lists (a tie may still win on its index, so >=).
    std::vector<double> floor(n, -1.0);
    const auto offer_to = [&](std::size_t entry, const Neighbor& cand) {
        if (cand.similarity >= floor[entry]) {
            offer(best[entry], k, cand);
            if (best[entry].size() == k) {
                floor[entry] = best[entry].back().similarity;
            }
        }
    };
    for (std::size_t i = 0; i < n; ++i) {
        const auto& fi = fingerprints_[i];
        const unsigned pi = by_position_[i];
        for (std::size_t j = i + 1; j < n; ++j) {
            const unsigned both = and_count(fi.words(), fingerprints_[j].words());
            const double sim = detail::tanimoto_from_counts(both, pi + by_position_[j] - both);
            offer_to(i, {j, sim});
            offer_to(j, {i, sim});
        }
    }
    return best;
}

ApplicabilityDomain::ApplicabilityDomain(std::vector<Fingerprint> training,
                                         ApplicabilityOptions options, double threshold)
    : index_(std::move(training)), options_(options), threshold_(threshold) {}

ApplicabilityDomain ApplicabilityDomain::build(std::vector<Fingerprint> training,
                                               const ApplicabilityOptions& options) {
    if (training.size() < 2) {
        throw std::invalid_argument("the applicability domain needs at least 2 training "
                                    "compounds, got " +
                                    std::to_string(training.size()));
    }
    if (options.k == 0) {
        throw std::invalid_argument("applicability domain k must be at least 1");
    }
    if (!(options.percentile > 0.0 && options.percentile <= 100.0)) {
        throw std::invalid_argument("applicability domain percentile must be in (0, 100], got " +
                                    std::to_string(options.percentile));
    }
    ApplicabilityDomain domain(std::move(training), options, 1.0);
    const auto& fps = domain.index_.fingerprints();
    std::vector<double> loo(fps.size());
    const auto neighbours = domain.index_.nearest_to_each_other(options.k);
    for (std::size_t i = 0; i < fps.size(); ++i) {
        const auto& nn = neighbours[i];
        double sum = 0.0;
        for (const auto& nb : nn) {
            sum += 1.0 - nb.similarity;
        }
        loo[i] = sum / static_cast<double>(nn.size());
    }
    domain.threshold_ = percentile_of(std::move(loo), options.percentile);
    return domain;
}

double ApplicabilityDomain::distance(const Fingerprint& query) const {
    const auto nn = index_.nearest(query, options_.k);
    if (nn.empty()) {
        return 1.0;
    }
    double sum = 0.0;
    for (const auto& nb : nn) {
        sum += 1.0 - nb.similarity;
    }
    return sum / static_cast<double>(nn.size());
}

ApplicabilityAssessment ApplicabilityDomain::assess(const Fingerprint& query) const {
    const double d = distance(query);
    return {d, d <= threshold_};
}

} // namespace labelloop
