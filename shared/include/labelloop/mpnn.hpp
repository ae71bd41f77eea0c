// A directed message-passing neural network (D-MPNN, Yang et al. 2019) on the molecule graph:
// hidden states live on directed bonds and are updated over `depth` steps, atoms read them out,
// a pooled molecule vector (optionally with the descriptor vector) feeds a small feed-forward
// head. One network is one ensemble member; this file knows nothing of ensembles or files.
//
// Everything is double precision: Adam amplifies rounding differences over thousands of steps,
// and float's 6e-8 epsilon would let native (SSE) and WASM (scalar) fits drift past the 1e-6
// agreement the browser needs. Fits are single-threaded (an ensemble runs members in parallel),
// so results never depend on the thread count.
#pragma once

#include "labelloop/ensemble.hpp" // Task
#include "labelloop/mol_graph.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace labelloop {

enum class MpnnPooling { Sum, Mean };
/// "sum", "mean".
std::string to_string(MpnnPooling pooling);
/// Exact lowercase names; anything else throws std::invalid_argument.
MpnnPooling parse_mpnn_pooling(const std::string& name);

struct MpnnParams {
    /// Message-passing steps T (1-8).
    int depth = 3;
    /// Width of bond and atom hidden states (8-1024). 64 by measurement: with descriptors, a
    /// 5-network ensemble reached ESOL test RMSE 0.569 (bench/mpnn_bench.cpp), and the browser
    /// scores about 5,000 ESOL molecules/s per network in WASM; 96 cost 2.7x the fit time.
    int hidden = 64;
    /// Width of each feed-forward hidden layer (8-1024).
    int ffn_width = 64;
    /// Feed-forward hidden layers (1-4).
    int ffn_layers = 1;
    /// Mean pooling: ESOL single network 0.676 vs 0.709 with sum (same seed, no descriptors).
    MpnnPooling pooling = MpnnPooling::Mean;
    /// Concatenate the descriptor vector (standardised internally) to the pooled graph vector.
    bool use_descriptors = false;
    /// Passes over the training molecules (1-500).
    int epochs = 40;
    /// Molecules per Adam step (1-4096).
    int batch_size = 32;
    /// Adam step size (1e-6 to 1); decays geometrically to a tenth over the epochs.
    double learning_rate = 2e-3;
    /// Early stopping: epochs without a better inner-validation loss before stopping (1-500).
    int patience = 15;
    /// Share of the training molecules held out for early stopping (0 = no early stopping,
    /// train all epochs; at most 0.5).
    double inner_validation_fraction = 0.1;
    std::uint64_t seed = 0;

    /// Throws std::invalid_argument naming the field and its allowed range.
    void validate() const;
};

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

private:
    std::vector<double> outputs(const MolGraph* graphs, std::size_t count,
                                const std::vector<double>* descriptors, bool raw) const;

    MpnnParams params_;
    Task task_ = Task::Regression;
    double target_mean_ = 0;
    double target_scale_ = 1;
    std::vector<double> descriptor_mean_;
    std::vector<double> descriptor_scale_;
    std::vector<double> theta_;
    int epochs_run_ = 0;
    int best_epoch_ = 0;
};

} // namespace labelloop
