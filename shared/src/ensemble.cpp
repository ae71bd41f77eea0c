// BootstrapEnsemble: fitting (bootstrap, histogram tree growth, boosting), scoring and OOB
// calibration.
//
// Sections:
//   1. names and parameter checks
//   2. TrainingData: the fit's view of the rows (on-bit lists, binned descriptors)
//   3. TreeGrower: one histogram tree on gradients/hessians (random forest and boosting alike)
//   4. member fitting (bootstrap + RandomTree or GradientBoosted)
//   5. BootstrapEnsemble::fit (threads, progress, OOB calibration) and prediction
#include "labelloop/ensemble.hpp"

#include "labelloop/metrics.hpp"
#include "portable_math.hpp"
#include "rng.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <thread>

namespace labelloop {

// ---- 1. names and parameter checks ------------------------------------------------------

std::string to_string(Task task) {
    return task == Task::Regression ? "regression" : "classification";
}

Task parse_task(std::string_view name) {
    if (name == "regression") {
        return Task::Regression;
    }
    if (name == "classification") {
        return Task::Classification;
    }
    throw std::invalid_argument("unknown task '" + std::string(name) +
                                "' (expected regression or classification)");
}

std::string to_string(MemberType type) {
    return type == MemberType::RandomTree ? "random_tree" : "gradient_boosted";
}

MemberType parse_member_type(std::string_view name) {
    if (name == "random_tree") {
        return MemberType::RandomTree;
    }
    if (name == "gradient_boosted") {
        return MemberType::GradientBoosted;
    }
    throw std::invalid_argument("unknown member type '" + std::string(name) +
                                "' (expected random_tree or gradient_boosted)");
}

EnsembleParams EnsembleParams::random_forest() {
    EnsembleParams p;
    p.member_type = MemberType::RandomTree;
    p.max_depth = 0;
    p.min_samples_leaf = 1;
    p.feature_fraction = 0.0; // per task: 0.3 for regression, sqrt(p) / p for classification
    p.l2_regularization = 0.0;
    p.learning_rate = 1.0;
    p.boosting_rounds = 1;
    return p;
}

EnsembleParams EnsembleParams::recommended(std::size_t n_training) {
    EnsembleParams p;
    if (n_training >= 2000) {
        p.max_depth = 6;
        p.min_samples_leaf = 5;
    }
    return p;
}

void EnsembleParams::validate() const {
    auto fail = [](const std::string& msg) { throw std::invalid_argument(msg); };
    if (n_members < 2 || n_members > 10000) {
        fail("n_members must be between 2 and 10000, got " + std::to_string(n_members));
    }
    if (max_depth > 64) {
        fail("max_depth must be at most 64 (0 = unlimited), got " + std::to_string(max_depth));
    }
    if (min_samples_leaf < 1) {
        fail("min_samples_leaf must be at least 1");
    }
    if (!(feature_fraction >= 0.0 && feature_fraction <= 1.0)) {
        fail("feature_fraction must be in (0, 1] (0 = default), got " +
             std::to_string(feature_fraction));
    }
    if (max_bins < 2 || max_bins > 255) {
        fail("max_bins must be between 2 and 255, got " + std::to_string(max_bins));
    }
    if (member_type == MemberType::GradientBoosted) {
        if (boosting_rounds < 1 || boosting_rounds > 10000) {
            fail("boosting_rounds must be between 1 and 10000, got " +
                 std::to_string(boosting_rounds));
        }
        if (!(learning_rate > 0.0 && learning_rate <= 1.0)) {
            fail("learning_rate must be in (0, 1], got " + std::to_string(learning_rate));
        }
        if (!(row_subsample > 0.0 && row_subsample <= 1.0)) {
            fail("row_subsample must be in (0, 1], got " + std::to_string(row_subsample));
        }
    }
    if (!(ridge_alpha > 0.0 && std::isfinite(ridge_alpha))) {
        fail("ridge_alpha must be > 0, got " + std::to_string(ridge_alpha));
    }
    if (!(l2_regularization >= 0.0 && std::isfinite(l2_regularization))) {
        fail("l2_regularization must be >= 0, got " + std::to_string(l2_regularization));
    }
    label_weights.validate();
}

namespace {

double effective_feature_fraction(const EnsembleParams& p, Task task, std::size_t n_features) {
    if (p.feature_fraction > 0.0) {
        return p.feature_fraction;
    }
    if (p.member_type == MemberType::GradientBoosted) {
        return 1.0;
    }
    // Breiman's defaults: a third of the features for regression, sqrt(p) for classification.
    return task == Task::Regression ? 0.3
                                    : std::min(1.0, std::sqrt(static_cast<double>(n_features)) /
                                                        static_cast<double>(n_features));
}

// Random trees with a small per-split feature sample (classification's sqrt(p) of 2076
// features: 46) draw that many distinct features at every node and gather statistics for those
// only; larger samples use the histograms of every feature. The sample size, or 0 when the
// histogram path is taken.
constexpr std::size_t kMaxDrawn = 96; // < 256: TreeGrower::drawn_pos_ holds bytes

std::size_t drawn_sample_size(bool per_split_features, double feature_fraction,
                              std::size_t n_desc) {
    if (!per_split_features || feature_fraction >= 1.0) {
        return 0;
    }
    const auto p_features = Fingerprint::kBits + n_desc;
    const auto m =
        static_cast<std::size_t>(std::llround(feature_fraction * static_cast<double>(p_features)));
    return m <= kMaxDrawn ? std::max<std::size_t>(m, 1) : 0;
}

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

// ---- 3. TreeGrower ----------------------------------------------------------------------

/// A node's rows: a stretch of TreeGrower's row order (no allocation per node).
struct RowSpan {
    const std::uint32_t* first = nullptr;
    const std::uint32_t* last = nullptr;
    const std::uint32_t* begin() const { return first; }
    const std::uint32_t* end() const { return last; }
    std::size_t size() const { return static_cast<std::size_t>(last - first); }
};

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

struct SplitStats {
    double g = 0.0;
    double h = 0.0;
    double c = 0.0;

    void add(const SplitStats& o) {
        g += o.g;
        h += o.h;
        c += o.c;
    }
};

class TreeGrower {
public:
    TreeGrower(const TrainingData& data, const MemberBits& member_bits)
        : data_(data), bits_(member_bits), bit_stats_(member_bits.bit_of.size()) {
        desc_offset_.push_back(0);
        for (const auto& e : data.edges) {
            desc_offset_.push_back(desc_offset_.back() + e.size() + 1);
        }
        desc_stats_.resize(desc_offset_.back());
        desc_filled_.assign(data.n_desc * kFilledWords, 0);
        drawn_seen_.assign(Fingerprint::kBits + data.n_desc, 0);
        node_bits_.assign(data.column_words, 0);
    }

