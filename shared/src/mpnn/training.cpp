// MpnnNetwork::fit and predict: input checks, target and descriptor standardisation, seeded
// initialisation, Adam over shuffled mini-batches, early stopping on an inner split of the
// training molecules (the caller's validation set never reaches this file).
#include "labelloop/mpnn.hpp"

#include "../portable_math.hpp"
#include "../rng.hpp"
#include "network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace labelloop {

namespace {

/// A descriptor as the network sees it: standardised, then clipped to +-kDescriptorClip
/// standard deviations. RDKit's kappa3 of a three-atom molecule is over 1,000 against an ESOL
/// mean of about 3, and an unclipped z of 100+ sent a network's output to -12 logS.
constexpr double kDescriptorClip = 5.0;
double standardised(double value, double mean, double scale) {
    return std::clamp((value - mean) / scale, -kDescriptorClip, kDescriptorClip);
}

void require_range(const char* field, double value, double lo, double hi) {
    if (!(value >= lo && value <= hi)) {
        throw std::invalid_argument("mpnn " + std::string(field) + " must be between " +
                                    std::to_string(lo) + " and " + std::to_string(hi) + ", not " +
                                    std::to_string(value));
    }
}

mpnn::Shape shape_of(const MpnnParams& p, std::size_t descriptors) {
    mpnn::Shape s;
    s.depth = p.depth;
    s.hidden = p.hidden;
    s.ffn_width = p.ffn_width;
    s.ffn_layers = p.ffn_layers;
    s.mean_pooling = p.pooling == MpnnPooling::Mean;
    s.descriptors = static_cast<int>(descriptors);
    return s;
}

// Glorot-uniform matrices, zero biases (groups with one row are biases).
std::vector<double> initial_weights(const mpnn::Shape& shape, std::uint64_t seed) {
    std::vector<double> theta(shape.parameter_count(), 0.0);
    detail::Rng rng = detail::Rng::derive(seed, 0x6d706e6eULL);
    for (const auto& g : shape.groups()) {
        if (g.rows == 1) {
            continue;
        }
        const double limit = std::sqrt(6.0 / (g.rows + g.cols));
        const std::size_t n = static_cast<std::size_t>(g.rows) * static_cast<std::size_t>(g.cols);
        for (std::size_t i = 0; i < n; ++i) {
            theta[g.offset + i] = (2.0 * rng.uniform() - 1.0) * limit;
        }
    }
    return theta;
}

void shuffle(std::vector<std::size_t>& v, detail::Rng& rng) {
    for (std::size_t i = v.size(); i > 1; --i) {
        std::swap(v[i - 1], v[rng.below(static_cast<std::uint32_t>(i))]);
    }
}

struct Prepared {
    mpnn::Batch batch;
    mpnn::Vec y;
    mpnn::Vec w;
};

constexpr std::size_t kScoringChunk = 256;

} // namespace

std::string to_string(MpnnPooling pooling) {
    return pooling == MpnnPooling::Mean ? "mean" : "sum";
}

MpnnPooling parse_mpnn_pooling(const std::string& name) {
    if (name == "sum") {
        return MpnnPooling::Sum;
    }
    if (name == "mean") {
        return MpnnPooling::Mean;
    }
    throw std::invalid_argument("mpnn pooling must be \"sum\" or \"mean\", not \"" + name + "\"");
}

void MpnnParams::validate() const {
    require_range("depth", depth, 1, 8);
    require_range("hidden", hidden, 8, 1024);
    require_range("ffn_width", ffn_width, 8, 1024);
    require_range("ffn_layers", ffn_layers, 1, 4);
    require_range("epochs", epochs, 1, 500);
    require_range("batch_size", batch_size, 1, 4096);
    require_range("learning_rate", learning_rate, 1e-6, 1.0);
    require_range("patience", patience, 1, 500);
    require_range("inner_validation_fraction", inner_validation_fraction, 0.0, 0.5);
}

