// BootstrapEnsemble: bootstrapping, threaded fitting, OOB calibration and prediction. What a
// member is (trees, a ridge start, later a network) lives in its family's own file under
// members/ behind the MemberFamily interface (members/member_family.hpp).
//
// Sections:
//   1. names and parameter checks
//   2. member fitting (a bootstrap sample, or every row but a held-out slice shared by all
//      members; the family's fit; out-of-bag outputs) and calibration
//   3. BootstrapEnsemble::fit (threads, progress) and prediction
#include "labelloop/ensemble.hpp"

#include "labelloop/metrics.hpp"
#include "members/member_family.hpp"
#include "rng.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <sstream>
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
    switch (type) {
    case MemberType::RandomTree:
        return "random_tree";
    case MemberType::Mpnn:
        return "mpnn";
    case MemberType::GradientBoosted:
        break;
    }
    return "gradient_boosted";
}

MemberType parse_member_type(std::string_view name) {
    if (name == "random_tree") {
        return MemberType::RandomTree;
    }
    if (name == "gradient_boosted") {
        return MemberType::GradientBoosted;
    }
    if (name == "mpnn") {
        return MemberType::Mpnn;
    }
    throw std::invalid_argument("unknown member type '" + std::string(name) +
                                "' (expected random_tree, gradient_boosted or mpnn)");
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

EnsembleParams EnsembleParams::mpnn_ensemble(std::size_t n_members) {
    EnsembleParams p;
    p.member_type = MemberType::Mpnn;
    p.n_members = n_members;
    return p;
}

EnsembleParams EnsembleParams::recommended(std::size_t n_training) {
    EnsembleParams p;
    if (n_training >= 2000) {
        p.max_depth = 6;
        p.min_samples_leaf = 5;
    }
    p.mpnn.epochs = n_training >= 2000 ? 60 : 120;
    return p;
}

namespace {

// The ensemble's limits on a network member (narrower than MpnnParams::validate's: a request
// for 8 steps or 1024-wide states on every member would tie up the server for hours).
void validate_mpnn(const EnsembleParams& p) {
    const auto show = [](double v) {
        std::ostringstream out;
        if (std::floor(v) == v && std::fabs(v) < 1e15) {
            out << static_cast<long long>(v);
        } else {
            out << v;
        }
        return out.str();
    };
    const auto range = [&](const char* field, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) {
            throw std::invalid_argument(std::string(field) + " must be between " + show(lo) +
                                        " and " + show(hi) + ", got " + show(value));
        }
    };
    range("n_members", static_cast<double>(p.n_members), 2,
          static_cast<double>(EnsembleParams::kMaxMpnnMembers));
    const MpnnParams& m = p.mpnn;
    range("mpnn.depth", m.depth, 1, 6);
    range("mpnn.hidden", m.hidden, 8, 512);
    range("mpnn.ffn_width", m.ffn_width, 8, 512);
    range("mpnn.ffn_layers", m.ffn_layers, 1, 4);
    range("mpnn.epochs", m.epochs, 1, 500);
    range("mpnn.batch_size", m.batch_size, 1, 4096);
    range("mpnn.learning_rate", m.learning_rate, 1e-5, 0.1);
    range("mpnn.patience", m.patience, 1, 500);
    range("mpnn.inner_validation_fraction", m.inner_validation_fraction, 0.0, 0.5);
}

} // namespace

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
    if (member_type == MemberType::Mpnn) {
        validate_mpnn(*this);
    }
    label_weights.validate();
}

namespace {

// ---- 2. member fitting and calibration ---------------------------------------------------

struct FittedMember {
    EnsembleMember member;
    std::vector<std::uint32_t> oob_rows;
    std::vector<double> oob_outputs;
};

/// Collects what the fitting threads report and hands it to the caller's callback on the
/// calling thread only (ProgressCallback's contract): the calling thread publishes after each
/// of its own steps and, once out of tasks, relays the helpers' reports until they finish.
class ProgressRelay {
public:
    ProgressRelay(const ProgressCallback& callback, std::size_t n_members)
        : callback_(callback), member_fraction_(n_members, 0.0) {
        latest_.n_members = n_members;
    }
    bool active() const { return static_cast<bool>(callback_); }

