// A directed message-passing neural network (D-MPNN, Yang et al. 2019) on the molecule graph:
// hidden states live on directed bonds and are updated over `depth` steps, atoms read them out,
// a pooled molecule vector (optionally with the descriptor vector) feeds a small feed-forward
// head. One network is one ensemble member; this file knows nothing of ensembles or files.
//
// Everything is double precision: Adam amplifies rounding differences over thousands of steps,
// and float's 6e-8 epsilon would let native (SSE2, or AVX2 + FMA on x86-64-v3 builds) and WASM
// fits drift past the 1e-6 agreement the browser needs. Fits are single-threaded (an ensemble runs
// members in parallel), so results never depend on the thread count.
#pragma once

#include "labelloop/ensemble.hpp" // Task
#include "labelloop/mol_graph.hpp"
#include "labelloop/mpnn_params.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace labelloop {

/// Share of the training labels' range a regression network may predict beyond it, each side.
inline constexpr double kMpnnOutputMargin = 0.2;

/// One finished epoch, for progress reports.
struct MpnnEpoch {
    int epoch = 0; // 1-based
    int epochs = 0;
    /// Mean training loss of the epoch (MSE on standardised targets, or binary cross-entropy).
    double train_loss = 0;
    /// Loss on the inner split (NaN without one).
    double inner_loss = 0;
};

struct MpnnFitOptions {
    /// Per-molecule weights (bootstrap multiplicities or label confidences), >= 0; empty means
    /// all 1. A molecule of weight 0 is left out entirely.
    std::vector<double> weights;
    /// The early-stopping rows (indices into the fit's molecules), chosen by the caller, e.g.
    /// an ensemble's held-out slice shared by all its networks. When empty, the network holds
    /// out its own random inner_validation_fraction. These rows are never trained on.
    std::vector<std::size_t> inner_rows;
    /// Called after every epoch from the calling thread.
    std::function<void(const MpnnEpoch&)> progress;
};

class MpnnNetwork {
public:
    MpnnNetwork() = default;

    /// Fits a network. `descriptors` has one row per graph (all rows the same length) when
    /// params.use_descriptors, and is ignored otherwise. Labels must be finite (NaN refused with
    /// its row number: the caller decides which compounds to leave out); classification labels
    /// are 0 or 1. Throws std::invalid_argument with the row or field at fault.
    static MpnnNetwork fit(const std::vector<MolGraph>& graphs,
                           const std::vector<std::vector<double>>& descriptors,
                           const std::vector<double>& labels, Task task, const MpnnParams& params,
                           const MpnnFitOptions& options = {});

    /// Predictions for graphs[0, count): the value (regression) or the probability of class 1.
    /// A regression prediction is kept within the training labels' range widened by
    /// kMpnnOutputMargin of that range on each side: a network extrapolates without bound, and
    /// one phosphate of Lipophilicity went to -9.4 logD against a training range of -1.5 to 4.5.
    /// `descriptors` points to `count` rows when the network uses descriptors (else nullptr).
    std::vector<double> predict(const MolGraph* graphs, std::size_t count,
                                const std::vector<double>* descriptors = nullptr) const;
    std::vector<double> predict(const std::vector<MolGraph>& graphs,
                                const std::vector<std::vector<double>>& descriptors = {}) const;
    /// As predict, but classification gives the log-odds (for an ensemble that averages or
    /// calibrates raw outputs itself); regression gives the same values as predict.
    std::vector<double> predict_raw(const MolGraph* graphs, std::size_t count,
                                    const std::vector<double>* descriptors = nullptr) const;

    /// Versioned little-endian bytes; from_bytes(to_bytes()) predicts exactly the same.
    std::vector<std::uint8_t> to_bytes() const;
    /// Throws std::invalid_argument for truncated, foreign or newer-version bytes.
    static MpnnNetwork from_bytes(const std::uint8_t* data, std::size_t size);

    bool fitted() const { return !theta_.empty(); }
    const MpnnParams& params() const { return params_; }
    Task task() const { return task_; }
    std::size_t descriptor_count() const { return descriptor_mean_.size(); }
    /// Epochs actually run and the one whose weights were kept (early stopping).
    int epochs_run() const { return epochs_run_; }
    int best_epoch() const { return best_epoch_; }
    /// All weights in one array (layout in src/mpnn/layout.hpp), for tests and determinism checks.
    const std::vector<double>& weights() const { return theta_; }
    /// Regression outputs are clamped to [lowest, highest] (infinite for classification and
    /// for networks saved by format version 1, which had no bound).
    double lowest_output() const { return output_lo_; }
    double highest_output() const { return output_hi_; }

private:
    std::vector<double> outputs(const MolGraph* graphs, std::size_t count,
                                const std::vector<double>* descriptors, bool raw) const;

    MpnnParams params_;
    Task task_ = Task::Regression;
    double target_mean_ = 0;
    double target_scale_ = 1;
    double output_lo_ = -std::numeric_limits<double>::infinity();
    double output_hi_ = std::numeric_limits<double>::infinity();
    std::vector<double> descriptor_mean_;
    std::vector<double> descriptor_scale_;
    std::vector<double> theta_;
    int epochs_run_ = 0;
    int best_epoch_ = 0;
};

} // namespace labelloop