    /// Grows one tree on rows `rows` (sorted, unique) with per-row g, h (already weighted)
    /// and multiplicity c. Adds each leaf's value to out[r] for its rows.
    Tree grow(const std::vector<std::uint32_t>& rows, const std::vector<double>& g,
              const std::vector<double>& h, const std::vector<double>& c, const GrowOptions& opt,
              detail::Rng& rng, std::vector<double>& out) {
        g_ = &g;
        h_ = &h;
        c_ = &c;
        opt_ = opt;
        rng_ = &rng;
        Tree tree;
        if (!opt.per_split_features) {
            sample_features(opt.feature_fraction);
        }
        // Larger samples than drawn_sample_size allows use the histograms of every feature
        // and the hashed membership test.
        const std::size_t n_drawn =
            drawn_sample_size(opt.per_split_features, opt.feature_fraction, data_.n_desc);
        // Every node owns a stretch [begin, end) of order_; a split partitions its stretch in
        // place, stably (left rows first, each side in the parent's order), so every sum
        // below adds the same numbers in the same order as with a vector per node.
        order_.assign(rows.begin(), rows.end());
        right_rows_.resize(rows.size());
        struct Pending {
            std::int32_t node;
            unsigned depth;
            std::size_t begin;
            std::size_t end;
            std::unique_ptr<Histogram> hist; // dense histograms when already known
            // The node's sums over its rows, in row order (its parent's partition adds them
            // up in that order as it goes; the root's are added here).
            SplitStats total;
        };
        std::vector<Pending> stack;
        tree.nodes.emplace_back();
        const auto add = [&](SplitStats& t, std::uint32_t r) {
            t.g += g[r];
            t.h += h[r];
            t.c += c[r];
        };
        SplitStats root_total;
        for (auto r : order_) {
            add(root_total, r);
        }
        stack.push_back({0, 0, 0, order_.size(), nullptr, root_total});
        while (!stack.empty()) {
            Pending p = std::move(stack.back());
            stack.pop_back();
            std::uint32_t* first = order_.data() + p.begin;
            const RowSpan node_rows{first, order_.data() + p.end};
            const SplitStats total = p.total;
            Split s;
            // All of class 0: every g is -0; all of class 1: every g is exactly -h, so the
            // sums in the same order are exactly opposite.
            const bool pure = opt.binary_targets && (total.g == 0.0 || total.g == -total.h);
            const bool may_split = !pure && (opt.max_depth == 0 || p.depth < opt.max_depth) &&
                                   total.c >= 2 * opt.min_count;
            if (may_split) {
                if (opt.per_split_features && n_drawn == 0) {
                    sample_features(opt.feature_fraction);
                }
                if (n_drawn > 0) {
                    s = drawn_split(node_rows, total, n_drawn);
                } else if (node_rows.size() >= kDenseRows) {
                    if (!p.hist) {
                        p.hist = new_histogram();
                        accumulate(node_rows, *p.hist);
                    }
                    s = evaluate_dense(*p.hist, total);
                } else {
                    s = best_split(node_rows, total);
                }
            }
            if (s.feature < 0) {
                auto& leaf = tree.nodes[static_cast<std::size_t>(p.node)];
                leaf.value =
                    total.h + opt.l2 > 0 ? -total.g / (total.h + opt.l2) * opt.learning_rate : 0.0;
                for (auto r : node_rows) {
                    out[r] += leaf.value;
                }
                if (p.hist) {
                    spare_.push_back(std::move(p.hist));
                }
                continue;
            }
            std::size_t n_left = 0;
            std::size_t n_right = 0;
            SplitStats left_total;
            SplitStats right_total;
            // Stable partition of the node's stretch; each side's sums added in row order.
            const auto partition = [&](auto goes_right_of) {
                for (auto r : node_rows) {
                    if (goes_right_of(r)) {
                        right_rows_[n_right++] = r;
                        add(right_total, r);
                    } else {
                        first[n_left++] = r; // never ahead of the read position
                        add(left_total, r);
                    }
                }
            };
            if (s.feature < static_cast<std::int32_t>(Fingerprint::kBits) &&
                data_.column_words > 0) {
                // The split bit's column (a few hundred bytes) instead of each row's
                // fingerprint word scattered over the whole training set.
                const std::uint64_t* col =
                    &data_.columns[static_cast<std::size_t>(s.feature) * data_.column_words];
                partition([col](std::uint32_t r) { return ((col[r >> 6] >> (r & 63)) & 1U) != 0; });
            } else {
                partition([&](std::uint32_t r) { return goes_right(r, s); });
            }
            const double left_c = left_total.c;
            const double right_c = right_total.c;
            std::copy(right_rows_.begin(),
                      right_rows_.begin() + static_cast<std::ptrdiff_t>(n_right), first + n_left);
            const RowSpan left{first, first + n_left};
            const RowSpan right{first + n_left, first + n_left + n_right};
            // Histogram subtraction: build the smaller child's histograms from its rows and
            // get the larger child's as parent minus smaller, when the larger child will need
            // dense histograms at all.
            std::unique_ptr<Histogram> left_hist;
            std::unique_ptr<Histogram> right_hist;
            const bool child_may_split = opt.max_depth == 0 || p.depth + 1 < opt.max_depth;
            const bool left_smaller = left.size() <= right.size();
            const auto& larger = left_smaller ? right : left;
            const double larger_c = left_smaller ? right_c : left_c;
            if (p.hist && child_may_split && larger.size() >= kDenseRows &&
                larger_c >= 2 * opt.min_count) {
                auto small_hist = new_histogram();
                accumulate(left_smaller ? left : right, *small_hist);
                subtract(*p.hist, *small_hist);
                auto& larger_slot = left_smaller ? right_hist : left_hist;
                auto& smaller_slot = left_smaller ? left_hist : right_hist;
                larger_slot = std::move(p.hist);
                if ((left_smaller ? left : right).size() >= kDenseRows) {
                    smaller_slot = std::move(small_hist);
                } else {
                    spare_.push_back(std::move(small_hist));
                }
            }
            if (p.hist) {
                spare_.push_back(std::move(p.hist));
            }
            const auto left_id = static_cast<std::int32_t>(tree.nodes.size());
            tree.nodes.emplace_back();
            tree.nodes.emplace_back();
            auto& node = tree.nodes[static_cast<std::size_t>(p.node)];
            node.feature = s.feature;
            node.threshold = s.threshold;
            node.left = left_id;
            node.right = left_id + 1;
            // Stored as f32 in the artifact; rounded here so a loaded model equals the fitted.
            node.gain = static_cast<double>(static_cast<float>(s.gain));
            // Right pushed first so the left subtree is grown first (node order is part of
            // the reproducible result).
            stack.push_back({left_id + 1, p.depth + 1, p.begin + n_left, p.end,
                             std::move(right_hist), right_total});
            stack.push_back({left_id, p.depth + 1, p.begin, p.begin + n_left, std::move(left_hist),
                             left_total});
        }
        return tree;
    }

private:
    struct Split {
        std::int32_t feature = -1;
        std::uint8_t bin = 0;
        double threshold = 0.0;
        double gain = 0.0;
    };

    // Dense per-node histograms (every bit, every descriptor bin) for large nodes; small nodes
    // use the sparse path in best_split, which only touches the bits their rows have.
    struct Histogram {
        std::vector<SplitStats> bits;
        std::vector<SplitStats> desc;
    };
    static constexpr std::size_t kDenseRows = 128;

