// The LabelLoop model: a bootstrap ensemble of members (tree models or D-MPNN networks, one file
// per family under src/members/) over fingerprint bits + descriptors (+ the molecule graph).
// The member mean is the prediction, the member spread its uncertainty; out-of-bag predictions
// calibrate that spread into a 90 % prediction interval. Seeded fits are reproducible bit for
// bit, natively and in WASM, whatever the thread count.
#pragma once

#include "labelloop/applicability.hpp"
#include "labelloop/features.hpp"
#include "labelloop/label_weights.hpp"
#include "labelloop/mpnn_params.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace labelloop {

namespace detail {
class MemberFamily;
class MemberScorer;
} // namespace detail

enum class Task { Regression, Classification };
/// "regression", "classification".
std::string to_string(Task task);
/// Exact lowercase names; anything else throws std::invalid_argument.
Task parse_task(std::string_view name);

/// What each bootstrap member is.
enum class MemberType {
    /// One randomized decision tree (random-forest style).
    RandomTree,
    /// A small gradient-boosted ensemble of shallow trees (the default: most accurate).
    GradientBoosted,
    /// A directed message-passing network on the molecule graph (labelloop/mpnn.hpp); every
    /// row needs Features::graph. A deep ensemble: networks differ by bootstrap and seed.
    Mpnn,
};
/// "random_tree", "gradient_boosted", "mpnn".
std::string to_string(MemberType type);
MemberType parse_member_type(std::string_view name);

struct EnsembleParams {
    std::size_t n_members = 100;
    MemberType member_type = MemberType::GradientBoosted;
    /// Tree depth limit (0 = unlimited, sensible for RandomTree only).
    unsigned max_depth = 4;
    /// Smallest total bootstrap multiplicity a leaf may hold.
    unsigned min_samples_leaf = 10;
    /// Fraction of features each split considers (RandomTree: per split; GradientBoosted:
    /// per tree). 0 means the default: for RandomTree 0.3 in regression and sqrt(p) / p in
    /// classification (Breiman's choices; on BBBP sqrt gave ROC-AUC 0.934 vs 0.922 with 0.3,
    /// and a faster fit), 1.0 for GradientBoosted (its members already differ by their
    /// bootstrap; subsampling features cost accuracy on ESOL).
    double feature_fraction = 0.0;
    /// Descriptors are split on at most this many quantile bin edges (<= 255).
    unsigned max_bins = 64;
    /// GradientBoosted: rounds, shrinkage and L2 leaf regularisation. 50 rounds at 0.4 score
    /// like 100 at 0.2 (ESOL, Lipophilicity, BBBP, five splits each: mean RMSE 0.598 / 0.690,
    /// ROC-AUC 0.923, vs 0.598 / 0.693 / 0.923) in half the fit and scoring time, and their
    /// members spread more, so the out-of-bag interval needs a smaller z90 (ESOL 2.9 vs 3.7).
    unsigned boosting_rounds = 50;
    double learning_rate = 0.4;
    /// GradientBoosted: each round's tree is grown on this fraction of the member's rows
    /// (stochastic gradient boosting; the other rows still get the tree's output). 0.7 beat
    /// 1.0 on all five splits of ESOL (mean RMSE 0.590 vs 0.598) and Lipophilicity (0.683 vs
    /// 0.690) and tied on BBBP (ROC-AUC 0.922 vs 0.923).
    double row_subsample = 0.7;
    double l2_regularization = 1.0;
    /// Regression: start each member from a ridge regression on the (standardised)
    /// descriptors and grow the trees on its residuals. Trees cannot extrapolate; logS and
    /// logD are close to linear in descriptors such as CrippenClogP. Off by default: on ESOL and
    /// Lipophilicity it did not beat plain boosting (see docs/BENCHMARKS.md).
    bool linear_base = false;
    /// Ridge penalty relative to the member's total sample weight.
    double ridge_alpha = 0.01;
    std::uint64_t seed = 42;
    /// Threads used by fit (members are independent; results do not depend on this).
    /// Ignored (1) in single-threaded WASM.
    unsigned n_threads = 1;
    /// Mpnn: the network's hyper-parameters (its seed is drawn per member from `seed`). The
    /// descriptor vector is concatenated by default: with it, 5 networks reached ESOL test RMSE
    /// 0.569 (bench/mpnn_bench.cpp). Limits checked by validate (the network's own are wider):
    /// depth 1-6, hidden and ffn_width 8-512, ffn_layers 1-4, epochs 1-500, batch_size
    /// 1-4096, learning rate 1e-5 to 0.1, patience 1-500, inner split 0-0.5, and at most
    /// kMaxMpnnMembers members. The networks of an ensemble all fit the same molecules (no
    /// bootstrap); mpnn.inner_validation_fraction of them (at least min(20, n / 5)) is held out
    /// of every network, to stop early on and to calibrate the ensemble's spread.
    MpnnParams mpnn = [] {
        MpnnParams m;
        m.use_descriptors = true;
        return m;
    }();
    /// Recorded with the model: the table the caller used to turn label sources and
    /// confidences into the weights passed to fit.
    LabelWeightTable label_weights;

