// MemberType::Mpnn: each member is one D-MPNN network (labelloop/mpnn.hpp), a deep ensemble:
// every network fits the same training rows with its own seed (Resampling::SharedHoldOut), and
// the ensemble's held-out slice (mpnn.inner_validation_fraction of the rows) is every network's
// early-stopping set and the calibration rows of the ensemble's spread. The caller's
// validation set never reaches the fit. Raw outputs are log-odds for classification (finished
// with a sigmoid).
#include "../portable_math.hpp"
#include "labelloop/mpnn.hpp"
#include "member_family.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace labelloop::detail {
namespace {

struct MpnnMemberState final : MemberState {
    explicit MpnnMemberState(MpnnNetwork n) : network(std::move(n)) {}
    MpnnNetwork network;
};

const MpnnNetwork& network_of(const EnsembleMember& member) {
    const auto* state = dynamic_cast<const MpnnMemberState*>(member.state.get());
    if (state == nullptr) {
        throw std::logic_error("mpnn member without a network");
    }
    return state->network;
}

const std::vector<double>* descriptors_for(const MpnnNetwork& net, const Features& row) {
    return net.descriptor_count() > 0 ? &row.descriptors : nullptr;
}

class MpnnScorer final : public MemberScorer {
public:
    explicit MpnnScorer(const std::vector<EnsembleMember>& members) {
        for (const auto& m : members) {
            states_.push_back(m.state);
            networks_.push_back(&network_of(m));
        }
    }

    double member_output(std::size_t member, const Features& features) const override {
        const MpnnNetwork& net = *networks_[member];
        return net.predict_raw(features.graph.get(), 1, descriptors_for(net, features))[0];
    }

    void predict_slice(const Features* rows, std::size_t n, double* out) const override {
        // The network reads graphs (and descriptor rows) from contiguous arrays.
        std::vector<MolGraph> graphs;
        std::vector<std::vector<double>> descriptors;
        graphs.reserve(n);
        descriptors.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            graphs.push_back(*rows[i].graph);
            descriptors.push_back(rows[i].descriptors);
        }
        for (std::size_t m = 0; m < networks_.size(); ++m) {
            const MpnnNetwork& net = *networks_[m];
            const auto raw = net.predict_raw(
                graphs.data(), n, net.descriptor_count() > 0 ? descriptors.data() : nullptr);
            std::copy(raw.begin(), raw.end(), out + m * n);
        }
    }

private:
    std::vector<std::shared_ptr<const MemberState>> states_; // keeps networks_ alive
    std::vector<const MpnnNetwork*> networks_;
};

class MpnnFamily final : public MemberFamily {
public:
    MemberType type() const override { return MemberType::Mpnn; }
    Resampling resampling() const override { return Resampling::SharedHoldOut; }
    double hold_out_fraction(const EnsembleParams& params) const override {
        return params.mpnn.inner_validation_fraction;
    }

    void check_row(const Features& row, const std::string& what) const override {
        if (!row.graph) {
            throw std::invalid_argument(what +
                                        " has no molecule graph (an mpnn model reads the "
                                        "molecule graph; build it from the compound's structure)");
        }
    }

    std::unique_ptr<FitContext> prepare(const MemberFitInput& in) const override {
        if (in.params.mpnn.use_descriptors && in.layout.n_descriptors() == 0) {
            throw std::invalid_argument("mpnn.use_descriptors needs a feature layout with "
                                        "descriptors (this one has fingerprint bits only)");
        }
        return std::make_unique<FitContext>();
    }