    // Zeroed histograms, reusing those of finished nodes (a member grows thousands).
    std::unique_ptr<Histogram> new_histogram() {
        std::unique_ptr<Histogram> hist;
        if (spare_.empty()) {
            hist = std::make_unique<Histogram>();
        } else {
            hist = std::move(spare_.back());
            spare_.pop_back();
        }
        hist->bits.assign(bits_.bit_of.size(), SplitStats{});
        hist->desc.assign(desc_offset_.back(), SplitStats{});
        return hist;
    }

    void accumulate(RowSpan rows, Histogram& hist) const {
        const auto& g = *g_;
        const auto& h = *h_;
        const auto& c = *c_;
        const std::size_t nd = data_.n_desc;
        for (auto r : rows) {
            const double gr = g[r];
            const double hr = h[r];
            const double cr = c[r];
            for (auto i = bits_.offsets[r]; i < bits_.offsets[r + 1]; ++i) {
                auto& st = hist.bits[bits_.slots[i]];
                st.g += gr;
                st.h += hr;
                st.c += cr;
            }
            const std::uint8_t* rb = &data_.bins[r * nd];
            for (std::size_t d = 0; d < nd; ++d) {
                auto& st = hist.desc[desc_offset_[d] + rb[d]];
                st.g += gr;
                st.h += hr;
                st.c += cr;
            }
        }
    }

    static void subtract(Histogram& from, const Histogram& part) {
        for (std::size_t i = 0; i < from.bits.size(); ++i) {
            from.bits[i].g -= part.bits[i].g;
            from.bits[i].h -= part.bits[i].h;
            from.bits[i].c -= part.bits[i].c;
        }
        for (std::size_t i = 0; i < from.desc.size(); ++i) {
            from.desc[i].g -= part.desc[i].g;
            from.desc[i].h -= part.desc[i].h;
            from.desc[i].c -= part.desc[i].c;
        }
    }

    Split evaluate_dense(const Histogram& hist, const SplitStats& total) const {
        const double parent = score(total);
        Split best;
        for (std::size_t slot = 0; slot < hist.bits.size(); ++slot) {
            const SplitStats& right = hist.bits[slot];
            const std::size_t b = bits_.bit_of[slot];
            if (right.c <= 0.0 || !in_sample(b)) {
                continue;
            }
            const SplitStats left{total.g - right.g, total.h - right.h, total.c - right.c};
            consider(best, static_cast<std::int32_t>(b), 0, 0.5, left, right, parent);
        }
        evaluate_descriptors(hist.desc.data(), total, parent, best);
        return best;
    }

    void evaluate_descriptors(const SplitStats* desc, const SplitStats& total, double parent,
                              Split& best) const {
        for (std::size_t d = 0; d < data_.n_desc; ++d) {
            if (in_sample(Fingerprint::kBits + d)) {
                evaluate_descriptor(d, desc + desc_offset_[d], total, parent, best);
            }
        }
    }

    // Every threshold of descriptor d from its bin statistics `bins` (edges + 1 of them).
    void evaluate_descriptor(std::size_t d, const SplitStats* bins, const SplitStats& total,
                             double parent, Split& best) const {
        SplitStats left;
        for (std::size_t b = 0; b < data_.edges[d].size(); ++b) {
            left.add(bins[b]);
            if (bins[b].c <= 0.0) {
                continue; // same partition as the previous bin
            }
            consider_edge(d, b, left, total, parent, best);
        }
    }

    // The split of descriptor d at edge b (value <= edges[d][b] goes left); `left` holds the
    // statistics of bins 0..b.
    void consider_edge(std::size_t d, std::size_t b, const SplitStats& left,
                       const SplitStats& total, double parent, Split& best) const {
        const SplitStats right{total.g - left.g, total.h - left.h, total.c - left.c};
        consider(best, static_cast<std::int32_t>(Fingerprint::kBits + d),
                 static_cast<std::uint8_t>(b), data_.edges[d][b], left, right, parent);
    }

    // Best split among `m` distinct features drawn uniformly from all of them (Floyd's
    // algorithm), gathering statistics for those features only: one pass over the rows tests
    // the drawn bits a member can split on; each drawn descriptor gets its own bin pass.
    Split drawn_split(RowSpan rows, const SplitStats& total, std::size_t m) {
        const auto p_features = static_cast<std::uint32_t>(Fingerprint::kBits + data_.n_desc);
        drawn_.clear();
        for (auto j = p_features - static_cast<std::uint32_t>(m); j < p_features; ++j) {
            const std::uint32_t t = rng_->below(j + 1);
            const std::uint32_t f = drawn_seen_[t] != 0 ? j : t;
            drawn_seen_[f] = 1;
            drawn_.push_back(f);
        }
        for (auto f : drawn_) {
            drawn_seen_[f] = 0;
        }
        drawn_bits_.clear();
        drawn_desc_.clear();
        for (auto f : drawn_) {
            if (f >= Fingerprint::kBits) {
                drawn_desc_.push_back(f - static_cast<std::uint32_t>(Fingerprint::kBits));
            } else if (bits_.slot_of[f] >= 0) {
                drawn_bits_.push_back(f);
            }
        }
        const auto& g = *g_;
        const auto& h = *h_;
        const auto& c = *c_;
        const double parent = score(total);
        Split best;
        const std::size_t k = drawn_bits_.size();
        if (k > 0) {
            // One AND of each row's fingerprint words with the drawn bits' mask; the (rare)
            // hits index the drawn bit's statistics. Cheaper than a test per drawn bit per row
            // or a table lookup per bit of the row.
            drawn_stats_.assign(k, SplitStats{});
            std::array<std::uint64_t, Fingerprint::kWords> mask{};
            for (std::size_t j = 0; j < k; ++j) {
                const auto b = drawn_bits_[j];
                mask[b >> 6] |= std::uint64_t{1} << (b & 63);
                drawn_pos_[b] = static_cast<std::uint8_t>(j);
            }
            // A node's rows are in increasing order, so both ways add each drawn bit's rows
            // in the same order: the same sums bit for bit. Large nodes (random trees peel a
            // few rows off a large node split after split on sparse bits, so most row visits
            // are in nodes of hundreds of rows) take the columns: one AND per drawn bit and
            // word of the node's row range instead of one per row and fingerprint word.
            const std::size_t lo = rows.first[0] >> 6;
            const std::size_t hi = (rows.last[-1] >> 6) + 1;
            if (data_.column_words > 0 &&
                k * (hi - lo) + rows.size() < rows.size() * Fingerprint::kWords) {
                for (auto r : rows) {
                    node_bits_[r >> 6] |= std::uint64_t{1} << (r & 63);
                }
                for (std::size_t j = 0; j < k; ++j) {
                    const std::uint64_t* col = &data_.columns[drawn_bits_[j] * data_.column_words];
                    auto& st = drawn_stats_[j];
                    for (std::size_t i = lo; i < hi; ++i) {
                        for (auto hit = col[i] & node_bits_[i]; hit != 0; hit &= hit - 1) {
                            const std::size_t r = i * 64 + lowest_set_bit(hit);
                            st.g += g[r];
                            st.h += h[r];
                            st.c += c[r];
                        }
                    }
                }
                std::fill(node_bits_.begin() + static_cast<std::ptrdiff_t>(lo),
                          node_bits_.begin() + static_cast<std::ptrdiff_t>(hi), 0);
            } else {
                for (auto r : rows) {
                    const std::uint64_t* w = &data_.words[r * Fingerprint::kWords];
                    for (std::size_t i = 0; i < Fingerprint::kWords; ++i) {
                        for (auto hit = w[i] & mask[i]; hit != 0; hit &= hit - 1) {
                            auto& st = drawn_stats_[drawn_pos_[i * 64 + lowest_set_bit(hit)]];
                            st.g += g[r];
                            st.h += h[r];
                            st.c += c[r];
                        }
                    }
                }
            }
            for (std::size_t j = 0; j < k; ++j) {
                const SplitStats& right = drawn_stats_[j];
                if (right.c <= 0.0) {
                    continue;
                }
                const SplitStats left{total.g - right.g, total.h - right.h, total.c - right.c};
                consider(best, static_cast<std::int32_t>(drawn_bits_[j]), 0, 0.5, left, right,
                         parent);
            }
        }
        const std::size_t nd = data_.n_desc;
        for (auto d : drawn_desc_) {
            SplitStats* bins = &desc_stats_[desc_offset_[d]];
            std::uint64_t* filled = &desc_filled_[d * kFilledWords];
            for (auto r : rows) {
                const std::uint8_t bin = data_.bins[r * nd + d];
                auto& st = bins[bin];
                st.g += g[r];
                st.h += h[r];
                st.c += c[r];
                filled[bin >> 6] |= std::uint64_t{1} << (bin & 63);
            }
            evaluate_filled_bins(d, total, parent, best);
        }
        return best;
    }