    void epoch(std::size_t member, int epoch, int epochs, double train_loss, double inner_loss) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (epochs > 0) {
            member_fraction_[member] = std::max(
                member_fraction_[member], static_cast<double>(epoch) / static_cast<double>(epochs));
        }
        latest_.member = member;
        latest_.epoch = epoch;
        latest_.epochs = epochs;
        latest_.train_loss = train_loss;
        latest_.inner_loss = inner_loss;
        dirty_ = true;
        changed_.notify_all();
    }
    void member_done(std::size_t member) {
        std::lock_guard<std::mutex> lock(mutex_);
        member_fraction_[member] = 1.0;
        ++latest_.members_done;
        dirty_ = true;
        changed_.notify_all();
    }
    void helper_finished() {
        std::lock_guard<std::mutex> lock(mutex_);
        ++helpers_finished_;
        changed_.notify_all();
    }
    /// Calling thread: hands over the latest state if anything changed since the last call.
    void publish() {
        FitProgress snapshot;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!dirty_) {
                return;
            }
            dirty_ = false;
            snapshot = latest_;
            double sum = 0.0;
            for (const double f : member_fraction_) {
                sum += f;
            }
            snapshot.fraction =
                member_fraction_.empty()
                    ? 1.0
                    : std::min(1.0, sum / static_cast<double>(member_fraction_.size()));
        }
        callback_(snapshot);
    }
    /// Calling thread, out of tasks: relays reports until `helpers` helper threads finished.
    void relay_until(std::size_t helpers) {
        if (!active()) {
            return;
        }
        for (;;) {
            {
                std::unique_lock<std::mutex> lock(mutex_);
                changed_.wait(lock, [&] { return dirty_ || helpers_finished_ >= helpers; });
                if (!dirty_) {
                    return;
                }
            }
            publish();
        }
    }

private:
    const ProgressCallback& callback_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<double> member_fraction_;
    FitProgress latest_;
    bool dirty_ = false;
    std::size_t helpers_finished_ = 0;
};

/// A member's sample from each training row's multiplicity (0: left out of the fit).
detail::BootstrapSample sample_from_counts(std::vector<double> count,
                                           const std::vector<double>& weights) {
    detail::BootstrapSample sample;
    sample.count = std::move(count);
    for (std::size_t r = 0; r < sample.count.size(); ++r) {
        (sample.count[r] > 0 ? sample.rows : sample.oob_rows)
            .push_back(static_cast<std::uint32_t>(r));
    }
    sample.weight.assign(sample.count.size(), 0.0);
    for (auto r : sample.rows) {
        sample.weight[r] = weights[r] * sample.count[r];
    }
    return sample;
}

/// Resampling::SharedHoldOut: the one sample every member fits, all rows once but a seeded
/// held-out slice of round(fraction * n) rows, at least min(20, n / 5) so a small training set
/// still has some to stop early and calibrate on, and never fewer than 2 rows to fit; none
/// for fraction 0.
detail::BootstrapSample shared_hold_out_sample(double fraction, const std::vector<double>& weights,
                                               std::uint64_t seed) {
    const std::size_t n = weights.size();
    std::vector<double> count(n, 1.0);
    if (fraction > 0.0 && n >= 3) {
        auto k = static_cast<std::size_t>(std::floor(fraction * static_cast<double>(n) + 0.5));
        k = std::min(std::max(k, std::min<std::size_t>(20, n / 5)), n - 2);
        std::vector<std::uint32_t> order(n);
        std::iota(order.begin(), order.end(), 0U);
        auto rng = detail::Rng::derive(seed, 0x686f6c646f7574ULL); // "holdout": not a member stream
        for (std::size_t i = 0; i < k; ++i) { // partial Fisher-Yates: the first k are held out
            std::swap(order[i], order[i + rng.below(static_cast<std::uint32_t>(n - i))]);
            count[order[i]] = 0.0;
        }
    }
    return sample_from_counts(std::move(count), weights);
}