    EnsembleMember fit(const MemberFitInput& in, const FitContext&, const BootstrapSample& sample,
                       Rng& rng, const EpochReport& epochs) const override {
        std::vector<MolGraph> graphs;
        std::vector<std::vector<double>> descriptors;
        std::vector<double> labels;
        MpnnFitOptions options;
        const std::size_t n_fit = sample.rows.size() + sample.oob_rows.size();
        graphs.reserve(n_fit);
        labels.reserve(n_fit);
        options.weights.reserve(n_fit);
        // The training rows weighted by their label weight, then the held-out slice as the
        // early-stopping rows (weight 1: the stopping loss treats every held-out label alike).
        auto add = [&](std::uint32_t r, double weight) {
            graphs.push_back(*in.x[r].graph);
            if (in.params.mpnn.use_descriptors) {
                descriptors.push_back(in.x[r].descriptors);
            }
            labels.push_back(in.y[r]);
            options.weights.push_back(weight);
        };
        for (auto r : sample.rows) {
            add(r, sample.weight[r]);
        }
        for (auto r : sample.oob_rows) {
            options.inner_rows.push_back(graphs.size());
            add(r, 1.0);
        }
        if (epochs) {
            options.progress = [&epochs](const MpnnEpoch& e) {
                epochs(e.epoch, e.epochs, e.train_loss, e.inner_loss);
            };
        }
        MpnnParams params = in.params.mpnn;
        params.seed = rng.next(); // the member's own stream: networks differ by seed
        EnsembleMember member;
        member.state = std::make_shared<const MpnnMemberState>(
            MpnnNetwork::fit(graphs, descriptors, labels, in.task, params, options));
        return member;
    }

    double raw_output(const EnsembleMember& member, const Features& features) const override {
        const MpnnNetwork& net = network_of(member);
        return net.predict_raw(features.graph.get(), 1, descriptors_for(net, features))[0];
    }

    /// Classification networks give log-odds (the same sigmoid as MpnnNetwork::predict).
    void finish(Task task, double* values, std::size_t n) const override {
        if (task != Task::Classification) {
            return;
        }
        for (std::size_t i = 0; i < n; ++i) {
            values[i] = sigmoid(values[i]);
        }
    }

    std::shared_ptr<const MemberScorer> make_scorer(const std::vector<EnsembleMember>& members,
                                                    const FeatureLayout&) const override {
        return std::make_shared<const MpnnScorer>(members);
    }

    /// A network has no per-feature split gains: it adds nothing (the ensemble's importances
    /// stay all zero).
    void add_importances(const EnsembleMember&, std::vector<double>&, double&) const override {}

    void write_member(ByteWriter& w, const EnsembleMember& member) const override {
        const auto bytes = network_of(member).to_bytes();
        w.u32(static_cast<std::uint32_t>(bytes.size()));
        w.raw(bytes.data(), bytes.size());
    }

    EnsembleMember read_member(ByteReader<ModelFormatError>& r, std::size_t index,
                               const FeatureLayout& layout) const override {
        const std::string what = "model member " + std::to_string(index);
        const auto size = r.u32("mpnn member size");
        r.need(size, "mpnn member");
        std::vector<std::uint8_t> bytes(size);
        r.raw(bytes.data(), size, "mpnn member");
        MpnnNetwork net;
        try {
            net = MpnnNetwork::from_bytes(bytes.data(), bytes.size());
        } catch (const std::invalid_argument& e) {
            throw ModelFormatError(what + ": " + e.what());
        }
        if (net.descriptor_count() != 0 && net.descriptor_count() != layout.n_descriptors()) {
            throw ModelFormatError(what + " reads " + std::to_string(net.descriptor_count()) +
                                   " descriptors, the model's layout has " +
                                   std::to_string(layout.n_descriptors()));
        }
        EnsembleMember member;
        member.state = std::make_shared<const MpnnMemberState>(std::move(net));
        return member;
    }

    /// The network sizes live in each member's bytes; the per-member seeds are drawn from the
    /// ensemble seed, so the restored mpnn.seed is the unused default 0.
    void restore_params(const std::vector<EnsembleMember>& members,
                        EnsembleParams& params) const override {
        if (members.empty()) {
            return;
        }
        params.mpnn = network_of(members.front()).params();
        params.mpnn.seed = 0;
    }
};

} // namespace

const MemberFamily& mpnn_family() {
    static const MpnnFamily family;
    return family;
}

} // namespace labelloop::detail
