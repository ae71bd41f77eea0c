// D-MPNN forward and backward passes over a batch (see network.hpp). Edge states are rows of
// row-major matrices so gathers and scatters by edge and atom index are contiguous row
// operations; the weight products are matrix-matrix products over every edge of the batch.
#include "network.hpp"

#include "../portable_math.hpp"

#include <algorithm>

namespace labelloop::mpnn {

namespace {

using MatMap = Eigen::Map<const Eigen::MatrixXd>;
using MatMapMut = Eigen::Map<Eigen::MatrixXd>;

MatMap weight(const double* theta, const Shape::Group& g) {
    return MatMap(theta + g.offset, g.rows, g.cols);
}
MatMapMut weight(double* theta, const Shape::Group& g) {
    return MatMapMut(theta + g.offset, g.rows, g.cols);
}
Eigen::Map<const Eigen::RowVectorXd> bias(const double* theta, const Shape::Group& g) {
    return Eigen::Map<const Eigen::RowVectorXd>(theta + g.offset, g.cols);
}

void relu_in_place(RowMat& x) {
    x = x.cwiseMax(0.0);
}

// Incoming sum per atom: out.row(target[e]) += h.row(e).
void scatter_to_targets(const RowMat& h, const std::vector<std::int32_t>& target, RowMat& out) {
    for (std::size_t e = 0; e < target.size(); ++e) {
        out.row(target[e]) += h.row(static_cast<Eigen::Index>(e));
    }
}

} // namespace

std::vector<Shape::Group> Shape::groups() const {
    std::vector<Group> out;
    std::size_t offset = 0;
    auto add = [&](int rows, int cols) {
        out.push_back(Group{offset, rows, cols});
        offset += static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    };
    add(static_cast<int>(kEdgeInputCount), hidden);            // W_i
    add(hidden, hidden);                                       // W_h
    add(static_cast<int>(kAtomFeatureCount) + hidden, hidden); // W_o
    add(1, hidden);                                            // b_o
    int in = hidden + descriptors;
    for (int l = 0; l < ffn_layers; ++l) {
        add(in, ffn_width); // W
        add(1, ffn_width);  // b
        in = ffn_width;
    }
    add(in, 1); // output w
    add(1, 1);  // output b
    return out;
}

std::size_t Shape::parameter_count() const {
    const auto g = groups();
    return g.back().offset + 1;
}

Batch make_batch(const MolGraph* graphs, const std::vector<std::size_t>& index,
                 const double* descriptors, int n_desc) {
    Batch b;
    b.n_mols = static_cast<int>(index.size());
    std::size_t n_atoms = 0;
    std::size_t n_edges = 0;
    for (std::size_t i : index) {
        n_atoms += graphs[i].n_atoms;
        n_edges += graphs[i].n_edges();
    }
    const auto A = static_cast<Eigen::Index>(kAtomFeatureCount);
    b.atom_x.setZero(static_cast<Eigen::Index>(n_atoms), A);
    b.edge_x.setZero(static_cast<Eigen::Index>(n_edges),
                     static_cast<Eigen::Index>(kEdgeInputCount));
    b.source.resize(n_edges);
    b.target.resize(n_edges);
    b.reverse.resize(n_edges);
    b.mol_atom.resize(index.size() + 1);
    b.descriptors.resize(b.n_mols, n_desc);
    std::size_t atom0 = 0;
    std::size_t edge0 = 0;
    for (std::size_t k = 0; k < index.size(); ++k) {
        const MolGraph& g = graphs[index[k]];
        b.mol_atom[k] = static_cast<std::int32_t>(atom0);
        for (std::size_t a = 0; a < g.n_atoms; ++a) {
            const std::uint8_t* row = g.atom_row(a);
            for (Eigen::Index f = 0; f < A; ++f) {
                b.atom_x(static_cast<Eigen::Index>(atom0 + a), f) = row[f];
            }
        }
        for (std::size_t e = 0; e < g.n_edges(); ++e) {
            const auto ge = static_cast<Eigen::Index>(edge0 + e);
            const std::uint32_t src = g.edge_source[e];
            b.source[edge0 + e] = static_cast<std::int32_t>(atom0 + src);
            b.target[edge0 + e] = static_cast<std::int32_t>(atom0 + g.edge_target[e]);
            b.reverse[edge0 + e] = static_cast<std::int32_t>(edge0 + (e ^ 1U));
            const std::uint8_t* arow = g.atom_row(src);
            for (Eigen::Index f = 0; f < A; ++f) {
                b.edge_x(ge, f) = arow[f];
            }
            const std::uint8_t* brow = g.bond_row(e / 2);
            for (std::size_t f = 0; f < kBondFeatureCount; ++f) {
                b.edge_x(ge, A + static_cast<Eigen::Index>(f)) = brow[f];
            }
        }
        for (int d = 0; d < n_desc; ++d) {
            b.descriptors(static_cast<Eigen::Index>(k), d) =
                descriptors[index[k] * static_cast<std::size_t>(n_desc) + d];
        }
        atom0 += g.n_atoms;
        edge0 += g.n_edges();
    }
    b.mol_atom[index.size()] = static_cast<std::int32_t>(atom0);
    return b;
}

void forward(const Shape& shape, const double* theta, const Batch& batch, Tape& tape) {
    const auto groups = shape.groups();
    const auto W_i = weight(theta, groups[0]);
    const auto W_h = weight(theta, groups[1]);
    const auto W_o = weight(theta, groups[2]);
    const auto b_o = bias(theta, groups[3]);
    const Eigen::Index H = shape.hidden;
    const Eigen::Index n_atoms = batch.atom_x.rows();
    const auto n_edges = static_cast<Eigen::Index>(batch.source.size());
    const std::size_t T = static_cast<std::size_t>(shape.depth);

    tape.h.resize(T + 1);
    tape.m.resize(T);
    RowMat p0 = batch.edge_x * W_i;
    tape.h[0] = p0.cwiseMax(0.0);
    RowMat incoming(n_atoms, H);
    for (std::size_t t = 0; t < T; ++t) {
        const RowMat& prev = tape.h[t];
        incoming.setZero();
        scatter_to_targets(prev, batch.target, incoming);
        // Message into edge v->w: everything arriving at v except what came back from w.
        RowMat& m = tape.m[t];
        m.resize(n_edges, H);
        for (Eigen::Index e = 0; e < n_edges; ++e) {
            m.row(e) = incoming.row(batch.source[e]) - prev.row(batch.reverse[e]);
        }
        RowMat& h = tape.h[t + 1];
        h.noalias() = m * W_h;
        h += p0;
        relu_in_place(h);
    }

    tape.atom_in.resize(n_atoms, static_cast<Eigen::Index>(kAtomFeatureCount) + H);
    tape.atom_in.leftCols(static_cast<Eigen::Index>(kAtomFeatureCount)) = batch.atom_x;
    incoming.setZero();
    scatter_to_targets(tape.h[T], batch.target, incoming);
    tape.atom_in.rightCols(H) = incoming;
    tape.atom_h.noalias() = tape.atom_in * W_o;
    tape.atom_h.rowwise() += b_o;
    relu_in_place(tape.atom_h);

    const Eigen::Index D = shape.descriptors;
    tape.ffn.resize(static_cast<std::size_t>(shape.ffn_layers) + 1);
    RowMat& mol = tape.ffn[0];
    mol.setZero(batch.n_mols, H + D);
    for (int k = 0; k < batch.n_mols; ++k) {
        const int a0 = batch.mol_atom[k];
        const int a1 = batch.mol_atom[k + 1];
        for (int a = a0; a < a1; ++a) {
            mol.row(k).head(H) += tape.atom_h.row(a);
        }
        if (shape.mean_pooling && a1 > a0) {
            mol.row(k).head(H) /= static_cast<double>(a1 - a0);
        }
    }
    if (D > 0) {
        mol.rightCols(D) = batch.descriptors;
    }
    std::size_t gi = 4;
    for (int l = 0; l < shape.ffn_layers; ++l) {
        const auto W = weight(theta, groups[gi]);
        const auto b = bias(theta, groups[gi + 1]);
        gi += 2;
        RowMat& x = tape.ffn[static_cast<std::size_t>(l) + 1];
        x.noalias() = tape.ffn[static_cast<std::size_t>(l)] * W;
        x.rowwise() += b;
        relu_in_place(x);
    }
    const auto w = weight(theta, groups[gi]);
    const double b = theta[groups[gi + 1].offset];
    tape.out.noalias() = tape.ffn.back() * w;
    tape.out.array() += b;
}

void backward(const Shape& shape, const double* theta, const Batch& batch, const Tape& tape,
              const Vec& d_out, double* grad) {
    const auto groups = shape.groups();
    const Eigen::Index H = shape.hidden;
    const auto A = static_cast<Eigen::Index>(kAtomFeatureCount);
    const Eigen::Index n_atoms = batch.atom_x.rows();
    const auto n_edges = static_cast<Eigen::Index>(batch.source.size());
    const std::size_t T = static_cast<std::size_t>(shape.depth);
    const auto relu_mask = [](const RowMat& activated) {
        return (activated.array() > 0.0).cast<double>();
    };

    // Head: output layer, then the hidden layers from the last.
    std::size_t gi = 4 + 2 * static_cast<std::size_t>(shape.ffn_layers);
    weight(grad, groups[gi]).noalias() += tape.ffn.back().transpose() * d_out;
    grad[groups[gi + 1].offset] += d_out.sum();
    RowMat d_x = d_out * weight(theta, groups[gi]).transpose();
    for (int l = shape.ffn_layers; l >= 1; --l) {
        gi -= 2;
        const RowMat& x = tape.ffn[static_cast<std::size_t>(l)];
        RowMat dz = d_x.array() * relu_mask(x);
        weight(grad, groups[gi]).noalias() +=
            tape.ffn[static_cast<std::size_t>(l) - 1].transpose() * dz;
        weight(grad, groups[gi + 1]) += dz.colwise().sum();
        d_x = dz * weight(theta, groups[gi]).transpose();
    }

    // Pooling back to atoms, then the atom readout.
    RowMat d_atom(n_atoms, H);
    for (int k = 0; k < batch.n_mols; ++k) {
        const int a0 = batch.mol_atom[k];
        const int a1 = batch.mol_atom[k + 1];
        const double scale = shape.mean_pooling && a1 > a0 ? 1.0 / (a1 - a0) : 1.0;
        for (int a = a0; a < a1; ++a) {
            d_atom.row(a) = d_x.row(k).head(H) * scale;
        }
    }
    RowMat dq = d_atom.array() * relu_mask(tape.atom_h);
    weight(grad, groups[2]).noalias() += tape.atom_in.transpose() * dq;
    weight(grad, groups[3]) += dq.colwise().sum();
    const RowMat d_incoming = dq * weight(theta, groups[2]).bottomRows(H).transpose();
    (void)A;

    // Message passing, last step first.
    RowMat d_h(n_edges, H);
    for (Eigen::Index e = 0; e < n_edges; ++e) {
        d_h.row(e) = d_incoming.row(batch.target[e]);
    }
    const auto W_h = weight(theta, groups[1]);
    auto gW_h = weight(grad, groups[1]);
    RowMat d_p0 = RowMat::Zero(n_edges, H);
    RowMat d_at_source(n_atoms, H);
    RowMat d_prev(n_edges, H);
    for (std::size_t t = T; t >= 1; --t) {
        RowMat dz = d_h.array() * relu_mask(tape.h[t]);
        gW_h.noalias() += tape.m[t - 1].transpose() * dz;
        d_p0 += dz;
        const RowMat dm = dz * W_h.transpose();
        d_at_source.setZero();
        for (Eigen::Index e = 0; e < n_edges; ++e) {
            d_at_source.row(batch.source[e]) += dm.row(e);
        }
        for (Eigen::Index e = 0; e < n_edges; ++e) {
            d_prev.row(e) = d_at_source.row(batch.target[e]) - dm.row(batch.reverse[e]);
        }
        d_h.swap(d_prev);
    }
    d_p0.array() += d_h.array() * relu_mask(tape.h[0]);
    weight(grad, groups[0]).noalias() += batch.edge_x.transpose() * d_p0;
}

double loss_and_gradient(bool classification, const Vec& out, const Vec& y, const Vec& w,
                         double weight_sum, Vec* d_out) {
    double loss = 0;
    if (d_out != nullptr) {
        d_out->resize(out.size());
    }
    for (Eigen::Index i = 0; i < out.size(); ++i) {
        double l = 0;
        double d = 0;
        if (classification) {
            const double z = out[i];
            // softplus(z) - y z, written to stay finite for large |z|
            l = std::max(z, 0.0) + detail::portable_log(1.0 + detail::portable_exp(-std::abs(z))) -
                y[i] * z;
            d = detail::sigmoid(z) - y[i];
        } else {
            const double r = out[i] - y[i];
            l = r * r;
            d = 2.0 * r;
        }
        loss += w[i] * l;
        if (d_out != nullptr) {
            (*d_out)[i] = w[i] * d / weight_sum;
        }
    }
    return loss / weight_sum;
}

} // namespace labelloop::mpnn