    // Small nodes fill a few of a descriptor's bins: evaluate_descriptor's sweep over the
    // filled ones only (an empty bin adds nothing and is skipped there too, so the result is
    // the same), found through the filled-bin mask; then clears those bins and the mask.
    static constexpr std::size_t kFilledWords = 4; // 256 bins >= max_bins
    void evaluate_filled_bins(std::size_t d, const SplitStats& total, double parent, Split& best) {
        SplitStats* bins = &desc_stats_[desc_offset_[d]];
        std::uint64_t* filled = &desc_filled_[d * kFilledWords];
        SplitStats left;
        for (std::size_t w = 0; w < kFilledWords; ++w) {
            for (auto m = filled[w]; m != 0; m &= m - 1) {
                const std::size_t b = w * 64 + lowest_set_bit(m);
                if (b < data_.edges[d].size()) { // the top bin (above every edge) is no threshold
                    left.add(bins[b]);
                    consider_edge(d, b, left, total, parent, best);
                }
                bins[b] = SplitStats{};
            }
            filled[w] = 0;
        }
    }

    // Feature subsampling without one draw per feature (2076 per node for random trees, most
    // of their fit time): one draw per sample gives a key, and feature f is in the sample when
    // a SplitMix64 hash of (key, f), read as a uniform in [0, 1), falls under the fraction.
    // Only the candidates a node actually has (its rows' bits, the descriptors) are hashed.
    void sample_features(double fraction) {
        sample_fraction_ = fraction;
        if (fraction < 1.0) {
            sample_key_ = rng_->next();
        }
    }

