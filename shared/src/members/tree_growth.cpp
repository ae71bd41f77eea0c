// Histogram tree growth (see tree_growth.hpp): exact greedy splits over fingerprint bits and
// binned descriptors, dense histograms with the sibling-subtraction trick for large nodes, a
// sparse scan for small ones, and per-split drawn feature samples for random trees.
#include "tree_growth.hpp"

#include <array>
#include <limits>
#include <numeric>

namespace labelloop::detail {

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

/// A node's rows: a stretch of TreeGrower's row order (no allocation per node).
struct RowSpan {
    const std::uint32_t* first = nullptr;
    const std::uint32_t* last = nullptr;
    const std::uint32_t* begin() const { return first; }
    const std::uint32_t* end() const { return last; }
    std::size_t size() const { return static_cast<std::size_t>(last - first); }
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

class TreeGrower::Impl {
public:
    Impl(const TrainingData& data, const MemberBits& member_bits)
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

TreeGrower::TreeGrower(const TrainingData& data, const MemberBits& member_bits)
    : impl_(std::make_unique<Impl>(data, member_bits)) {}

TreeGrower::~TreeGrower() = default;

Tree TreeGrower::grow(const std::vector<std::uint32_t>& rows, const std::vector<double>& g,
                      const std::vector<double>& h, const std::vector<double>& c,
                      const GrowOptions& opt, Rng& rng, std::vector<double>& out) {
    return impl_->grow(rows, g, h, c, opt, rng, out);
}

} // namespace labelloop::detail