    /// Throws std::invalid_argument naming the first out-of-range parameter.
    void validate() const;

    /// Presets: 100 gradient-boosted members (the default above), or a classic random forest
    /// (100 unpruned randomized trees, per-split feature subsampling at the task's default).
    static EnsembleParams gradient_boosted() { return {}; }
    static EnsembleParams random_forest();
    /// A deep ensemble of `n_members` D-MPNN networks with the defaults above.
    static EnsembleParams mpnn_ensemble(std::size_t n_members = 5);
    /// Networks an mpnn ensemble may hold (each costs a full network fit).
    static constexpr std::size_t kMaxMpnnMembers = 64;
    /// What LabelLoop fits by default for a training set of this size: gradient-boosted
    /// members, depth 4 / leaf 10 below 2000 compounds, depth 6 / leaf 5 from 2000 on (deeper
    /// trees helped Lipophilicity, 3360 compounds: RMSE 0.705 -> 0.672, but hurt ESOL, 903).
    /// For networks (mpnn.epochs, used when member_type is set to mpnn): 120 epochs below 2000
    /// compounds, 60 from 2000 on. A small set makes few Adam steps per epoch: ESOL's held-out
    /// RMSE went 0.552 -> 0.528 -> 0.522 with 40, 80, 120 epochs (3 seeds; early stopping ends
    /// most runs sooner); Lipophilicity's 0.486 -> 0.478 with 40 -> 60, whose fit then takes
    /// 113 s of the 120 s target.
    static EnsembleParams recommended(std::size_t n_training);
};

/// One node of a member tree, stored flat (children by index) for fast scoring and a simple
/// artifact layout.
struct TreeNode {
    /// Model feature index (see FeatureLayout), or -1 for a leaf.
    std::int32_t feature = -1;
    /// Descriptor split: go left when value <= threshold. Bit split: go left when bit is 0.
    double threshold = 0.0;
    std::int32_t left = -1;
    std::int32_t right = -1;
    /// Leaf output (already scaled by the learning rate for boosted trees).
    double value = 0.0;
    /// Loss reduction of this split (0 for leaves), for feature importances.
    double gain = 0.0;
};

struct Tree {
    std::vector<TreeNode> nodes; // nodes[0] is the root
};

/// Fitted parameters of a member family that is not made of trees (e.g. a network's weights):
/// each such family derives its own type and serialises it (see src/members/).
struct MemberState {
    virtual ~MemberState() = default;
};

/// One bootstrap member. Tree families: output = base + linear . descriptors + sum of its
/// trees' leaf values (`linear` is empty or has one coefficient per descriptor); for
/// classification that sum is a log-odds (GradientBoosted) or a probability (RandomTree), see
/// BootstrapEnsemble::member_output. Other families leave these empty and keep their
/// parameters in `state`.
struct EnsembleMember {
    double base = 0.0;
    std::vector<double> linear;
    std::vector<Tree> trees;
    std::shared_ptr<const MemberState> state;
};

struct Prediction {
    /// Regression: the predicted value. Classification: the probability of class 1.
    double mean = 0.0;
    /// Standard deviation of the member outputs (population, divisor N).
    double std = 0.0;
    /// Calibrated 90 % interval (see Calibration); clamped to [0, 1] for classification.
    double lower90 = 0.0;
    double upper90 = 0.0;
    /// Every member's output, in member order (empty when not requested in batch mode).
    std::vector<double> members;
};

