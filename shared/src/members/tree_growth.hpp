// Tree growth shared by the tree member families (gradient boosting, random trees): the fit's
// binned view of the training rows, the bits one member can split on, and one histogram tree
// grown on per-row gradients / hessians. Internal to labelloop_core.
#pragma once

#include "../rng.hpp"
#include "labelloop/ensemble.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace labelloop::detail {

/// Random trees with a small per-split feature sample draw that many distinct features at every
/// node; the sample size, or 0 when the histogram path is taken (see tree_growth.cpp).
std::size_t drawn_sample_size(bool per_split_features, double feature_fraction, std::size_t n_desc);

// ---- 2. TrainingData --------------------------------------------------------------------

struct TrainingData {
    std::size_t n_rows = 0;
    std::size_t n_desc = 0;
    std::vector<std::uint32_t> bit_offsets; // row r's on-bits: bits[bit_offsets[r] ..
    std::vector<std::uint16_t> bits;        //                       bit_offsets[r + 1])
    std::vector<std::uint64_t> words;       // row-major n_rows x kWords (one-load bit tests)
    std::vector<std::uint8_t> bins;         // row-major n_rows x n_desc
    std::vector<std::vector<double>> edges; // per descriptor: bin b means value <= edges[b]
    // With `with_columns`: per fingerprint bit, the rows having it as a bitset over rows
    // (bit b's words start at b * column_words). Large nodes of drawn-sample random trees
    // read their drawn bits' rows from these instead of scanning every row's fingerprint.
    std::size_t column_words = 0;
    std::vector<std::uint64_t> columns;

    TrainingData(const std::vector<Features>& x, std::size_t n_descriptors, unsigned max_bins,
                 bool with_columns)
        : n_rows(x.size()), n_desc(n_descriptors) {
        bit_offsets.reserve(n_rows + 1);
        bit_offsets.push_back(0);
        words.reserve(n_rows * Fingerprint::kWords);
        for (const auto& f : x) {
            for (auto b : f.fingerprint.on_bits()) {
                bits.push_back(static_cast<std::uint16_t>(b));
            }
            bit_offsets.push_back(static_cast<std::uint32_t>(bits.size()));
            words.insert(words.end(), f.fingerprint.words().begin(), f.fingerprint.words().end());
        }
        if (with_columns) {
            column_words = (n_rows + 63) / 64;
            columns.assign(Fingerprint::kBits * column_words, 0);
            for (std::size_t r = 0; r < n_rows; ++r) {
                for (auto i = bit_offsets[r]; i < bit_offsets[r + 1]; ++i) {
                    columns[bits[i] * column_words + (r >> 6)] |= std::uint64_t{1} << (r & 63);
                }
            }
        }
        edges.resize(n_desc);
        bins.resize(n_rows * n_desc);
        std::vector<double> values(n_rows);
        for (std::size_t d = 0; d < n_desc; ++d) {
            for (std::size_t r = 0; r < n_rows; ++r) {
                values[r] = x[r].descriptors[d];
            }
            std::sort(values.begin(), values.end());
            std::vector<double> distinct = values;
            distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
            auto& e = edges[d];
            if (distinct.size() <= max_bins) {
                // Every distinct value but the largest is a threshold.
                e.assign(distinct.begin(), distinct.end() - 1);
            } else {
                for (unsigned q = 1; q < max_bins; ++q) {
                    e.push_back(values[q * n_rows / max_bins]);
                }
                e.erase(std::unique(e.begin(), e.end()), e.end());
                if (!e.empty() && e.back() == distinct.back()) {
                    e.pop_back(); // "<= max" splits nothing off
                }
            }
            for (std::size_t r = 0; r < n_rows; ++r) {
                const double v = x[r].descriptors[d];
                bins[r * n_desc + d] =
                    static_cast<std::uint8_t>(std::lower_bound(e.begin(), e.end(), v) - e.begin());
            }
        }
    }
};

// The fingerprint bits one member can split on: those whose total bootstrap multiplicity
// reaches the leaf minimum (a split on any other bit leaves fewer than that on its "has the
// bit" side, which TreeGrower::consider rejects anyway). The member's rows keep only these
// bits, renumbered as slots in increasing bit order, so histograms and the dense scan shrink
// from 2048 entries to the bits that can matter, without changing any result.
struct MemberBits {
    std::vector<std::uint16_t> bit_of;  // slot -> fingerprint bit, increasing
    std::vector<std::int32_t> slot_of;  // fingerprint bit -> slot, or -1
    std::vector<std::uint32_t> offsets; // in-bag row r's slots: slots[offsets[r] ..
    std::vector<std::uint16_t> slots;   //                         offsets[r + 1])

    MemberBits(const TrainingData& data, const std::vector<double>& count, double min_count) {
        std::vector<double> total(Fingerprint::kBits, 0.0);
        for (std::size_t r = 0; r < data.n_rows; ++r) {
            if (count[r] > 0) {
                for (auto i = data.bit_offsets[r]; i < data.bit_offsets[r + 1]; ++i) {
                    total[data.bits[i]] += count[r];
                }
            }
        }
        slot_of.assign(Fingerprint::kBits, -1);
        for (std::size_t b = 0; b < Fingerprint::kBits; ++b) {
            if (total[b] > 0 && total[b] >= min_count) {
                slot_of[b] = static_cast<std::int32_t>(bit_of.size());
                bit_of.push_back(static_cast<std::uint16_t>(b));
            }
        }
        if (!data.columns.empty()) {
            return; // drawn-sample trees read the columns and row words, never these lists
        }
        offsets.reserve(data.n_rows + 1);
        offsets.push_back(0);
        for (std::size_t r = 0; r < data.n_rows; ++r) {
            if (count[r] > 0) {
                for (auto i = data.bit_offsets[r]; i < data.bit_offsets[r + 1]; ++i) {
                    if (const auto slot = slot_of[data.bits[i]]; slot >= 0) {
                        slots.push_back(static_cast<std::uint16_t>(slot));
                    }
                }
            }
            offsets.push_back(static_cast<std::uint32_t>(slots.size()));
        }
    }
};

/// Index of the lowest set bit of a non-zero word (GCC, Clang and Emscripten builtin).
inline std::size_t lowest_set_bit(std::uint64_t x) {
    return static_cast<std::size_t>(__builtin_ctzll(x));
}

struct GrowOptions {
    unsigned max_depth = 0; // 0 = unlimited
    double min_count = 1;
    double l2 = 0.0;
    double learning_rate = 1.0;
    double feature_fraction = 1.0;
    bool per_split_features = false; // RandomTree: new feature sample at every node
    // g = -h y with every y 0 or 1 (random-tree classification): a node whose rows all have
    // the same class has no split with any gain, so it becomes a leaf without drawing a
    // feature sample or gathering statistics (an unpruned forest grows down to such nodes).
    bool binary_targets = false;
};

/// Grows histogram trees for one member; holds the buffers its trees reuse.
class TreeGrower {
public:
    TreeGrower(const TrainingData& data, const MemberBits& member_bits);
    ~TreeGrower();
    TreeGrower(const TreeGrower&) = delete;
    TreeGrower& operator=(const TreeGrower&) = delete;

    /// Grows one tree on rows `rows` (sorted, unique) with per-row g, h (already weighted)
    /// and multiplicity c. Adds each leaf's value to out[r] for its rows.
    Tree grow(const std::vector<std::uint32_t>& rows, const std::vector<double>& g,
              const std::vector<double>& h, const std::vector<double>& c, const GrowOptions& opt,
              Rng& rng, std::vector<double>& out);

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace labelloop::detail