MpnnNetwork MpnnNetwork::fit(const std::vector<MolGraph>& graphs,
                             const std::vector<std::vector<double>>& descriptors,
                             const std::vector<double>& labels, Task task, const MpnnParams& params,
                             const MpnnFitOptions& options) {
    params.validate();
    const std::size_t n = graphs.size();
    if (labels.size() != n) {
        throw std::invalid_argument("mpnn fit: " + std::to_string(labels.size()) + " labels for " +
                                    std::to_string(n) + " molecules");
    }
    if (!options.weights.empty() && options.weights.size() != n) {
        throw std::invalid_argument("mpnn fit: " + std::to_string(options.weights.size()) +
                                    " weights for " + std::to_string(n) + " molecules");
    }
    const bool classification = task == Task::Classification;
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(labels[i])) {
            throw std::invalid_argument("mpnn fit: label of row " + std::to_string(i + 1) +
                                        " is not a number; leave unlabeled compounds out");
        }
        if (classification && labels[i] != 0.0 && labels[i] != 1.0) {
            throw std::invalid_argument("mpnn fit: classification label of row " +
                                        std::to_string(i + 1) + " is " + std::to_string(labels[i]) +
                                        ", not 0 or 1");
        }
        if (!options.weights.empty() &&
            !(options.weights[i] >= 0.0 && std::isfinite(options.weights[i]))) {
            throw std::invalid_argument("mpnn fit: weight of row " + std::to_string(i + 1) +
                                        " must be a finite number >= 0");
        }
    }
    std::size_t n_desc = 0;
    if (params.use_descriptors) {
        if (descriptors.size() != n || n == 0 || descriptors[0].empty()) {
            throw std::invalid_argument("mpnn fit: use_descriptors needs one non-empty "
                                        "descriptor row per molecule");
        }
        n_desc = descriptors[0].size();
        for (std::size_t i = 0; i < n; ++i) {
            if (descriptors[i].size() != n_desc) {
                throw std::invalid_argument("mpnn fit: descriptor row " + std::to_string(i + 1) +
                                            " has " + std::to_string(descriptors[i].size()) +
                                            " values, row 1 has " + std::to_string(n_desc));
            }
            for (double v : descriptors[i]) {
                if (!std::isfinite(v)) {
                    throw std::invalid_argument("mpnn fit: descriptor row " +
                                                std::to_string(i + 1) +
                                                " holds a non-finite value");
                }
            }
        }
    }

    std::vector<std::size_t> active;
    for (std::size_t i = 0; i < n; ++i) {
        if (options.weights.empty() || options.weights[i] > 0.0) {
            active.push_back(i);
        }
    }
    if (active.size() < 2) {
        throw std::invalid_argument("mpnn fit: needs at least 2 molecules with weight > 0");
    }
    auto weight_of = [&](std::size_t i) {
        return options.weights.empty() ? 1.0 : options.weights[i];
    };

    MpnnNetwork net;
    net.params_ = params;
    net.task_ = task;

    // Standardisation from the molecules in the fit (unweighted).
    if (!classification) {
        double mean = 0;
        for (std::size_t i : active) {
            mean += labels[i];
        }
        mean /= static_cast<double>(active.size());
        double var = 0;
        for (std::size_t i : active) {
            var += (labels[i] - mean) * (labels[i] - mean);
        }
        var /= static_cast<double>(active.size());
        net.target_mean_ = mean;
        net.target_scale_ = var > 1e-24 ? std::sqrt(var) : 1.0;
        const auto [lo, hi] =
            std::minmax_element(active.begin(), active.end(), [&](std::size_t a, std::size_t b) {
                return labels[a] < labels[b];
            });
        const double margin = kMpnnOutputMargin * (labels[*hi] - labels[*lo]);
        net.output_lo_ = labels[*lo] - margin;
        net.output_hi_ = labels[*hi] + margin;
    }
    net.descriptor_mean_.assign(n_desc, 0.0);
    net.descriptor_scale_.assign(n_desc, 1.0);
    for (std::size_t d = 0; d < n_desc; ++d) {
        double mean = 0;
        for (std::size_t i : active) {
            mean += descriptors[i][d];
        }
        mean /= static_cast<double>(active.size());
        double var = 0;
        for (std::size_t i : active) {
            var += (descriptors[i][d] - mean) * (descriptors[i][d] - mean);
        }
        var /= static_cast<double>(active.size());
        net.descriptor_mean_[d] = mean;
        net.descriptor_scale_[d] = var > 1e-24 ? std::sqrt(var) : 1.0;
    }
    std::vector<double> desc_flat(n * n_desc);
    for (std::size_t i = 0; i < n && n_desc > 0; ++i) {
        for (std::size_t d = 0; d < n_desc; ++d) {
            desc_flat[i * n_desc + d] =
                standardised(descriptors[i][d], net.descriptor_mean_[d], net.descriptor_scale_[d]);
        }
    }

    // Inner split for early stopping: the caller's rows, or a random share of the molecules.
    std::vector<std::size_t> inner;
    std::vector<std::size_t> train;
    if (!options.inner_rows.empty()) {
        std::vector<char> is_inner(n, 0);
        for (std::size_t r : options.inner_rows) {
            if (r >= n) {
                throw std::invalid_argument("mpnn fit: early-stopping row " +
                                            std::to_string(r + 1) + " of " + std::to_string(n) +
                                            " molecules");
            }
            if (is_inner[r] == 0 && weight_of(r) > 0.0) {
                is_inner[r] = 1;
                inner.push_back(r);
            }
        }
        for (std::size_t i : active) {
            if (is_inner[i] == 0) {
                train.push_back(i);
            }
        }
        if (train.empty()) {
            throw std::invalid_argument("mpnn fit: every molecule is an early-stopping row");
        }
    } else {
        detail::Rng split_rng = detail::Rng::derive(params.seed, 1);
        std::vector<std::size_t> order = active;
        shuffle(order, split_rng);
        std::size_t n_inner = static_cast<std::size_t>(
            std::floor(params.inner_validation_fraction * static_cast<double>(order.size()) + 0.5));
        n_inner = std::min(n_inner, order.size() - 1);
        inner.assign(order.begin(), order.begin() + static_cast<long>(n_inner));
        train.assign(order.begin() + static_cast<long>(n_inner), order.end());
        std::sort(train.begin(), train.end());
    }

    const mpnn::Shape shape = shape_of(params, n_desc);
    std::vector<double> theta = initial_weights(shape, params.seed);
    const double* d_ptr = n_desc > 0 ? desc_flat.data() : nullptr;
    const int d_count = static_cast<int>(n_desc);
    auto prepare = [&](const std::vector<std::size_t>& idx) {
        Prepared p{mpnn::make_batch(graphs.data(), idx, d_ptr, d_count),
                   mpnn::Vec(static_cast<Eigen::Index>(idx.size())),
                   mpnn::Vec(static_cast<Eigen::Index>(idx.size()))};
        for (std::size_t k = 0; k < idx.size(); ++k) {
            const auto kk = static_cast<Eigen::Index>(k);
            p.y[kk] = classification ? labels[idx[k]]
                                     : (labels[idx[k]] - net.target_mean_) / net.target_scale_;
            p.w[kk] = weight_of(idx[k]);
        }
        return p;
    };
    std::vector<Prepared> inner_batches;
    double inner_weight = 0;
    for (std::size_t k = 0; k < inner.size(); k += kScoringChunk) {
        std::vector<std::size_t> idx(
            inner.begin() + static_cast<long>(k),
            inner.begin() + static_cast<long>(std::min(inner.size(), k + kScoringChunk)));
        inner_batches.push_back(prepare(idx));
        inner_weight += inner_batches.back().w.sum();
    }

    // Adam (Kingma & Ba 2015) with a geometric step-size decay to a tenth over the epochs.
    constexpr double kBeta1 = 0.9;
    constexpr double kBeta2 = 0.999;
    constexpr double kEps = 1e-8;
    const std::size_t P = theta.size();
    std::vector<double> grad(P);
    std::vector<double> m1(P, 0.0);
    std::vector<double> m2(P, 0.0);
    double beta1_t = 1.0;
    double beta2_t = 1.0;
    std::vector<double> best = theta;
    double best_loss = std::numeric_limits<double>::infinity();
    int since_best = 0;
    detail::Rng batch_rng = detail::Rng::derive(params.seed, 2);
    mpnn::Tape tape;
    mpnn::Vec d_out;
    const auto batch_size = static_cast<std::size_t>(params.batch_size);
    for (int epoch = 1; epoch <= params.epochs; ++epoch) {
        const double progress =
            params.epochs > 1 ? static_cast<double>(epoch - 1) / (params.epochs - 1) : 0.0;
        const double lr =
            params.learning_rate * detail::portable_exp(-2.302585092994046 * progress);
        shuffle(train, batch_rng);
        double train_loss = 0;
        double train_weight = 0;
        for (std::size_t k = 0; k < train.size(); k += batch_size) {
            std::vector<std::size_t> idx(
                train.begin() + static_cast<long>(k),
                train.begin() + static_cast<long>(std::min(train.size(), k + batch_size)));
            const Prepared p = prepare(idx);
            const double wsum = p.w.sum();
            mpnn::forward(shape, theta.data(), p.batch, tape);
            const double loss =
                mpnn::loss_and_gradient(classification, tape.out, p.y, p.w, wsum, &d_out);
            train_loss += loss * wsum;
            train_weight += wsum;
            std::fill(grad.begin(), grad.end(), 0.0);
            mpnn::backward(shape, theta.data(), p.batch, tape, d_out, grad.data());
            beta1_t *= kBeta1;
            beta2_t *= kBeta2;
            const double step = lr * std::sqrt(1.0 - beta2_t) / (1.0 - beta1_t);
            for (std::size_t j = 0; j < P; ++j) {
                m1[j] = kBeta1 * m1[j] + (1.0 - kBeta1) * grad[j];
                m2[j] = kBeta2 * m2[j] + (1.0 - kBeta2) * grad[j] * grad[j];
                theta[j] -= step * m1[j] / (std::sqrt(m2[j]) + kEps);
            }
        }
        MpnnEpoch report;
        report.epoch = epoch;
        report.epochs = params.epochs;
        report.train_loss = train_loss / train_weight;
        report.inner_loss = std::numeric_limits<double>::quiet_NaN();
        net.epochs_run_ = epoch;
        if (!inner_batches.empty()) {
            double loss = 0;
            for (const Prepared& p : inner_batches) {
                mpnn::forward(shape, theta.data(), p.batch, tape);
                loss += mpnn::loss_and_gradient(classification, tape.out, p.y, p.w, inner_weight,
                                                nullptr);
            }
            report.inner_loss = loss;
            if (loss < best_loss) {
                best_loss = loss;
                best = theta;
                net.best_epoch_ = epoch;
                since_best = 0;
            } else {
                ++since_best;
            }
        } else {
            best = theta;
            net.best_epoch_ = epoch;
        }
        if (options.progress) {
            options.progress(report);
        }
        if (since_best >= params.patience) {
            break;
        }
    }
    net.theta_ = std::move(best);
    return net;
}