/// Out-of-bag calibration of the ensemble spread. For each training compound the members that
/// did not see it give an OOB mean and std; z90 is the smallest multiplier such that
/// |y - oob_mean| <= z90 * oob_std for 90 % of them, so the interval is mean +- z90 * std.
struct Calibration {
    /// Training compounds with at least 2 members that did not see them: out-of-bag rows of a
    /// bootstrap, or the held-out slice all networks of an mpnn ensemble leave out.
    std::size_t n_oob = 0;
    double z90 = 1.6448536269514722;
    /// Coverage of mean +- 1.645 std on OOB (what a Gaussian reading of the spread gives).
    double oob_coverage_gaussian = 0.0;
    /// Coverage of mean +- z90 * std on OOB (about 0.9 by construction).
    double oob_coverage = 0.0;
    /// OOB error: RMSE for regression, ROC-AUC for classification.
    double oob_score = 0.0;
};

/// How far a fit has come.
struct FitProgress {
    /// Of the whole fit, in [0, 1], never decreasing: members done, plus the epochs a network
    /// still training has run (trees count whole).
    double fraction = 0.0;
    std::size_t members_done = 0;
    std::size_t n_members = 0;
    /// The latest epoch an iterative member (a network) finished, of its maximum; 0 and 0 for
    /// trees. `member` is that network's index.
    std::size_t member = 0;
    int epoch = 0;
    int epochs = 0;
    /// Its mean training loss that epoch (MSE on standardised targets, or cross-entropy), and
    /// on its inner early-stopping split (NaN without one).
    double train_loss = std::numeric_limits<double>::quiet_NaN();
    double inner_loss = std::numeric_limits<double>::quiet_NaN();
};

/// Called during fit, from the calling thread only, after a member or a network's epoch
/// finishes (members fit concurrently: the calling thread relays what helpers report; reports
/// that arrive together are coalesced into the latest).
using ProgressCallback = std::function<void(const FitProgress&)>;

class BootstrapEnsemble {
public:
    /// Fits n_members members, each on a bootstrap resample of (x, y) with `weights`
    /// (one per row, > 0; e.g. from LabelWeightTable). Classification labels must be 0 or 1
    /// with both classes present. Throws std::invalid_argument with a precise message on
    /// empty or mismatched input, NaN features or labels, bad weights or parameters.
    static BootstrapEnsemble fit(const std::vector<Features>& x, const std::vector<double>& y,
                                 const std::vector<double>& weights, Task task,
                                 const FeatureLayout& layout, const EnsembleParams& params,
                                 const ProgressCallback& progress = {});

    /// Throws FeatureError if `features` does not fit the model's layout.
    Prediction predict(const Features& features) const;
    /// Same as predict for each row; members are filled only when with_members is true.
    std::vector<Prediction> predict_batch(const std::vector<Features>& rows,
                                          bool with_members = false) const;
    /// The same on rows[0, n_rows) (a slice of a larger pool; errors count from rows[0]).
    std::vector<Prediction> predict_batch(const Features* rows, std::size_t n_rows,
                                          bool with_members = false) const;
    /// Output of one member for one compound (probability for classification).
    double member_output(std::size_t member, const Features& features) const;

    Task task() const { return task_; }
    const FeatureLayout& layout() const { return layout_; }
    const EnsembleParams& params() const { return params_; }
    std::size_t n_members() const { return members_.size(); }
    std::size_t n_training() const { return n_training_; }
    const Calibration& calibration() const { return calibration_; }
    /// Where the training compounds lie, for the applicability-domain distance.
    const ApplicabilityDomain& applicability() const { return applicability_; }
    const std::vector<EnsembleMember>& members() const { return members_; }
    /// Total split gain per model feature (normalised to sum 1), for the UI.
    std::vector<double> feature_importances() const;

    /// Assembles a fitted model from its parts (the model-format reader uses this).
    BootstrapEnsemble(Task task, FeatureLayout layout, EnsembleParams params,
                      std::vector<EnsembleMember> members, Calibration calibration,
                      ApplicabilityDomain applicability, std::size_t n_training);

private:
    /// Mean, spread and calibrated interval of `p.members`.
    void summarize(Prediction& p) const;

    Task task_;
    FeatureLayout layout_;
    EnsembleParams params_;
    std::vector<EnsembleMember> members_;
    Calibration calibration_;
    ApplicabilityDomain applicability_;
    std::size_t n_training_ = 0;
    /// What the members are (members/member_family.hpp) and their scoring copy.
    const detail::MemberFamily* family_ = nullptr;
    std::shared_ptr<const detail::MemberScorer> scorer_;
};

} // namespace labelloop
