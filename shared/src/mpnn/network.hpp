// The D-MPNN's arithmetic on one batch of molecules: the weight layout in one flat array,
// the forward pass (keeping what backpropagation needs) and the hand-written backward pass.
// Internal to the core; the gradient test includes it directly.
#pragma once

#include "labelloop/mol_graph.hpp"

#include <Eigen/Dense>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace labelloop::mpnn {

using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXd;

/// Edge input: the source atom's features and the bond's.
inline constexpr std::size_t kEdgeInputCount = kAtomFeatureCount + kBondFeatureCount;

/// Sizes of one network; offsets of each parameter group in the flat weight array.
struct Shape {
    int depth = 3;
    int hidden = 96;
    int ffn_width = 96;
    int ffn_layers = 1;
    bool mean_pooling = false;
    int descriptors = 0;

    /// Parameter groups, in storage order: W_i (edge input -> hidden), W_h (hidden -> hidden),
    /// W_o (atom features + incoming messages -> hidden), b_o, then per FFN layer W, b, then
    /// the output w, b. Matrices are column-major (in x out).
    struct Group {
        std::size_t offset;
        int rows;
        int cols;
    };
    std::vector<Group> groups() const;
    std::size_t parameter_count() const;
};

/// Many molecules as one graph: atoms and edges concatenated, indices global.
struct Batch {
    int n_mols = 0;
    RowMat atom_x;                      // n_atoms x kAtomFeatureCount
    RowMat edge_x;                      // n_edges x kEdgeInputCount
    std::vector<std::int32_t> source;   // per edge, global atom index
    std::vector<std::int32_t> target;   // per edge, global atom index
    std::vector<std::int32_t> reverse;  // per edge, global edge index
    std::vector<std::int32_t> mol_atom; // n_mols + 1 offsets into atoms
    RowMat descriptors;                 // n_mols x descriptors (already standardised)
};

/// Builds a batch from graphs[index[k]]; `descriptors` (standardised, row-major, one row of
/// `n_desc` per graph of the whole set) may be null when n_desc is 0.
Batch make_batch(const MolGraph* graphs, const std::vector<std::size_t>& index,
                 const double* descriptors, int n_desc);

/// Intermediate values of a forward pass.
struct Tape {
    std::vector<RowMat> h;   // depth + 1 edge states, h[0] = relu(p0)
    std::vector<RowMat> m;   // depth messages, m[t] feeds h[t + 1]
    RowMat atom_in;          // [atom_x | incoming sum of h[depth]]
    RowMat atom_h;           // relu(atom_in W_o + b_o)
    std::vector<RowMat> ffn; // ffn[0] = molecule vector, ffn[l] = hidden layer l
    Vec out;                 // one raw output per molecule (logit or standardised value)
};

/// Forward pass; `theta` holds shape.parameter_count() values.
void forward(const Shape& shape, const double* theta, const Batch& batch, Tape& tape);

/// Adds d(loss)/d(theta) to `grad` given d(loss)/d(out) per molecule.
void backward(const Shape& shape, const double* theta, const Batch& batch, const Tape& tape,
              const Vec& d_out, double* grad);

/// Weighted loss over a batch and its gradient with respect to the outputs: mean squared
/// error for regression (targets standardised), binary cross-entropy on logits otherwise.
/// The loss is sum(w * l) / weight_sum; d_out is scaled the same way.
double loss_and_gradient(bool classification, const Vec& out, const Vec& y, const Vec& w,
                         double weight_sum, Vec* d_out);

} // namespace labelloop::mpnn