    bool in_sample(std::size_t feature) const {
        if (sample_fraction_ >= 1.0) {
            return true;
        }
        std::uint64_t z = sample_key_ + 0x9E3779B97F4A7C15ULL * (feature + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        return static_cast<double>(z >> 11) * 0x1.0p-53 < sample_fraction_;
    }

    bool goes_right(std::uint32_t r, const Split& s) const {
        if (s.feature < static_cast<std::int32_t>(Fingerprint::kBits)) {
            const auto f = static_cast<std::size_t>(s.feature);
            return ((data_.words[r * Fingerprint::kWords + (f >> 6)] >> (f & 63)) & 1U) != 0;
        }
        const auto d = static_cast<std::size_t>(s.feature) - Fingerprint::kBits;
        return data_.bins[r * data_.n_desc + d] > s.bin;
    }

    double score(const SplitStats& s) const { return s.g * s.g / (s.h + opt_.l2); }

    void consider(Split& best, std::int32_t feature, std::uint8_t bin, double threshold,
                  const SplitStats& left, const SplitStats& right, double parent) const {
        if (left.c < opt_.min_count || right.c < opt_.min_count) {
            return;
        }
        const double dl = left.h + opt_.l2;
        const double dr = right.h + opt_.l2;
        if (dl <= 0 || dr <= 0) {
            return;
        }
        // Most candidates lose to the best so far by far: rule them out without the two
        // divisions (gl^2/dl + gr^2/dr < t  <=>  gl^2 dr + gr^2 dl < t dl dr), with a margin
        // so that only clear losers are skipped and every result stays bit for bit the same.
        const double t = best.gain + parent;
        if (left.g * left.g * dr + right.g * right.g * dl < t * dl * dr * (1.0 - 1e-9)) {
            return;
        }
        const double gain = score(left) + score(right) - parent;
        // Exact comparison with the feature index as tie-break: the result does not depend on
        // the order candidates are visited in.
        if (gain > best.gain ||
            (gain == best.gain && best.feature >= 0 && feature < best.feature)) {
            best = {feature, bin, threshold, gain};
        }
    }

    Split best_split(RowSpan rows, const SplitStats& total) {
        const auto& g = *g_;
        const auto& h = *h_;
        const auto& c = *c_;
        // Histograms: per fingerprint bit the stats of rows having it; per bin of the
        // descriptors in this node's sample.
        touched_.clear();
        const std::size_t nd = data_.n_desc;
        sampled_desc_.clear();
        for (std::size_t d = 0; d < nd; ++d) {
            if (in_sample(Fingerprint::kBits + d)) {
                sampled_desc_.push_back(static_cast<std::uint32_t>(d));
            }
        }
        for (auto r : rows) {
            const double gr = g[r];
            const double hr = h[r];
            const double cr = c[r];
            for (auto i = bits_.offsets[r]; i < bits_.offsets[r + 1]; ++i) {
                auto& s = bit_stats_[bits_.slots[i]];
                if (s.c == 0) {
                    touched_.push_back(bits_.slots[i]);
                }
                s.g += gr;
                s.h += hr;
                s.c += cr;
            }
            const std::uint8_t* rb = &data_.bins[r * nd];
            for (auto d : sampled_desc_) {
                const std::uint8_t bin = rb[d];
                auto& s = desc_stats_[desc_offset_[d] + bin];
                s.g += gr;
                s.h += hr;
                s.c += cr;
                desc_filled_[d * kFilledWords + (bin >> 6)] |= std::uint64_t{1} << (bin & 63);
            }
        }
        const double parent = score(total);
        Split best;
        best.gain = 0.0;
        for (auto slot : touched_) {
            SplitStats right = bit_stats_[slot];
            bit_stats_[slot] = {};
            const std::size_t b = bits_.bit_of[slot];
            if (!in_sample(b)) {
                continue;
            }
            SplitStats left{total.g - right.g, total.h - right.h, total.c - right.c};
            consider(best, static_cast<std::int32_t>(b), 0, 0.5, left, right, parent);
        }
        for (auto d : sampled_desc_) {
            evaluate_filled_bins(d, total, parent, best); // and back to zero for the next node
        }
        return best;
    }

    const TrainingData& data_;
    const MemberBits& bits_;
    std::vector<SplitStats> bit_stats_;     // per slot
    std::vector<std::uint32_t> order_;      // the tree's rows, each node's a stretch
    std::vector<std::uint32_t> right_rows_; // partition scratch
    std::vector<std::unique_ptr<Histogram>> spare_;
    std::vector<std::uint16_t> touched_;
    std::vector<std::uint32_t> drawn_;
    std::vector<std::uint8_t> drawn_seen_; // Floyd's draw: feature -> already drawn
    std::vector<std::uint64_t> node_bits_; // a node's rows as a bitset (column path)
    std::vector<std::uint32_t> drawn_bits_;
    std::vector<std::uint32_t> drawn_desc_;
    std::vector<SplitStats> drawn_stats_;
    std::array<std::uint8_t, Fingerprint::kBits> drawn_pos_{}; // bit -> index in drawn_bits_
    std::vector<std::size_t> desc_offset_;
    std::vector<SplitStats> desc_stats_;
    std::vector<std::uint64_t> desc_filled_;  // per descriptor: kFilledWords mask of filled bins
    std::vector<std::uint32_t> sampled_desc_; // best_split: the node's sampled descriptors
    double sample_fraction_ = 1.0;
    std::uint64_t sample_key_ = 0;
    const std::vector<double>* g_ = nullptr;
    const std::vector<double>* h_ = nullptr;
    const std::vector<double>* c_ = nullptr;
    GrowOptions opt_;
    detail::Rng* rng_ = nullptr;
};

// ---- 4. member fitting ------------------------------------------------------------------

struct FittedMember {
    EnsembleMember member;
    std::vector<std::uint32_t> oob_rows;
    std::vector<double> oob_outputs;
};

double tree_output(const Tree& tree, const Features& f) {
    const TreeNode* nodes = tree.nodes.data();
    std::int32_t i = 0;
    while (nodes[i].feature >= 0) {
        const auto& n = nodes[i];
        bool right;
        if (n.feature < static_cast<std::int32_t>(Fingerprint::kBits)) {
            right = f.fingerprint.test(static_cast<std::size_t>(n.feature));
        } else {
            right = f.descriptors[static_cast<std::size_t>(n.feature) - Fingerprint::kBits] >
                    n.threshold;
        }
        i = right ? n.right : n.left;
    }
    return nodes[i].value;
}

double raw_member_output(const EnsembleMember& m, const Features& f) {
    double z = m.base;
    for (std::size_t d = 0; d < m.linear.size(); ++d) {
        z += m.linear[d] * f.descriptors[d];
    }
    for (const auto& t : m.trees) {
        z += tree_output(t, f);
    }
    return z;
}

double finish_output(Task task, MemberType type, double z) {
    if (task == Task::Classification && type == MemberType::GradientBoosted) {
        return detail::sigmoid(z);
    }
    return z;
}

// Solves the symmetric positive definite system a x = b in place by Cholesky (plain loops, so
// native and WASM round identically). Returns false if a is not positive definite.
bool cholesky_solve(std::vector<double>& a, std::vector<double>& b, std::size_t n) {
    for (std::size_t j = 0; j < n; ++j) {
        double d = a[j * n + j];
        for (std::size_t k = 0; k < j; ++k) {
            d -= a[j * n + k] * a[j * n + k];
        }
        if (!(d > 0.0)) {
            return false;
        }
        d = std::sqrt(d);
        a[j * n + j] = d;
        for (std::size_t i = j + 1; i < n; ++i) {
            double v = a[i * n + j];
            for (std::size_t k = 0; k < j; ++k) {
                v -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = v / d;
        }
    }
    for (std::size_t i = 0; i < n; ++i) { // L y = b
        double v = b[i];
        for (std::size_t k = 0; k < i; ++k) {
            v -= a[i * n + k] * b[k];
        }
        b[i] = v / a[i * n + i];
    }
    for (std::size_t i = n; i-- > 0;) { // L^T x = y
        double v = b[i];
        for (std::size_t k = i + 1; k < n; ++k) {
            v -= a[k * n + i] * b[k];
        }
        b[i] = v / a[i * n + i];
    }
    return true;
}

// Weighted ridge regression of y on the descriptors of `rows` (standardised internally, the
// intercept unpenalised); sets member.base and member.linear in raw descriptor units.
void fit_linear_base(EnsembleMember& member, const std::vector<Features>& x,
                     const std::vector<double>& y, const std::vector<double>& w,
                     const std::vector<std::uint32_t>& rows, std::size_t nd, double alpha) {
    double sw = 0.0;
    double my = 0.0;
    std::vector<double> mean(nd, 0.0);
    for (auto r : rows) {
        sw += w[r];
        my += w[r] * y[r];
        for (std::size_t d = 0; d < nd; ++d) {
            mean[d] += w[r] * x[r].descriptors[d];
        }
    }
    my /= sw;
    for (auto& m : mean) {
        m /= sw;
    }
    std::vector<double> scale(nd, 0.0);
    for (auto r : rows) {
        for (std::size_t d = 0; d < nd; ++d) {
            const double c = x[r].descriptors[d] - mean[d];
            scale[d] += w[r] * c * c;
        }
    }
    for (auto& s : scale) {
        s = s > 0.0 ? std::sqrt(s / sw) : 0.0; // constant descriptor: left out (coef 0)
    }
    std::vector<double> a(nd * nd, 0.0);
    std::vector<double> b(nd, 0.0);
    std::vector<double> z(nd);
    for (auto r : rows) {
        for (std::size_t d = 0; d < nd; ++d) {
            z[d] = scale[d] > 0.0 ? (x[r].descriptors[d] - mean[d]) / scale[d] : 0.0;
        }
        const double ry = y[r] - my;
        for (std::size_t i = 0; i < nd; ++i) {
            const double wz = w[r] * z[i];
            b[i] += wz * ry;
            for (std::size_t j = 0; j <= i; ++j) {
                a[i * nd + j] += wz * z[j];
            }
        }
    }
    for (std::size_t i = 0; i < nd; ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            a[j * nd + i] = a[i * nd + j];
        }
        a[i * nd + i] += alpha * sw;
    }
    member.base = my;
    member.linear.assign(nd, 0.0);
    if (!cholesky_solve(a, b, nd)) {
        return; // degenerate: fall back to the constant base
    }
    for (std::size_t d = 0; d < nd; ++d) {
        if (scale[d] > 0.0) {
            member.linear[d] = b[d] / scale[d];
            member.base -= member.linear[d] * mean[d];
        }
    }
}

FittedMember fit_member(std::size_t index, const TrainingData& data, const std::vector<Features>& x,
                        const std::vector<double>& y, const std::vector<double>& weights, Task task,
                        const EnsembleParams& params) {
    auto rng = detail::Rng::derive(params.seed, index);
    const std::size_t n = data.n_rows;
    std::vector<double> count(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        count[rng.below(static_cast<std::uint32_t>(n))] += 1.0;
    }
    std::vector<std::uint32_t> rows;
    FittedMember fm;
    for (std::size_t r = 0; r < n; ++r) {
        (count[r] > 0 ? rows : fm.oob_rows).push_back(static_cast<std::uint32_t>(r));
    }
    std::vector<double> w(n, 0.0);
    for (auto r : rows) {
        w[r] = weights[r] * count[r];
    }

    const MemberBits member_bits(data, count, params.min_samples_leaf);
    TreeGrower grower(data, member_bits);
    GrowOptions opt;
    opt.max_depth = params.max_depth;
    opt.min_count = params.min_samples_leaf;
    opt.l2 = params.l2_regularization;
    opt.feature_fraction =
        effective_feature_fraction(params, task, Fingerprint::kBits + data.n_desc);
    std::vector<double> g(n, 0.0);
    std::vector<double> h(n, 0.0);
    std::vector<double> out(n, 0.0);
    auto& member = fm.member;

    const bool linear = params.linear_base && task == Task::Regression && data.n_desc > 0;
    if (linear) {
        fit_linear_base(member, x, y, w, rows, data.n_desc, params.ridge_alpha);
        for (auto r : rows) {
            out[r] = raw_member_output(member, x[r]);
        }
    }
    if (params.member_type == MemberType::RandomTree) {
        // Squared-error tree: g = -w y, h = w makes every leaf the weighted mean of y and the
        // split gain the weighted variance reduction (Gini for 0/1 labels).
        for (auto r : rows) {
            g[r] = -w[r] * (y[r] - out[r]);
            h[r] = w[r];
        }
        opt.per_split_features = true;
        opt.binary_targets = task == Task::Classification;
        opt.l2 = 0.0;
        opt.learning_rate = 1.0;
        member.trees.push_back(grower.grow(rows, g, h, count, opt, rng, out));
    } else {
        double sw = 0.0;
        double swy = 0.0;
        for (auto r : rows) {
            sw += w[r];
            swy += w[r] * y[r];
        }
        double mean = swy / sw;
        if (task == Task::Classification) {
            mean = std::min(std::max(mean, 1e-6), 1.0 - 1e-6);
            member.base = detail::portable_log(mean / (1.0 - mean));
        } else if (!linear) {
            member.base = mean;
        }
        if (!linear) {
            for (auto r : rows) {
                out[r] = member.base;
            }
        }
        opt.learning_rate = params.learning_rate;
        std::vector<std::uint32_t> round_rows;
        std::vector<std::uint32_t> other_rows;
        for (unsigned round = 0; round < params.boosting_rounds; ++round) {
            for (auto r : rows) {
                if (task == Task::Classification) {
                    const double p = detail::sigmoid(out[r]);
                    g[r] = w[r] * (p - y[r]);
                    h[r] = w[r] * std::max(p * (1.0 - p), 1e-6);
                } else {
                    g[r] = w[r] * (out[r] - y[r]);
                    h[r] = w[r];
                }
            }
            if (params.row_subsample >= 1.0) {
                member.trees.push_back(grower.grow(rows, g, h, count, opt, rng, out));
                continue;
            }
            // Stochastic boosting: the tree sees a seeded share of the rows; the rest still
            // move by its output, so every row's gradient stays current.
            round_rows.clear();
            other_rows.clear();
            for (auto r : rows) {
                (rng.uniform() < params.row_subsample ? round_rows : other_rows).push_back(r);
            }
            if (round_rows.empty()) {
                round_rows.swap(other_rows);
            }
            member.trees.push_back(grower.grow(round_rows, g, h, count, opt, rng, out));
            for (auto r : other_rows) {
                out[r] += tree_output(member.trees.back(), x[r]);
            }
        }
    }
    fm.oob_outputs.reserve(fm.oob_rows.size());
    for (auto r : fm.oob_rows) {
        fm.oob_outputs.push_back(
            finish_output(task, params.member_type, raw_member_output(member, x[r])));
    }
    return fm;
}

void check_fit_input(const std::vector<Features>& x, const std::vector<double>& y,
                     const std::vector<double>& weights, Task task, const FeatureLayout& layout) {
    auto fail = [](const std::string& msg) { throw std::invalid_argument(msg); };
    if (x.size() < 5) {
        fail("a model needs at least 5 labeled compounds, got " + std::to_string(x.size()));
    }
    if (y.size() != x.size() || weights.size() != x.size()) {
        fail("got " + std::to_string(x.size()) + " compounds, " + std::to_string(y.size()) +
             " labels and " + std::to_string(weights.size()) + " weights; they must match");
    }
    if (x.size() > 0xFFFFFFF0U) {
        fail("too many training compounds");
    }
    std::size_t positives = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        check_features(x[i], layout, "training compound " + std::to_string(i));
        if (!std::isfinite(y[i])) {
            fail("label of training compound " + std::to_string(i) + " is not a finite number");
        }
        if (task == Task::Classification) {
            if (y[i] != 0.0 && y[i] != 1.0) {
                fail("classification label of training compound " + std::to_string(i) + " is " +
                     std::to_string(y[i]) + ", expected 0 or 1");
            }
            positives += y[i] == 1.0 ? 1 : 0;
        }
        if (!(weights[i] > 0.0 && std::isfinite(weights[i]))) {
            fail("weight of training compound " + std::to_string(i) +
                 " must be a positive number, got " + std::to_string(weights[i]));
        }
    }
    if (task == Task::Classification && (positives == 0 || positives == x.size())) {
        fail("classification needs both classes among the labels, got " +
             std::to_string(positives) + " of " + std::to_string(x.size()) + " positive");
    }
}

unsigned usable_threads(unsigned requested) {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
    (void)requested;
    return 1; // no threads in the browser build
#else
    return std::max(1U, requested);
#endif
}

// Population mean and standard deviation of v (two-pass, in order).
void mean_std(const double* v, std::size_t n, double& mean, double& sd) {
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        sum += v[i];
    }
    mean = sum / static_cast<double>(n);
    double ss = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        ss += (v[i] - mean) * (v[i] - mean);
    }
    sd = std::sqrt(ss / static_cast<double>(n));
}

