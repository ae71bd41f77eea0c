// Shared parts of the tree member families (see tree_members.hpp): member evaluation, the
// pre-order scoring layout with its 64-row block scorer, feature importances and the member's
// artifact layout (u32 n_trees, each tree's nodes in pre-order; see model_format.cpp).
#include "tree_members.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

namespace labelloop::detail {

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

namespace {

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

/// Scoring copy of the trees: 16-byte nodes in pre-order (left child = next node), all trees
/// of all members in one array, so scoring walks memory that fits in cache.
class TreeScorer final : public MemberScorer {
public:
    TreeScorer(const std::vector<EnsembleMember>& members, std::size_t n_desc) : n_desc_(n_desc) {
        for (const auto& m : members) {
            bases_.push_back(m.base);
            linear_.push_back(m.linear);
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

    double member_output(std::size_t member, const Features& features) const override {
        const auto& linear = linear_[member];
        double z = bases_[member];
        for (std::size_t d = 0; d < linear.size(); ++d) {
            z += linear[d] * features.descriptors[d];
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

    void predict_slice(const Features* rows, std::size_t n_rows, double* out) const override {
        // Tree-major over blocks of up to 64 compounds, all of them walking a tree together: a
        // 64-bit mask holds which compounds of the block reach a node, and one AND with the
        // node's "goes right" mask splits it between the children. Bit splits take that mask from
        // the block's transposed fingerprints (bit_rows[f]: which compounds have bit f); descriptor
        // splits from the block's values sorted per descriptor (above_rank[d][k]: the compounds
        // ranked k or higher, found by a branch-free search for the threshold). A node costs the
        // same for 64 compounds as for one, so the per-compound work is essentially the leaf add.
        // Each compound still gets exactly one leaf per tree, added in tree order onto the same
        // start value as member_output(), so results are bit-identical to member_output().
        constexpr std::size_t kBlock = 64;
        const std::size_t n_members = bases_.size();
        const std::size_t n_desc = n_desc_;
        // Buffers kept per thread: the ensemble scores a pool one slice at a time, and each
        // entry read below is written first for the block at hand.
        thread_local BlockScratch scratch;
        auto& bit_rows = scratch.bit_rows;
        bit_rows.resize(Fingerprint::kBits);
        auto& sorted = scratch.sorted; // [descriptor][rank], +inf padded
        sorted.resize(n_desc * kBlock);
        auto& above_rank = scratch.above_rank; // [descriptor][rank]
        above_rank.resize(n_desc * (kBlock + 1));
        auto& order = scratch.order;
        order.resize(kBlock);
        auto& stack = scratch.stack;
        stack.clear();
        stack.reserve(64);
        for (std::size_t first = 0; first < n_rows; first += kBlock) {
            const std::size_t n = std::min(kBlock, n_rows - first);
            const Features* block = rows + first;
            const std::uint64_t everyone =
                n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
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
                const auto& linear = linear_[m];
                double* z = out + m * n_rows + first;
                for (std::size_t c = 0; c < n; ++c) {
                    double v = bases_[m];
                    for (std::size_t d = 0; d < linear.size(); ++d) {
                        v += linear[d] * block[c].descriptors[d];
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
                                right =
                                    reach & above_rank[(f - Fingerprint::kBits) * (kBlock + 1) + k];
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
        }
    }

private:
    struct ScoringNode {
        std::int32_t feature; // -1 for a leaf
        std::uint32_t right;  // index of the right child, relative to the tree's first node
        double value;         // threshold (internal node) or leaf output
    };
    struct BlockScratch {
        std::vector<std::uint64_t> bit_rows;
        std::vector<double> sorted;
        std::vector<std::uint64_t> above_rank;
        std::vector<std::pair<double, unsigned>> order;
        std::vector<std::pair<const ScoringNode*, std::uint64_t>> stack;
    };
    std::vector<double> bases_;               // per member
    std::vector<std::vector<double>> linear_; // per member: descriptor coefficients or empty
    std::size_t n_desc_ = 0;
    std::vector<ScoringNode> scoring_nodes_;
    std::vector<std::uint32_t> tree_begin_;   // first node of each tree (all members)
    std::vector<std::uint32_t> member_begin_; // first tree of each member, plus the end
};

} // namespace

double TreeMemberFamily::feature_fraction(const EnsembleParams& params, Task task,
                                          std::size_t n_features) const {
    return params.feature_fraction > 0.0 ? params.feature_fraction
                                         : default_feature_fraction(task, n_features);
}

GrowOptions TreeMemberFamily::grow_options(const EnsembleParams& params, Task task,
                                           const TrainingData& data) const {
    GrowOptions opt;
    opt.max_depth = params.max_depth;
    opt.min_count = params.min_samples_leaf;
    opt.l2 = params.l2_regularization;
    opt.feature_fraction = feature_fraction(params, task, Fingerprint::kBits + data.n_desc);
    return opt;
}

std::unique_ptr<FitContext> TreeMemberFamily::prepare(const MemberFitInput& in) const {
    const std::size_t n_desc = in.layout.n_descriptors();
    const bool with_columns =
        drawn_sample_size(per_split_features(),
                          feature_fraction(in.params, in.task, Fingerprint::kBits + n_desc),
                          n_desc) > 0;
    return std::make_unique<TreeFitContext>(in.x, n_desc, in.params.max_bins, with_columns);
}

double TreeMemberFamily::raw_output(const EnsembleMember& member, const Features& features) const {
    return raw_member_output(member, features);
}

std::shared_ptr<const MemberScorer>
TreeMemberFamily::make_scorer(const std::vector<EnsembleMember>& members,
                              const FeatureLayout& layout) const {
    return std::make_shared<TreeScorer>(members, layout.n_descriptors());
}

void TreeMemberFamily::add_importances(const EnsembleMember& member,
                                       std::vector<double>& importance, double& total) const {
    for (const auto& t : member.trees) {
        for (const auto& n : t.nodes) {
            if (n.feature >= 0 && static_cast<std::size_t>(n.feature) < importance.size()) {
                importance[static_cast<std::size_t>(n.feature)] += n.gain;
                total += n.gain;
            }
        }
    }
}

void TreeMemberFamily::write_member(ByteWriter& w, const EnsembleMember& member) const {
    const auto& m = member;
    w.f64(m.base);
    w.u32(static_cast<std::uint32_t>(m.linear.size()));
    for (double coef : m.linear) {
        w.f64(coef);
    }
    w.u32(static_cast<std::uint32_t>(m.trees.size()));
    for (const auto& t : m.trees) {
        w.u32(static_cast<std::uint32_t>(t.nodes.size()));
        std::vector<std::int32_t> stack{0};
        while (!stack.empty()) {
            const auto& n = t.nodes[static_cast<std::size_t>(stack.back())];
            stack.pop_back();
            w.u16(static_cast<std::uint16_t>(n.feature + 1));
            if (n.feature < 0) {
                w.f64(n.value);
                continue;
            }
            if (n.feature >= static_cast<std::int32_t>(Fingerprint::kBits)) {
                w.f64(n.threshold);
            }
            w.f32(static_cast<float>(n.gain));
            stack.push_back(n.right);
            stack.push_back(n.left); // written next
        }
    }
}

EnsembleMember TreeMemberFamily::read_member(ByteReader<ModelFormatError>& r, std::size_t index,
                                             const FeatureLayout& layout) const {
    const auto n_names = layout.n_descriptors();
    const std::int32_t n_features = static_cast<std::int32_t>(layout.n_features());
    const auto m = index;
    EnsembleMember member;
    member.base = r.f64("member base");
    const auto n_linear = r.u32("linear coefficient count");
    if (n_linear != 0 && n_linear != n_names) {
        throw ModelFormatError("model is corrupt: member " + std::to_string(m) + " has " +
                               std::to_string(n_linear) + " linear coefficients for " +
                               std::to_string(n_names) + " descriptors");
    }
    r.need(std::size_t{8} * n_linear, "linear coefficients");
    member.linear.resize(n_linear);
    for (auto& coef : member.linear) {
        coef = r.f64("linear coefficients");
    }
    const auto n_trees = r.u32("tree count");
    r.need(std::size_t{4} * n_trees, "trees");
    member.trees.resize(n_trees);
    for (auto& t : member.trees) {
        const auto n_nodes = r.u32("node count");
        r.need(std::size_t{2} * n_nodes, "tree nodes");
        if (n_nodes == 0) {
            throw ModelFormatError("model member " + std::to_string(m) + " has an empty tree");
        }
        t.nodes.reserve(n_nodes);
        // Pre-order decode: each slot is (parent, is right child) waiting for its node.
        std::vector<std::pair<std::int32_t, bool>> slots{{-1, false}};
        while (!slots.empty()) {
            const auto [parent, is_right] = slots.back();
            slots.pop_back();
            if (t.nodes.size() == n_nodes) {
                throw ModelFormatError("model is corrupt: member " + std::to_string(m) +
                                       " has a tree with more nodes than its count");
            }
            const auto here = static_cast<std::int32_t>(t.nodes.size());
            TreeNode n;
            n.feature = static_cast<std::int32_t>(r.u16("tree node")) - 1;
            if (n.feature >= n_features) {
                throw ModelFormatError("model is corrupt: member " + std::to_string(m) +
                                       " splits on feature " + std::to_string(n.feature) + " of " +
                                       std::to_string(n_features));
            }
            if (n.feature < 0) {
                n.value = r.f64("tree node");
            } else {
                n.threshold = n.feature >= static_cast<std::int32_t>(Fingerprint::kBits)
                                  ? r.f64("tree node")
                                  : 0.5;
                n.gain = static_cast<double>(r.f32("tree node"));
                slots.push_back({here, true});
                slots.push_back({here, false}); // the left subtree comes first
            }
            t.nodes.push_back(n);
            if (parent >= 0) {
                auto& p_node = t.nodes[static_cast<std::size_t>(parent)];
                (is_right ? p_node.right : p_node.left) = here;
            }
        }
        if (t.nodes.size() != n_nodes) {
            throw ModelFormatError("model is corrupt: member " + std::to_string(m) +
                                   " has a tree with fewer nodes than its count");
        }
    }
    return member;
}

} // namespace labelloop::detail