/// Member `index` fits `shared` (Resampling::SharedHoldOut) or, when null, its own bootstrap
/// resample drawn from its seeded stream; the family fits with the rest of that stream.
FittedMember fit_member(std::size_t index, const detail::MemberFamily& family,
                        const detail::MemberFitInput& in, const detail::FitContext& context,
                        const std::vector<double>& weights, const detail::BootstrapSample* shared,
                        const detail::EpochReport& epochs) {
    auto rng = detail::Rng::derive(in.params.seed, index);
    detail::BootstrapSample own;
    if (shared == nullptr) {
        const std::size_t n = in.x.size();
        std::vector<double> count(n, 0.0);
        for (std::size_t i = 0; i < n; ++i) {
            count[rng.below(static_cast<std::uint32_t>(n))] += 1.0;
        }
        own = sample_from_counts(std::move(count), weights);
    }
    const detail::BootstrapSample& sample = shared != nullptr ? *shared : own;
    FittedMember fm;
    fm.member = family.fit(in, context, sample, rng, epochs);
    fm.oob_rows = sample.oob_rows;
    fm.oob_outputs.reserve(fm.oob_rows.size());
    for (auto r : fm.oob_rows) {
        fm.oob_outputs.push_back(family.raw_output(fm.member, in.x[r]));
    }
    family.finish(in.task, fm.oob_outputs.data(), fm.oob_outputs.size());
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
// ---- 3. BootstrapEnsemble ---------------------------------------------------------------

BootstrapEnsemble::BootstrapEnsemble(Task task, FeatureLayout layout, EnsembleParams params,
                                     std::vector<EnsembleMember> members, Calibration calibration,
                                     ApplicabilityDomain applicability, std::size_t n_training)
    : task_(task), layout_(std::move(layout)), params_(std::move(params)),
      members_(std::move(members)), calibration_(calibration),
      applicability_(std::move(applicability)), n_training_(n_training),
      family_(&detail::member_family(params_.member_type)),
      scorer_(family_->make_scorer(members_, layout_)) {}

BootstrapEnsemble BootstrapEnsemble::fit(const std::vector<Features>& x,
                                         const std::vector<double>& y,
                                         const std::vector<double>& weights, Task task,
                                         const FeatureLayout& layout, const EnsembleParams& params,
                                         const ProgressCallback& progress) {
    params.validate();
    check_fit_input(x, y, weights, task, layout);
    const auto& family = detail::member_family(params.member_type);
    for (std::size_t i = 0; i < x.size(); ++i) {
        family.check_row(x[i], "training compound " + std::to_string(i));
    }
    const detail::MemberFitInput input{x, y, task, layout, params};
    std::optional<detail::BootstrapSample> shared; // drawn once, not per member
    if (family.resampling() == detail::Resampling::SharedHoldOut) {
        shared = shared_hold_out_sample(family.hold_out_fraction(params), weights, params.seed);
    }

    std::vector<FittedMember> fitted(params.n_members);
    // Task 0 builds the applicability domain (a leave-one-out kNN over the training set, the
    // longest single task, so it goes first); tasks 1..n_members fit the members. The calling
    // thread prepares the family's shared fit context (e.g. binned rows) meanwhile (a helper starts
    // on the domain), so that serial step overlaps the domain's kNN; a member task waits until it
    // is ready.
    std::optional<ApplicabilityDomain> domain;
    std::unique_ptr<detail::FitContext> context;
    enum : int { kBuilding, kReady, kFailed };
    std::atomic<int> data_state{kBuilding};
    const std::size_t n_tasks = params.n_members + 1;
    std::atomic<std::size_t> next{0};
    ProgressRelay relay(progress, params.n_members);
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
                detail::EpochReport epochs;
                if (relay.active()) {
                    epochs = [&relay, i, report](int epoch, int of, double train, double inner) {
                        relay.epoch(i, epoch, of, train, inner);
                        if (report) {
                            relay.publish();
                        }
                    };
                }
                fitted[i] = fit_member(i, family, input, *context, weights,
                                       shared ? &*shared : nullptr, epochs);
                if (relay.active()) {
                    relay.member_done(i);
                    if (report) {
                        relay.publish();
                    }
                }
            } catch (...) {
                fail();
                return;
            }
        }
    };
    const unsigned n_threads =
        std::min<unsigned>(usable_threads(params.n_threads),
                           static_cast<unsigned>(std::min<std::size_t>(params.n_members, 64)));
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < n_threads; ++t) {
        helpers.emplace_back([&] {
            work(false);
            relay.helper_finished();
        });
    }
    try {
        context = family.prepare(input);
        data_state.store(kReady);
    } catch (...) {
        data_state.store(kFailed);
        fail();
    }
    work(true);
    relay.relay_until(helpers.size());
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
    if (progress) { // calibrated too: done
        FitProgress last;
        last.fraction = 1.0;
        last.members_done = params.n_members;
        last.n_members = params.n_members;
        progress(last);
    }
    return BootstrapEnsemble(task, layout, params, std::move(members), calibration,
                             std::move(*domain), x.size());
}

double BootstrapEnsemble::member_output(std::size_t member, const Features& features) const {
    check_features(features, layout_, "compound");
    family_->check_row(features, "compound");
    if (member >= members_.size()) {
        throw std::out_of_range("member " + std::to_string(member) + " of " +
                                std::to_string(members_.size()));
    }
    double v = scorer_->member_output(member, features);
    family_->finish(task_, &v, 1);
    return v;
}

Prediction BootstrapEnsemble::predict(const Features& features) const {
    check_features(features, layout_, "compound");
    family_->check_row(features, "compound");
    Prediction p;
    p.members.resize(members_.size());
    for (std::size_t m = 0; m < members_.size(); ++m) {
        p.members[m] = scorer_->member_output(m, features);
    }
    family_->finish(task_, p.members.data(), p.members.size());
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
        const std::string what = "compound " + std::to_string(i);
        check_features(rows[i], layout_, what);
        family_->check_row(rows[i], what);
    }
    // The family scores a slice of rows for all members at once (the tree families walk each
    // tree with the whole 64-row block); each row's member outputs are then finished and
    // summarised here.
    const std::size_t n_members = members_.size();
    std::vector<Prediction> out(n_rows);
    std::vector<double> outputs(n_members * detail::kScoringSlice); // [member][row in slice]
    for (std::size_t first = 0; first < n_rows; first += detail::kScoringSlice) {
        const std::size_t n = std::min(detail::kScoringSlice, n_rows - first);
        scorer_->predict_slice(rows + first, n, outputs.data());
        family_->finish(task_, outputs.data(), n_members * n);
        for (std::size_t c = 0; c < n; ++c) {
            Prediction& p = out[first + c];
            p.members.resize(n_members);
            for (std::size_t m = 0; m < n_members; ++m) {
                p.members[m] = outputs[m * n + c];
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
        family_->add_importances(m, imp, total);
    }
    if (total > 0) {
        for (auto& v : imp) {
            v /= total;
        }
    }
    return imp;
}

} // namespace labelloop
