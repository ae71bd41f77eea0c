// MemberType::RandomTree: each member is one randomized squared-error tree (random-forest
// style, a new feature sample at every split), on the residuals of an optional ridge start.
#include "linear_base.hpp"
#include "tree_members.hpp"

#include <algorithm>
#include <cmath>

namespace labelloop::detail {
namespace {

class RandomTreeFamily final : public TreeMemberFamily {
public:
    MemberType type() const override { return MemberType::RandomTree; }

    EnsembleMember fit(const MemberFitInput& in, const FitContext& context,
                       const BootstrapSample& sample, Rng& rng,
                       const EpochReport& /*epochs: a tree has none*/) const override {
        const auto& data = static_cast<const TreeFitContext&>(context).data;
        const std::size_t n = data.n_rows;
        const MemberBits member_bits(data, sample.count, in.params.min_samples_leaf);
        TreeGrower grower(data, member_bits);
        GrowOptions opt = grow_options(in.params, in.task, data);
        std::vector<double> g(n, 0.0);
        std::vector<double> h(n, 0.0);
        std::vector<double> out(n, 0.0);
        EnsembleMember member;
        fit_linear_start(member, in, sample, out);
        // Squared-error tree: g = -w y, h = w makes every leaf the weighted mean of y and the
        // split gain the weighted variance reduction (Gini for 0/1 labels).
        for (auto r : sample.rows) {
            g[r] = -sample.weight[r] * (in.y[r] - out[r]);
            h[r] = sample.weight[r];
        }
        opt.per_split_features = true;
        opt.binary_targets = in.task == Task::Classification;
        opt.l2 = 0.0;
        opt.learning_rate = 1.0;
        member.trees.push_back(grower.grow(sample.rows, g, h, sample.count, opt, rng, out));
        return member;
    }

    /// Leaves already hold probabilities for classification (means of 0/1 labels).
    void finish(Task, double*, std::size_t) const override {}

protected:
    bool per_split_features() const override { return true; }
    /// Breiman's defaults: a third of the features for regression, sqrt(p) for classification.
    double default_feature_fraction(Task task, std::size_t n_features) const override {
        return task == Task::Regression ? 0.3
                                        : std::min(1.0, std::sqrt(static_cast<double>(n_features)) /
                                                            static_cast<double>(n_features));
    }
};

} // namespace

const MemberFamily& random_tree_family() {
    static const RandomTreeFamily family;
    return family;
}

} // namespace labelloop::detail
