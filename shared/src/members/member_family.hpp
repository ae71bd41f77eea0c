// The member interface of BootstrapEnsemble: what one model family (gradient-boosted trees,
// random trees, later a message-passing network) supplies so the ensemble can bootstrap, fit,
// score, calibrate and save it without knowing what the family is. A new family is a new file
// implementing MemberFamily plus one line in member_family.cpp. Internal to labelloop_core.
#pragma once

#include "../bytes.hpp"
#include "../rng.hpp"
#include "labelloop/ensemble.hpp"
#include "labelloop/model_format.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace labelloop::detail {

/// What every member of one fit trains on (validated by BootstrapEnsemble::fit). A family
/// that needs more per row reads it from Features (e.g. the molecule graph) and refuses rows
/// without it in check_row.
struct MemberFitInput {
    const std::vector<Features>& x;
    const std::vector<double>& y;
    Task task;
    const FeatureLayout& layout;
    const EnsembleParams& params;
};

/// A finished epoch of an iterative member: epoch (1-based), of at most `epochs`, its training
/// loss and its inner-split loss (NaN without one).
using EpochReport =
    std::function<void(int epoch, int epochs, double train_loss, double inner_loss)>;

/// How the ensemble draws each member's training rows.
enum class Resampling {
    /// Each member fits its own bootstrap resample; the out-of-bag rows calibrate the spread.
    Bootstrap,
    /// Every member fits the same rows and members differ by seed only (a deep ensemble, as
    /// networks are trained: a bootstrap shows each network only 63 % of the molecules, and cost
    /// ESOL 0.66 RMSE against 0.58). One seeded slice of the training rows is held out of all
    /// members; the family may stop early on it, and the spread of all members on it calibrates
    /// the intervals exactly as they are used on new compounds.
    SharedHoldOut,
};

/// One member's sample of the training rows, drawn by the ensemble: a bootstrap resample, or
/// (Resampling::SharedHoldOut) every row once except the shared held-out slice in oob_rows.
struct BootstrapSample {
    std::vector<double> count;           // multiplicity of each training row (0: out of bag)
    std::vector<std::uint32_t> rows;     // in-bag rows, increasing
    std::vector<std::uint32_t> oob_rows; // out-of-bag rows, increasing
    std::vector<double> weight;          // label weight x multiplicity (0 out of bag)
};

/// Work a family does once per fit and shares between its members (e.g. binned descriptors).
class FitContext {
public:
    virtual ~FitContext() = default;
};

/// Scores fitted members; built once per model (load or fit), immutable, used from any thread.
class MemberScorer {
public:
    virtual ~MemberScorer() = default;
    /// Raw output (before BootstrapEnsemble's finish) of one member for one compound.
    virtual double member_output(std::size_t member, const Features& features) const = 0;
    /// Raw outputs of every member for rows[0, n): out[member * n + row]. Called with slices
    /// of up to kScoringSlice rows; rows are already checked against the layout.
    virtual void predict_slice(const Features* rows, std::size_t n, double* out) const = 0;
};

/// Rows per predict_slice call: the outputs of a slice (members x rows) stay in cache, and the
/// tree families score a slice as one 64-row block.
inline constexpr std::size_t kScoringSlice = 64;

class MemberFamily {
public:
    virtual ~MemberFamily() = default;
    virtual MemberType type() const = 0;
    virtual Resampling resampling() const { return Resampling::Bootstrap; }
    /// Resampling::SharedHoldOut: the share of the training rows to hold out (0: none, so no
    /// early stopping and no calibration rows).
    virtual double hold_out_fraction(const EnsembleParams& /*params*/) const { return 0.0; }

    /// Throws std::invalid_argument (naming the row by `what`, e.g. "training compound 17")
    /// when a row lacks what this family reads beyond the layout's features. Called for
    /// every training and scored row after check_features.
    virtual void check_row(const Features& /*row*/, const std::string& /*what*/) const {}

    /// Once per fit, on the calling thread (overlapping the applicability domain's build).
    virtual std::unique_ptr<FitContext> prepare(const MemberFitInput& in) const = 0;
    /// Fits member `index` on its bootstrap sample; `rng` has drawn the sample already and is
    /// this member's own stream. Runs concurrently with other members: no shared writes.
    /// An iterative family (networks) calls `epochs` after every epoch, on this thread; it
    /// may be empty.
    virtual EnsembleMember fit(const MemberFitInput& in, const FitContext& context,
                               const BootstrapSample& sample, Rng& rng,
                               const EpochReport& epochs) const = 0;
    /// Raw output of a fitted member for one compound (out-of-bag calibration).
    virtual double raw_output(const EnsembleMember& member, const Features& features) const = 0;
    /// Turns raw outputs into predictions in place (e.g. log-odds into probabilities).
    virtual void finish(Task task, double* values, std::size_t n) const = 0;

    virtual std::shared_ptr<const MemberScorer>
    make_scorer(const std::vector<EnsembleMember>& members, const FeatureLayout& layout) const = 0;
    /// Adds each model feature's split gain (or other importance) to `importance` and each
    /// amount added to `total`, in the same order (the ensemble normalises by total).
    virtual void add_importances(const EnsembleMember& member, std::vector<double>& importance,
                                 double& total) const = 0;

    /// The member's parameters in the model artifact (see model_format.cpp).
    virtual void write_member(ByteWriter& w, const EnsembleMember& member) const = 0;
    /// Reads what write_member wrote; `index` and `layout` are for error messages and checks.
    virtual EnsembleMember read_member(ByteReader<ModelFormatError>& r, std::size_t index,
                                       const FeatureLayout& layout) const = 0;
    /// After loading: fills the parameters this family keeps inside its members rather than
    /// in the artifact's parameter block (e.g. a network's sizes).
    virtual void restore_params(const std::vector<EnsembleMember>& /*members*/,
                                EnsembleParams& /*params*/) const {}
};

/// The family of a member type (throws std::invalid_argument for an unknown type).
const MemberFamily& member_family(MemberType type);

} // namespace labelloop::detail
