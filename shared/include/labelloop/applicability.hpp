// Similarity search over packed fingerprints and the applicability domain built on it: how far
// a compound lies from what the model was trained on (mean Tanimoto distance to its k nearest
// training compounds), and the "similar compounds" panel of the labeling UI.
#pragma once

#include "labelloop/fingerprint.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace labelloop {

struct Neighbor {
    std::size_t index = 0; // position in the indexed fingerprint list
    double similarity = 0.0;
};

/// Exact k-nearest-neighbour search by Tanimoto with BitBound pruning: fingerprints are kept
/// sorted by popcount, and a candidate with popcount b can reach at most min(a,b)/max(a,b)
/// against a query of popcount a, so whole popcount ranges are skipped once k neighbours are
/// better than that bound.
class FingerprintIndex {
public:
    FingerprintIndex() = default;
    explicit FingerprintIndex(std::vector<Fingerprint> fingerprints);

    /// The k most similar indexed fingerprints, most similar first; ties by smaller index.
    /// `exclude` (an index into the list, e.g. the query itself) is skipped. Fewer than k when
    /// the index is smaller.
    std::vector<Neighbor> nearest(const Fingerprint& query, std::size_t k,
                                  std::size_t exclude = kNoExclude) const;

    /// For every indexed fingerprint i, nearest(fingerprints()[i], k, i): its k nearest other
    /// entries. Each pair's similarity is computed once (n^2 / 2 popcounts), which beats n
    /// BitBound queries on Morgan fingerprints, whose popcounts are too alike to prune much.
    std::vector<std::vector<Neighbor>> nearest_to_each_other(std::size_t k) const;

    /// Tanimoto of `query` to every indexed fingerprint, in list order (cached popcounts: one
    /// popcount per word instead of two).
    std::vector<double> similarity_to_all(const Fingerprint& query) const;

    std::size_t size() const { return fingerprints_.size(); }
    /// In the order given to the constructor.
    const std::vector<Fingerprint>& fingerprints() const { return fingerprints_; }

    static constexpr std::size_t kNoExclude = static_cast<std::size_t>(-1);

private:
    std::vector<Fingerprint> fingerprints_;
    std::vector<std::uint32_t> order_;       // indices sorted by popcount
    std::vector<std::uint32_t> popcount_;    // popcount_[i] of order_[i]
    std::vector<std::uint32_t> by_position_; // popcount of fingerprints_[i]
};

struct ApplicabilityOptions {
    std::size_t k = 5;
    /// A compound is in the domain when its distance is at most this percentile of the
    /// training compounds' own leave-one-out distances.
    double percentile = 95.0;
};

struct ApplicabilityAssessment {
    double distance = 0.0; // mean Tanimoto distance (1 - similarity) to the k nearest
    bool in_domain = true;
};

class ApplicabilityDomain {
public:
    ApplicabilityDomain() = default;
    /// Computes every training compound's leave-one-out distance to set the threshold
    /// (O(n^2) Tanimoto in the worst case, pruned by BitBound). Throws std::invalid_argument
    /// for fewer than 2 fingerprints, k == 0 or a percentile outside (0, 100].
    static ApplicabilityDomain build(std::vector<Fingerprint> training,
                                     const ApplicabilityOptions& options = {});
    /// Restores a domain with a known threshold (model-format reader).
    ApplicabilityDomain(std::vector<Fingerprint> training, ApplicabilityOptions options,
                        double threshold);

    /// Mean Tanimoto distance to the k nearest training compounds (fewer if the training set
    /// is smaller); 1.0 for an empty domain.
    double distance(const Fingerprint& query) const;
    ApplicabilityAssessment assess(const Fingerprint& query) const;
    /// The k most similar training compounds (indices into the training list).
    std::vector<Neighbor> similar(const Fingerprint& query, std::size_t k) const {
        return index_.nearest(query, k);
    }

    double threshold() const { return threshold_; }
    const ApplicabilityOptions& options() const { return options_; }
    const FingerprintIndex& index() const { return index_; }
    bool empty() const { return index_.size() == 0; }

private:
    FingerprintIndex index_;
    ApplicabilityOptions options_;
    double threshold_ = 1.0;
};

} // namespace labelloop