Calibration calibrate(Task task, const std::vector<double>& y,
                      const std::vector<FittedMember>& fitted) {
    const std::size_t n = y.size();
    std::vector<std::vector<double>> per_row(n);
    for (const auto& fm : fitted) {
        for (std::size_t i = 0; i < fm.oob_rows.size(); ++i) {
            per_row[fm.oob_rows[i]].push_back(fm.oob_outputs[i]);
        }
    }
    Calibration cal;
    std::vector<double> ys;
    std::vector<double> means;
    std::vector<double> ratios;
    std::size_t gaussian_hits = 0;
    for (std::size_t r = 0; r < n; ++r) {
        if (per_row[r].size() < 2) {
            continue;
        }
        double m = 0.0;
        double sd = 0.0;
        mean_std(per_row[r].data(), per_row[r].size(), m, sd);
        ys.push_back(y[r]);
        means.push_back(m);
        const double err = std::fabs(y[r] - m);
        ratios.push_back(sd > 0 ? err / sd : (err > 0 ? HUGE_VAL : 0.0));
        gaussian_hits += err <= cal.z90 * sd ? 1 : 0;
    }
    cal.n_oob = ys.size();
    if (cal.n_oob == 0) {
        return cal;
    }
    cal.oob_coverage_gaussian = static_cast<double>(gaussian_hits) / static_cast<double>(cal.n_oob);
    if (task == Task::Regression) {
        std::vector<double> sorted = ratios;
        std::sort(sorted.begin(), sorted.end());
        const auto k = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(cal.n_oob)));
        const double z = sorted[std::min(k, cal.n_oob) - 1];
        if (std::isfinite(z) && z > 0) {
            cal.z90 = z;
        }
        cal.oob_score = rmse(ys, means);
    } else {
        const bool both = std::find(ys.begin(), ys.end(), 0.0) != ys.end() &&
                          std::find(ys.begin(), ys.end(), 1.0) != ys.end();
        cal.oob_score = both ? roc_auc(ys, means) : 0.0;
    }
    std::size_t hits = 0;
    for (double q : ratios) {
        hits += q <= cal.z90 ? 1 : 0;
    }
    cal.oob_coverage = static_cast<double>(hits) / static_cast<double>(cal.n_oob);
    return cal;
}

} // namespace

