// The hyper-parameters of one D-MPNN network (labelloop/mpnn.hpp), apart from the network so
// the ensemble's parameters (labelloop/ensemble.hpp) can hold them without pulling in the
// network code.
#pragma once

#include <cstdint>
#include <string>

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

} // namespace labelloop
