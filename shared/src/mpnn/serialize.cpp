// MpnnNetwork bytes: "LLMPNN" magic, a format version, the hyperparameters, the task, the
// target standardisation and output bounds, the descriptor standardisation, then every weight as a
// little-endian double (exact, so a loaded network predicts bit for bit the same).
#include "labelloop/mpnn.hpp"

#include "../bytes.hpp"
#include "network.hpp"

#include <cmath>
#include <cstring>

namespace labelloop {

namespace {

constexpr char kMagic[6] = {'L', 'L', 'M', 'P', 'N', 'N'};
// Version 2 added the regression output bounds (after the target scale); version 1 networks
// load unbounded.
constexpr std::uint32_t kFormatVersion = 2;

} // namespace

std::vector<std::uint8_t> MpnnNetwork::to_bytes() const {
    detail::ByteWriter w;
    w.raw(kMagic, sizeof kMagic);
    w.u32(kFormatVersion);
    w.i32(params_.depth);
    w.i32(params_.hidden);
    w.i32(params_.ffn_width);
    w.i32(params_.ffn_layers);
    w.u8(params_.pooling == MpnnPooling::Mean ? 1 : 0);
    w.u8(params_.use_descriptors ? 1 : 0);
    w.i32(params_.epochs);
    w.i32(params_.batch_size);
    w.f64(params_.learning_rate);
    w.i32(params_.patience);
    w.f64(params_.inner_validation_fraction);
    w.u64(params_.seed);
    w.u8(task_ == Task::Classification ? 1 : 0);
    w.f64(target_mean_);
    w.f64(target_scale_);
    w.f64(output_lo_);
    w.f64(output_hi_);
    w.i32(epochs_run_);
    w.i32(best_epoch_);
    w.u32(static_cast<std::uint32_t>(descriptor_mean_.size()));
    for (std::size_t d = 0; d < descriptor_mean_.size(); ++d) {
        w.f64(descriptor_mean_[d]);
        w.f64(descriptor_scale_[d]);
    }
    w.u64(theta_.size());
    for (double v : theta_) {
        w.f64(v);
    }
    return std::move(w.bytes());
}

MpnnNetwork MpnnNetwork::from_bytes(const std::uint8_t* data, std::size_t size) {
    if (size < sizeof kMagic || std::memcmp(data, kMagic, sizeof kMagic) != 0) {
        throw std::invalid_argument("not an mpnn network (magic LLMPNN missing)");
    }
    detail::ByteReader<std::invalid_argument> r(data + sizeof kMagic, size - sizeof kMagic,
                                                "mpnn network");
    const std::uint32_t version = r.u32("version");
    if (version < 1 || version > kFormatVersion) {
        throw std::invalid_argument("mpnn network format version " + std::to_string(version) +
                                    " is not supported (this build reads versions 1 to " +
                                    std::to_string(kFormatVersion) + ")");
    }
    MpnnNetwork net;
    MpnnParams& p = net.params_;
    p.depth = r.i32("depth");
    p.hidden = r.i32("hidden");
    p.ffn_width = r.i32("ffn_width");
    p.ffn_layers = r.i32("ffn_layers");
    p.pooling = r.u8("pooling") != 0 ? MpnnPooling::Mean : MpnnPooling::Sum;
    p.use_descriptors = r.u8("use_descriptors") != 0;
    p.epochs = r.i32("epochs");
    p.batch_size = r.i32("batch_size");
    p.learning_rate = r.f64("learning_rate");
    p.patience = r.i32("patience");
    p.inner_validation_fraction = r.f64("inner_validation_fraction");
    p.seed = r.u64("seed");
    p.validate();
    net.task_ = r.u8("task") != 0 ? Task::Classification : Task::Regression;
    net.target_mean_ = r.f64("target_mean");
    net.target_scale_ = r.f64("target_scale");
    if (version >= 2) {
        net.output_lo_ = r.f64("lowest output");
        net.output_hi_ = r.f64("highest output");
        if (std::isnan(net.output_lo_) || std::isnan(net.output_hi_) ||
            net.output_lo_ > net.output_hi_) {
            throw std::invalid_argument("mpnn network: output bounds are not an interval");
        }
    }
    net.epochs_run_ = r.i32("epochs_run");
    net.best_epoch_ = r.i32("best_epoch");
    const std::uint32_t n_desc = r.u32("descriptor count");
    if (n_desc > 100000) {
        throw std::invalid_argument("mpnn network: implausible descriptor count " +
                                    std::to_string(n_desc));
    }
    for (std::uint32_t d = 0; d < n_desc; ++d) {
        net.descriptor_mean_.push_back(r.f64("descriptor mean"));
        net.descriptor_scale_.push_back(r.f64("descriptor scale"));
    }
    mpnn::Shape shape;
    shape.depth = p.depth;
    shape.hidden = p.hidden;
    shape.ffn_width = p.ffn_width;
    shape.ffn_layers = p.ffn_layers;
    shape.mean_pooling = p.pooling == MpnnPooling::Mean;
    shape.descriptors = static_cast<int>(n_desc);
    const std::uint64_t n_theta = r.u64("weight count");
    if (n_theta != shape.parameter_count()) {
        throw std::invalid_argument("mpnn network: " + std::to_string(n_theta) +
                                    " weights stored, its shape needs " +
                                    std::to_string(shape.parameter_count()));
    }
    net.theta_.resize(n_theta);
    for (auto& v : net.theta_) {
        v = r.f64("weights");
    }
    if (r.remaining() != 0) {
        throw std::invalid_argument("mpnn network: " + std::to_string(r.remaining()) +
                                    " unexpected bytes after the weights");
    }
    return net;
}

} // namespace labelloop