// ---- 5. BootstrapEnsemble ---------------------------------------------------------------

BootstrapEnsemble::BootstrapEnsemble(Task task, FeatureLayout layout, EnsembleParams params,
                                     std::vector<EnsembleMember> members, Calibration calibration,
                                     ApplicabilityDomain applicability, std::size_t n_training)
    : task_(task), layout_(std::move(layout)), params_(std::move(params)),
      members_(std::move(members)), calibration_(calibration),
      applicability_(std::move(applicability)), n_training_(n_training) {
    build_scoring_layout();
}

void BootstrapEnsemble::build_scoring_layout() {
    scoring_nodes_.clear();
    tree_begin_.clear();
    member_begin_.clear();
    for (const auto& m : members_) {
        member_begin_.push_back(static_cast<std::uint32_t>(tree_begin_.size()));
        for (const auto& t : m.trees) {
            const auto begin = static_cast<std::uint32_t>(scoring_nodes_.size());
            tree_begin_.push_back(begin);
            // Pre-order copy: an explicit stack of (source node, parent slot to patch).
            std::vector<std::pair<std::int32_t, std::int64_t>> stack{{0, -1}};
            while (!stack.empty()) {
                const auto [src, patch] = stack.back();
                stack.pop_back();
                const auto here = static_cast<std::uint32_t>(scoring_nodes_.size());
                if (patch >= 0) {
                    scoring_nodes_[static_cast<std::size_t>(patch)].right = here - begin;
                }
                const auto& n = t.nodes[static_cast<std::size_t>(src)];
                if (n.feature < 0) {
                    scoring_nodes_.push_back({-1, 0, n.value});
                    continue;
                }
                scoring_nodes_.push_back({n.feature, 0, n.threshold});
                stack.push_back({n.right, static_cast<std::int64_t>(here)});
                stack.push_back({n.left, -1}); // visited next: becomes here + 1
            }
        }
    }
    member_begin_.push_back(static_cast<std::uint32_t>(tree_begin_.size()));
}

double BootstrapEnsemble::scoring_member_output(std::size_t member,
                                                const Features& features) const {
    const auto& m = members_[member];
    double z = m.base;
    for (std::size_t d = 0; d < m.linear.size(); ++d) {
        z += m.linear[d] * features.descriptors[d];
    }
    const auto& words = features.fingerprint.words();
    const auto& desc = features.descriptors;
    for (auto t = member_begin_[member]; t < member_begin_[member + 1]; ++t) {
        const ScoringNode* base = scoring_nodes_.data() + tree_begin_[t];
        const ScoringNode* n = base;
        while (n->feature >= 0) {
            const auto f = static_cast<std::size_t>(n->feature);
            const bool right = f < Fingerprint::kBits ? ((words[f >> 6] >> (f & 63)) & 1U) != 0
                                                      : desc[f - Fingerprint::kBits] > n->value;
            n = right ? base + n->right : n + 1;
        }
        z += n->value;
    }
    return z;
}

BootstrapEnsemble BootstrapEnsemble::fit(const std::vector<Features>& x,
                                         const std::vector<double>& y,
                                         const std::vector<double>& weights, Task task,
                                         const FeatureLayout& layout, const EnsembleParams& params,
                                         const ProgressCallback& progress) {
    params.validate();
    check_fit_input(x, y, weights, task, layout);
    const bool with_columns =
        drawn_sample_size(
            params.member_type == MemberType::RandomTree,
            effective_feature_fraction(params, task, Fingerprint::kBits + layout.n_descriptors()),
            layout.n_descriptors()) > 0;

    std::vector<FittedMember> fitted(params.n_members);
    // Task 0 builds the applicability domain (a leave-one-out kNN over the training set, the
    // longest single task, so it goes first); tasks 1..n_members fit the members. The calling
    // thread builds the members' TrainingData meanwhile (a helper starts on the domain), so
    // that serial step overlaps the domain's kNN; a member task waits until it is ready.
    std::optional<ApplicabilityDomain> domain;
    std::optional<TrainingData> data;
    enum : int { kBuilding, kReady, kFailed };
    std::atomic<int> data_state{kBuilding};
    const std::size_t n_tasks = params.n_members + 1;
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> done{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    const auto fail = [&] {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) {
            error = std::current_exception();
        }
        next.store(n_tasks);
    };
    auto work = [&](bool report) {
        for (;;) {
            const std::size_t task_index = next.fetch_add(1);
            if (task_index >= n_tasks) {
                return;
            }
            try {
                if (task_index == 0) {
                    std::vector<Fingerprint> fps;
                    fps.reserve(x.size());
                    for (const auto& f : x) {
                        fps.push_back(f.fingerprint);
                    }
                    domain = ApplicabilityDomain::build(std::move(fps));
                    continue;
                }
                int state = data_state.load();
                while (state == kBuilding) { // only with three or more threads
                    std::this_thread::yield();
                    state = data_state.load();
                }
                if (state == kFailed) {
                    return;
                }
                const std::size_t i = task_index - 1;
                fitted[i] = fit_member(i, *data, x, y, weights, task, params);
            } catch (...) {
                fail();
                return;
            }
            const std::size_t finished = done.fetch_add(1) + 1;
            if (report && progress) {
                progress(static_cast<double>(finished) / static_cast<double>(params.n_members));
            }
        }
    };
    const unsigned n_threads =
        std::min<unsigned>(usable_threads(params.n_threads),
                           static_cast<unsigned>(std::min<std::size_t>(params.n_members, 64)));
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < n_threads; ++t) {
        helpers.emplace_back(work, false);
    }
    try {
        data.emplace(x, layout.n_descriptors(), params.max_bins, with_columns);
        data_state.store(kReady);
    } catch (...) {
        data_state.store(kFailed);
        fail();
    }
    work(true);
    for (auto& t : helpers) {
        t.join();
    }
    if (error) {
        std::rethrow_exception(error);
    }

    Calibration calibration = calibrate(task, y, fitted);
    std::vector<EnsembleMember> members;
    members.reserve(fitted.size());
    for (auto& fm : fitted) {
        members.push_back(std::move(fm.member));
    }
    if (progress) {
        progress(1.0);
    }
    return BootstrapEnsemble(task, layout, params, std::move(members), calibration,
                             std::move(*domain), x.size());
}

double BootstrapEnsemble::member_output(std::size_t member, const Features& features) const {
    check_features(features, layout_, "compound");
    if (member >= members_.size()) {
        throw std::out_of_range("member " + std::to_string(member) + " of " +
                                std::to_string(members_.size()));
    }
    return finish_output(task_, params_.member_type, scoring_member_output(member, features));
}

