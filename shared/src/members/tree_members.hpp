// What the tree member families (gradient_boosted.cpp, random_trees.cpp) share besides tree
// growth: the fit context (binned training rows), evaluation of a member (base + linear +
// trees), the 64-row block scorer, feature importances and the member's artifact layout.
// Internal to labelloop_core.
#pragma once

#include "member_family.hpp"
#include "tree_growth.hpp"

namespace labelloop::detail {

/// The binned training rows every member of a tree fit grows on.
struct TreeFitContext : FitContext {
    TrainingData data;
    TreeFitContext(const std::vector<Features>& x, std::size_t n_descriptors, unsigned max_bins,
                   bool with_columns)
        : data(x, n_descriptors, max_bins, with_columns) {}
};

/// Leaf value of one tree for one compound.
double tree_output(const Tree& tree, const Features& f);

/// A member that is base + linear . descriptors + a sum of trees.
class TreeMemberFamily : public MemberFamily {
public:
    std::unique_ptr<FitContext> prepare(const MemberFitInput& in) const override;
    double raw_output(const EnsembleMember& member, const Features& features) const override;
    std::shared_ptr<const MemberScorer> make_scorer(const std::vector<EnsembleMember>& members,
                                                    const FeatureLayout& layout) const override;
    void add_importances(const EnsembleMember& member, std::vector<double>& importance,
                         double& total) const override;
    void write_member(ByteWriter& w, const EnsembleMember& member) const override;
    EnsembleMember read_member(ByteReader<ModelFormatError>& r, std::size_t index,
                               const FeatureLayout& layout) const override;

protected:
    /// Random trees sample features at every split (and may need the bit columns for that).
    virtual bool per_split_features() const = 0;
    /// The fraction of features a split or tree considers when the params leave it at 0.
    virtual double default_feature_fraction(Task task, std::size_t n_features) const = 0;

    /// params.feature_fraction, or the family default when it is 0.
    double feature_fraction(const EnsembleParams& params, Task task, std::size_t n_features) const;
    /// Options both tree families start from (depth, leaf minimum, L2, feature fraction).
    GrowOptions grow_options(const EnsembleParams& params, Task task,
                             const TrainingData& data) const;
};

} // namespace labelloop::detail