std::vector<double> MpnnNetwork::predict(const MolGraph* graphs, std::size_t count,
                                         const std::vector<double>* descriptors) const {
    return outputs(graphs, count, descriptors, false);
}

std::vector<double> MpnnNetwork::predict_raw(const MolGraph* graphs, std::size_t count,
                                             const std::vector<double>* descriptors) const {
    return outputs(graphs, count, descriptors, true);
}

std::vector<double> MpnnNetwork::outputs(const MolGraph* graphs, std::size_t count,
                                         const std::vector<double>* descriptors, bool raw) const {
    if (!fitted()) {
        throw std::logic_error("MpnnNetwork::predict on a network that was not fitted");
    }
    const std::size_t n_desc = descriptor_mean_.size();
    if (n_desc > 0 && descriptors == nullptr) {
        throw std::invalid_argument("mpnn predict: this network needs descriptor rows");
    }
    const mpnn::Shape shape = shape_of(params_, n_desc);
    std::vector<double> out(count);
    mpnn::Tape tape;
    std::vector<double> desc_flat;
    for (std::size_t k0 = 0; k0 < count; k0 += kScoringChunk) {
        const std::size_t k1 = std::min(count, k0 + kScoringChunk);
        std::vector<std::size_t> idx(k1 - k0);
        std::iota(idx.begin(), idx.end(), std::size_t{0});
        desc_flat.assign(idx.size() * n_desc, 0.0);
        for (std::size_t k = k0; k < k1 && n_desc > 0; ++k) {
            const std::vector<double>& row = descriptors[k];
            if (row.size() != n_desc) {
                throw std::invalid_argument(
                    "mpnn predict: descriptor row " + std::to_string(k + 1) + " has " +
                    std::to_string(row.size()) + " values, the network " + std::to_string(n_desc));
            }
            for (std::size_t d = 0; d < n_desc; ++d) {
                desc_flat[(k - k0) * n_desc + d] =
                    standardised(row[d], descriptor_mean_[d], descriptor_scale_[d]);
            }
        }
        const mpnn::Batch batch =
            mpnn::make_batch(graphs + k0, idx, desc_flat.data(), static_cast<int>(n_desc));
        mpnn::forward(shape, theta_.data(), batch, tape);
        for (std::size_t k = k0; k < k1; ++k) {
            const double z = tape.out[static_cast<Eigen::Index>(k - k0)];
            out[k] = task_ == Task::Classification
                         ? (raw ? z : detail::sigmoid(z))
                         : std::clamp(z * target_scale_ + target_mean_, output_lo_, output_hi_);
        }
    }
    return out;
}

std::vector<double>
MpnnNetwork::predict(const std::vector<MolGraph>& graphs,
                     const std::vector<std::vector<double>>& descriptors) const {
    if (descriptor_count() > 0 && descriptors.size() != graphs.size()) {
        throw std::invalid_argument("mpnn predict: " + std::to_string(descriptors.size()) +
                                    " descriptor rows for " + std::to_string(graphs.size()) +
                                    " molecules");
    }
    return predict(graphs.data(), graphs.size(),
                   descriptor_count() > 0 ? descriptors.data() : nullptr);
}

} // namespace labelloop