Prediction BootstrapEnsemble::predict(const Features& features) const {
    check_features(features, layout_, "compound");
    Prediction p;
    p.members.resize(members_.size());
    for (std::size_t m = 0; m < members_.size(); ++m) {
        p.members[m] =
            finish_output(task_, params_.member_type, scoring_member_output(m, features));
    }
    summarize(p);
    return p;
}

void BootstrapEnsemble::summarize(Prediction& p) const {
    mean_std(p.members.data(), p.members.size(), p.mean, p.std);
    p.lower90 = p.mean - calibration_.z90 * p.std;
    p.upper90 = p.mean + calibration_.z90 * p.std;
    if (task_ == Task::Classification) {
        p.lower90 = std::max(0.0, p.lower90);
        p.upper90 = std::min(1.0, p.upper90);
    }
}

std::vector<Prediction> BootstrapEnsemble::predict_batch(const std::vector<Features>& rows,
                                                         bool with_members) const {
    return predict_batch(rows.data(), rows.size(), with_members);
}

std::vector<Prediction> BootstrapEnsemble::predict_batch(const Features* rows, std::size_t n_rows,
                                                         bool with_members) const {
    for (std::size_t i = 0; i < n_rows; ++i) {
        check_features(rows[i], layout_, "compound " + std::to_string(i));
    }
    // Tree-major over blocks of up to 64 compounds, all of them walking a tree together: a
    // 64-bit mask holds which compounds of the block reach a node, and one AND with the
    // node's "goes right" mask splits it between the children. Bit splits take that mask from
    // the block's transposed fingerprints (bit_rows[f]: which compounds have bit f); descriptor
    // splits from the block's values sorted per descriptor (above_rank[d][k]: the compounds
    // ranked k or higher, found by a branch-free search for the threshold). A node costs the
    // same for 64 compounds as for one, so the per-compound work is essentially the leaf add.
    // Each compound still gets exactly one leaf per tree, added in tree order onto the same
    // start value as scoring_member_output(), so results are bit-identical to predict().
    constexpr std::size_t kBlock = 64;
    const std::size_t n_members = members_.size();
    const std::size_t n_desc = layout_.n_descriptors();
    std::vector<Prediction> out(n_rows);
    std::vector<double> outputs(n_members * kBlock); // [member][compound in block]
    std::vector<std::uint64_t> bit_rows(Fingerprint::kBits);
    std::vector<double> sorted(n_desc * kBlock);                  // [descriptor][rank], +inf padded
    std::vector<std::uint64_t> above_rank(n_desc * (kBlock + 1)); // [descriptor][rank]
    std::vector<std::pair<double, unsigned>> order(kBlock);
    std::vector<std::pair<const ScoringNode*, std::uint64_t>> stack;
    stack.reserve(64);
    for (std::size_t first = 0; first < n_rows; first += kBlock) {
        const std::size_t n = std::min(kBlock, n_rows - first);
        const Features* block = rows + first;
        const std::uint64_t everyone = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
        std::fill(bit_rows.begin(), bit_rows.end(), 0);
        for (std::size_t c = 0; c < n; ++c) {
            const auto& words = block[c].fingerprint.words();
            for (std::size_t w = 0; w < words.size(); ++w) {
                for (std::uint64_t bits = words[w]; bits != 0; bits &= bits - 1) {
                    bit_rows[w * 64 + lowest_set_bit(bits)] |= std::uint64_t{1} << c;
                }
            }
        }
        for (std::size_t d = 0; d < n_desc; ++d) {
            for (std::size_t c = 0; c < n; ++c) {
                order[c] = {block[c].descriptors[d], static_cast<unsigned>(c)};
            }
            std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n));
            double* s = sorted.data() + d * kBlock;
            std::uint64_t* above = above_rank.data() + d * (kBlock + 1);
            std::fill(s, s + kBlock, std::numeric_limits<double>::infinity());
            std::fill(above, above + kBlock + 1, 0);
            for (std::size_t k = n; k-- > 0;) {
                s[k] = order[k].first;
                above[k] = above[k + 1] | (std::uint64_t{1} << order[k].second);
            }
        }
        for (std::size_t m = 0; m < n_members; ++m) {
            const auto& member = members_[m];
            double* z = outputs.data() + m * kBlock;
            for (std::size_t c = 0; c < n; ++c) {
                double v = member.base;
                for (std::size_t d = 0; d < member.linear.size(); ++d) {
                    v += member.linear[d] * block[c].descriptors[d];
                }
                z[c] = v;
            }
            for (auto t = member_begin_[m]; t < member_begin_[m + 1]; ++t) {
                const ScoringNode* base = scoring_nodes_.data() + tree_begin_[t];
                const ScoringNode* node = base;
                std::uint64_t reach = everyone;
                for (;;) {
                    while (node->feature >= 0) {
                        const auto f = static_cast<std::size_t>(node->feature);
                        std::uint64_t right;
                        if (f < Fingerprint::kBits) {
                            right = reach & bit_rows[f];
                        } else {
                            // How many of the block's values are <= threshold (0..64).
                            const double* s = sorted.data() + (f - Fingerprint::kBits) * kBlock;
                            const double threshold = node->value;
                            std::size_t k = 0;
                            for (std::size_t step = kBlock / 2; step > 0; step >>= 1) {
                                k += s[k + step - 1] <= threshold ? step : 0;
                            }
                            k += s[k] <= threshold ? 1 : 0;
                            right = reach & above_rank[(f - Fingerprint::kBits) * (kBlock + 1) + k];
                        }
                        const std::uint64_t left = reach & ~right;
                        if (left == 0) {
                            node = base + node->right;
                            continue;
                        }
                        if (right != 0) {
                            stack.emplace_back(base + node->right, right);
                        }
                        node = node + 1;
                        reach = left;
                    }
                    const double value = node->value;
                    for (std::uint64_t r = reach; r != 0; r &= r - 1) {
                        z[lowest_set_bit(r)] += value;
                    }
                    if (stack.empty()) {
                        break;
                    }
                    node = stack.back().first;
                    reach = stack.back().second;
                    stack.pop_back();
                }
            }
        }
        for (std::size_t c = 0; c < n; ++c) {
            Prediction& p = out[first + c];
            p.members.resize(n_members);
            for (std::size_t m = 0; m < n_members; ++m) {
                p.members[m] = finish_output(task_, params_.member_type, outputs[m * kBlock + c]);
            }
            summarize(p);
            if (!with_members) {
                p.members = {};
            }
        }
    }
    return out;
}

std::vector<double> BootstrapEnsemble::feature_importances() const {
    std::vector<double> imp(layout_.n_features(), 0.0);
    double total = 0.0;
    for (const auto& m : members_) {
        for (const auto& t : m.trees) {
            for (const auto& n : t.nodes) {
                if (n.feature >= 0 && static_cast<std::size_t>(n.feature) < imp.size()) {
                    imp[static_cast<std::size_t>(n.feature)] += n.gain;
                    total += n.gain;
                }
            }
        }
    }
    if (total > 0) {
        for (auto& v : imp) {
            v /= total;
        }
    }
    return imp;
}

} // namespace labelloop
