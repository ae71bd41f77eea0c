// MemberType::GradientBoosted: each member is a small gradient-boosted ensemble of shallow
// histogram trees (squared error, or log loss on log-odds for classification), with stochastic
// row subsampling per round and an optional ridge start (linear_base.hpp).
#include "../portable_math.hpp"
#include "linear_base.hpp"
#include "tree_members.hpp"

#include <algorithm>

namespace labelloop::detail {
namespace {

class GradientBoostedFamily final : public TreeMemberFamily {
public:
    MemberType type() const override { return MemberType::GradientBoosted; }

    EnsembleMember fit(const MemberFitInput& in, const FitContext& context,
                       const BootstrapSample& sample, Rng& rng,
                       const EpochReport& /*epochs: a tree has none*/) const override {
        const auto& data = static_cast<const TreeFitContext&>(context).data;
        const auto& params = in.params;
        const auto& rows = sample.rows;
        const auto& w = sample.weight;
        const auto& y = in.y;
        const Task task = in.task;
        const std::size_t n = data.n_rows;
        const MemberBits member_bits(data, sample.count, params.min_samples_leaf);
        TreeGrower grower(data, member_bits);
        GrowOptions opt = grow_options(params, task, data);
        std::vector<double> g(n, 0.0);
        std::vector<double> h(n, 0.0);
        std::vector<double> out(n, 0.0);
        EnsembleMember member;
        const bool linear = fit_linear_start(member, in, sample, out);

        double sw = 0.0;
        double swy = 0.0;
        for (auto r : rows) {
            sw += w[r];
            swy += w[r] * y[r];
        }
        double mean = swy / sw;
        if (task == Task::Classification) {
            mean = std::min(std::max(mean, 1e-6), 1.0 - 1e-6);
            member.base = portable_log(mean / (1.0 - mean));
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
                    const double p = sigmoid(out[r]);
                    g[r] = w[r] * (p - y[r]);
                    h[r] = w[r] * std::max(p * (1.0 - p), 1e-6);
                } else {
                    g[r] = w[r] * (out[r] - y[r]);
                    h[r] = w[r];
                }
            }
            if (params.row_subsample >= 1.0) {
                member.trees.push_back(grower.grow(rows, g, h, sample.count, opt, rng, out));
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
            member.trees.push_back(grower.grow(round_rows, g, h, sample.count, opt, rng, out));
            for (auto r : other_rows) {
                out[r] += tree_output(member.trees.back(), in.x[r]);
            }
        }
        return member;
    }

    /// Classification members add up log-odds.
    void finish(Task task, double* values, std::size_t n) const override {
        if (task != Task::Classification) {
            return;
        }
        for (std::size_t i = 0; i < n; ++i) {
            values[i] = sigmoid(values[i]);
        }
    }

protected:
    bool per_split_features() const override { return false; }
    /// Every feature: the members already differ by their bootstrap, and subsampling features
    /// cost accuracy on ESOL (see EnsembleParams::feature_fraction).
    double default_feature_fraction(Task, std::size_t) const override { return 1.0; }
};

} // namespace

const MemberFamily& gradient_boosted_family() {
    static const GradientBoostedFamily family;
    return family;
}

} // namespace labelloop::detail
