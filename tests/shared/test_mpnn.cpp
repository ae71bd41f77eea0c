// The D-MPNN network: hand-written gradients against finite differences for every parameter
// group, overfitting 20 molecules, seeded determinism, the byte round trip, refusals, and the
// awkward graphs (no bonds, several fragments, an element outside the table).
#include "labelloop/mpnn.hpp"

#include "mpnn/network.hpp"
#include "rng.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace labelloop;

namespace {

GraphAtom atom(int z, int hydrogens, bool aromatic = false, int charge = 0) {
    GraphAtom a;
    a.atomic_number = z;
    a.implicit_hydrogens = hydrogens;
    a.aromatic = aromatic;
    a.formal_charge = charge;
    return a;
}

GraphBond bond(std::uint32_t b, std::uint32_t e, int order = 1, bool aromatic = false) {
    GraphBond out;
    out.begin = b;
    out.end = e;
    out.order = order;
    out.aromatic = aromatic;
    return out;
}

MolGraph ethanol() {
    return build_mol_graph({atom(6, 3), atom(6, 2), atom(8, 1)}, {bond(0, 1), bond(1, 2)});
}

MolGraph benzene() {
    std::vector<GraphAtom> atoms(6, atom(6, 1, true));
    std::vector<GraphBond> bonds;
    for (std::uint32_t i = 0; i < 6; ++i) {
        bonds.push_back(bond(i, (i + 1) % 6, i % 2 == 0 ? 2 : 1, true));
    }
    return build_mol_graph(atoms, bonds);
}

MolGraph methane() {
    return build_mol_graph({atom(6, 4)}, {});
}

// Sodium acetate: two fragments, one with no bonds.
MolGraph sodium_acetate() {
    return build_mol_graph(
        {atom(6, 3), atom(6, 0), atom(8, 0), atom(8, 0, false, -1), atom(11, 0, false, 1)},
        {bond(0, 1), bond(1, 2, 2), bond(1, 3)});
}

// Tetramethyltin: an element in the "other" slot.
MolGraph tetramethyltin() {
    return build_mol_graph({atom(50, 0), atom(6, 3), atom(6, 3), atom(6, 3), atom(6, 3)},
                           {bond(0, 1), bond(0, 2), bond(0, 3), bond(0, 4)});
}

// Varied small molecules: chains of 2-9 heavy atoms, some closed into a ring, a few
// heteroatoms and double bonds, with a label that depends on their make-up.
void synthetic_set(std::size_t n, std::uint64_t seed, std::vector<MolGraph>& graphs,
                   std::vector<double>& labels) {
    detail::Rng rng(seed);
    const int elements[] = {6, 6, 6, 7, 8, 9, 16, 17};
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t len = 2 + rng.below(8);
        std::vector<GraphAtom> atoms;
        std::vector<GraphBond> bonds;
        double label = 0;
        for (std::uint32_t a = 0; a < len; ++a) {
            const int z = elements[rng.below(8)];
            atoms.push_back(atom(z, z == 6 ? 2 : (z == 9 || z == 17 ? 0 : 1)));
            label += z == 6 ? 0.5 : (z == 8 || z == 7 ? -1.0 : 0.8);
            if (a > 0) {
                const int order = rng.below(5) == 0 ? 2 : 1;
                bonds.push_back(bond(a - 1, a, order));
                label += order == 2 ? 0.3 : 0.0;
            }
        }
        if (len >= 5 && rng.below(2) == 0) {
            bonds.push_back(bond(len - 1, 0));
            label -= 0.7;
        }
        graphs.push_back(build_mol_graph(atoms, bonds));
        labels.push_back(label);
    }
}

mpnn::Shape tiny_shape(bool mean_pooling, int descriptors) {
    mpnn::Shape s;
    s.depth = 3;
    s.hidden = 8;
    s.ffn_width = 8;
    s.ffn_layers = 2;
    s.mean_pooling = mean_pooling;
    s.descriptors = descriptors;
    return s;
}

} // namespace

TEST_CASE("mpnn: hand-written gradients match finite differences for every parameter group",
          "[mpnn]") {
    const std::vector<MolGraph> graphs = {ethanol(), benzene(), methane(), sodium_acetate(),
                                          tetramethyltin()};
    const int n_desc = 2;
    const std::vector<double> desc = {0.3, -1.2, 1.0, 0.5, -0.4, 0.0, 2.0, -0.7, 0.1, 0.9};
    const std::vector<std::size_t> index = {0, 1, 2, 3, 4};
    const mpnn::Batch batch = mpnn::make_batch(graphs.data(), index, desc.data(), n_desc);
    REQUIRE(batch.atom_x.rows() == 3 + 6 + 1 + 5 + 5);
    REQUIRE(batch.edge_x.rows() == 2 * (2 + 6 + 0 + 3 + 4));

    for (const bool classification : {false, true}) {
        for (const bool mean_pooling : {false, true}) {
            CAPTURE(classification, mean_pooling);
            const mpnn::Shape shape = tiny_shape(mean_pooling, n_desc);
            std::vector<double> theta(shape.parameter_count());
            detail::Rng rng(42);
            for (double& v : theta) {
                v = rng.uniform() - 0.5;
            }
            mpnn::Vec y(5);
            y << (classification ? 1.0 : 0.4), 0.0, (classification ? 1.0 : -1.3), 0.0,
                (classification ? 1.0 : 2.1);
            mpnn::Vec w(5);
            w << 1.0, 2.0, 0.5, 1.0, 3.0;
            auto loss_at = [&](const std::vector<double>& t) {
                mpnn::Tape tape;
                mpnn::forward(shape, t.data(), batch, tape);
                return mpnn::loss_and_gradient(classification, tape.out, y, w, w.sum(), nullptr);
            };
            mpnn::Tape tape;
            mpnn::forward(shape, theta.data(), batch, tape);
            mpnn::Vec d_out;
            mpnn::loss_and_gradient(classification, tape.out, y, w, w.sum(), &d_out);
            std::vector<double> grad(theta.size(), 0.0);
            mpnn::backward(shape, theta.data(), batch, tape, d_out, grad.data());

            const auto groups = shape.groups();
            REQUIRE(groups.size() == 4 + 2 * 2 + 2);
            for (std::size_t g = 0; g < groups.size(); ++g) {
                CAPTURE(g);
                const std::size_t size = static_cast<std::size_t>(groups[g].rows) *
                                         static_cast<std::size_t>(groups[g].cols);
                double diff2 = 0;
                double norm2 = 0;
                for (std::size_t j = groups[g].offset; j < groups[g].offset + size; ++j) {
                    const double h = 1e-6;
                    std::vector<double> plus = theta;
                    std::vector<double> minus = theta;
                    plus[j] += h;
                    minus[j] -= h;
                    const double numeric = (loss_at(plus) - loss_at(minus)) / (2 * h);
                    diff2 += (numeric - grad[j]) * (numeric - grad[j]);
                    norm2 += numeric * numeric + grad[j] * grad[j];
                }
                REQUIRE(norm2 > 1e-12); // the group really takes part
                CHECK(std::sqrt(diff2 / norm2) < 1e-6);
            }
        }
    }
}

TEST_CASE("mpnn: a network overfits 20 molecules to near-zero training loss", "[mpnn]") {
    std::vector<MolGraph> graphs;
    std::vector<double> labels;
    synthetic_set(18, 7, graphs, labels);
    graphs.push_back(methane());
    labels.push_back(1.5);
    graphs.push_back(sodium_acetate());
    labels.push_back(-2.0);
    MpnnParams p;
    p.hidden = 64;
    p.ffn_width = 64;
    p.epochs = 300;
    p.batch_size = 10;
    p.learning_rate = 3e-3;
    p.inner_validation_fraction = 0;
    p.seed = 3;
    p.pooling = MpnnPooling::Sum;
    double last_loss = 1e9;
    int reports = 0;
    MpnnFitOptions options;
    options.progress = [&](const MpnnEpoch& e) {
        ++reports;
        CHECK(e.epoch == reports);
        CHECK(std::isnan(e.inner_loss));
        last_loss = e.train_loss;
    };
    const MpnnNetwork net = MpnnNetwork::fit(graphs, {}, labels, Task::Regression, p, options);
    CHECK(reports == 300);
    CHECK(net.epochs_run() == 300);
    CHECK(last_loss < 1e-3);
    const std::vector<double> pred = net.predict(graphs);
    for (std::size_t i = 0; i < graphs.size(); ++i) {
        CAPTURE(i);
        CHECK(pred[i] == Approx(labels[i]).margin(0.05));
    }
}

TEST_CASE("mpnn: classification gives probabilities that separate the training classes", "[mpnn]") {
    std::vector<MolGraph> graphs;
    std::vector<double> values;
    synthetic_set(40, 11, graphs, values);
    std::vector<double> labels;
    for (double v : values) {
        labels.push_back(v > 1.0 ? 1.0 : 0.0);
    }
    MpnnParams p;
    p.hidden = 32;
    p.ffn_width = 32;
    p.epochs = 150;
    p.learning_rate = 3e-3;
    p.batch_size = 8;
    p.inner_validation_fraction = 0;
    const MpnnNetwork net = MpnnNetwork::fit(graphs, {}, labels, Task::Classification, p);
    const std::vector<double> prob = net.predict(graphs);
    const std::vector<double> logit = net.predict_raw(graphs.data(), graphs.size());
    for (std::size_t i = 0; i < prob.size(); ++i) {
        CHECK(prob[i] == Approx(1.0 / (1.0 + std::exp(-logit[i]))).epsilon(1e-12));
    }
    int correct = 0;
    for (std::size_t i = 0; i < prob.size(); ++i) {
        REQUIRE(prob[i] >= 0.0);
        REQUIRE(prob[i] <= 1.0);
        correct += (prob[i] > 0.5) == (labels[i] == 1.0) ? 1 : 0;
    }
    CHECK(correct >= 38);
}

TEST_CASE("mpnn: same seed, same weights and predictions, another seed differs", "[mpnn]") {
    std::vector<MolGraph> graphs;
    std::vector<double> labels;
    synthetic_set(60, 5, graphs, labels);
    std::vector<std::vector<double>> desc;
    for (std::size_t i = 0; i < graphs.size(); ++i) {
        desc.push_back({static_cast<double>(graphs[i].n_atoms), 100.0 + labels[i] * 3.0});
    }
    MpnnParams p;
    p.hidden = 16;
    p.ffn_width = 16;
    p.epochs = 20;
    p.patience = 3;
    p.use_descriptors = true;
    p.pooling = MpnnPooling::Mean;
    p.inner_validation_fraction = 0.2;
    p.seed = 99;
    MpnnFitOptions options;
    options.weights.assign(graphs.size(), 1.0);
    options.weights[3] = 0.0; // left out
    options.weights[4] = 3.0; // drawn three times by a bootstrap
    int reports = 0;
    options.progress = [&](const MpnnEpoch& e) {
        ++reports;
        CHECK(std::isfinite(e.inner_loss));
    };
    const MpnnNetwork a = MpnnNetwork::fit(graphs, desc, labels, Task::Regression, p, options);
    const MpnnNetwork b = MpnnNetwork::fit(graphs, desc, labels, Task::Regression, p, options);
    CHECK(reports == a.epochs_run() * 2);
    CHECK(a.best_epoch() >= 1);
    CHECK(a.best_epoch() <= a.epochs_run());
    CHECK(a.weights() == b.weights());
    CHECK(a.predict(graphs, desc) == b.predict(graphs, desc));
    // A different slice size scores the same molecules the same way.
    const std::vector<double> all = a.predict(graphs, desc);
    const std::vector<double> part = a.predict(graphs.data() + 10, 5, desc.data() + 10);
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(part[i] == Approx(all[10 + i]).epsilon(1e-12));
    }
    p.seed = 100;
    const MpnnNetwork c = MpnnNetwork::fit(graphs, desc, labels, Task::Regression, p, options);
    CHECK(c.weights() != a.weights());
    CHECK_THROWS_WITH(a.predict(graphs.data(), 2, nullptr),
                      Catch::Contains("needs descriptor rows"));

    // A descriptor far outside the training range is clipped at 5 standard deviations (RDKit's
    // kappa3 of a three-atom molecule is over 1,000): 1e6 and 1e9 score alike, and finite.
    const std::vector<std::vector<double>> far = {{3.0, 1e6}}, farther = {{3.0, 1e9}};
    const double at_far = a.predict(graphs.data(), 1, far.data())[0];
    CHECK(std::isfinite(at_far));
    CHECK(at_far == a.predict(graphs.data(), 1, farther.data())[0]);
}

TEST_CASE("mpnn: bytes round trip predicts exactly the same, damaged bytes are refused", "[mpnn]") {
    std::vector<MolGraph> graphs;
    std::vector<double> labels;
    synthetic_set(30, 9, graphs, labels);
    graphs.push_back(tetramethyltin());
    labels.push_back(0.0);
    MpnnParams p;
    p.hidden = 16;
    p.ffn_width = 24;
    p.ffn_layers = 2;
    p.epochs = 5;
    const MpnnNetwork net = MpnnNetwork::fit(graphs, {}, labels, Task::Regression, p);
    const std::vector<std::uint8_t> bytes = net.to_bytes();
    const MpnnNetwork back = MpnnNetwork::from_bytes(bytes.data(), bytes.size());
    CHECK(back.weights() == net.weights());
    CHECK(back.predict(graphs) == net.predict(graphs));
    CHECK(back.params().ffn_layers == 2);
    CHECK(back.to_bytes() == bytes);

    CHECK_THROWS_WITH(MpnnNetwork::from_bytes(bytes.data(), bytes.size() - 3),
                      Catch::Contains("truncated"));
    std::vector<std::uint8_t> foreign = bytes;
    foreign[0] = 'X';
    CHECK_THROWS_WITH(MpnnNetwork::from_bytes(foreign.data(), foreign.size()),
                      Catch::Contains("magic"));
    std::vector<std::uint8_t> newer = bytes;
    newer[6] = 3;
    CHECK_THROWS_WITH(MpnnNetwork::from_bytes(newer.data(), newer.size()),
                      Catch::Contains("version 3"));
}

// Offset of the two output bounds in version-2 bytes: magic, version, 4 sizes, pooling and
// descriptor flags, epochs, batch, learning rate, patience, inner fraction, seed, task, target
// mean and scale.
constexpr std::size_t kBoundsOffset = 6 + 4 + 16 + 2 + 8 + 8 + 4 + 8 + 8 + 1 + 16;

TEST_CASE("mpnn: regression outputs stay within the widened label range, version 1 loads unbounded",
          "[mpnn]") {
    std::vector<MolGraph> graphs;
    std::vector<double> labels;
    synthetic_set(30, 4, graphs, labels);
    MpnnParams p;
    p.hidden = 16;
    p.epochs = 5;
    const MpnnNetwork net = MpnnNetwork::fit(graphs, {}, labels, Task::Regression, p);
    const double lo = *std::min_element(labels.begin(), labels.end());
    const double hi = *std::max_element(labels.begin(), labels.end());
    CHECK(net.lowest_output() == Approx(lo - kMpnnOutputMargin * (hi - lo)));
    CHECK(net.highest_output() == Approx(hi + kMpnnOutputMargin * (hi - lo)));
    const std::vector<double> free = net.predict(graphs);

    // The same weights with a narrow stored interval: every prediction is clamped into it.
    std::vector<std::uint8_t> bytes = net.to_bytes();
    const double mid = free[0];
    const double narrow_lo = mid - 1e-3;
    const double narrow_hi = mid + 1e-3;
    std::memcpy(bytes.data() + kBoundsOffset, &narrow_lo, 8); // little-endian host
    std::memcpy(bytes.data() + kBoundsOffset + 8, &narrow_hi, 8);
    const MpnnNetwork narrow = MpnnNetwork::from_bytes(bytes.data(), bytes.size());
    std::size_t clamped = 0;
    for (const double v : narrow.predict(graphs)) {
        CHECK(v >= narrow_lo);
        CHECK(v <= narrow_hi);
        clamped += v == narrow_lo || v == narrow_hi ? 1 : 0;
    }
    CHECK(clamped > 0);
    // Bounds that are not an interval are refused.
    std::memcpy(bytes.data() + kBoundsOffset, &narrow_hi, 8);
    std::memcpy(bytes.data() + kBoundsOffset + 8, &narrow_lo, 8);
    CHECK_THROWS_WITH(MpnnNetwork::from_bytes(bytes.data(), bytes.size()),
                      Catch::Contains("not an interval"));

    // Version 1 (no bounds) still loads, unbounded, and predicts what the network computes.
    std::vector<std::uint8_t> v1 = net.to_bytes();
    v1.erase(v1.begin() + kBoundsOffset, v1.begin() + kBoundsOffset + 16);
    v1[6] = 1;
    const MpnnNetwork old = MpnnNetwork::from_bytes(v1.data(), v1.size());
    CHECK(std::isinf(old.lowest_output()));
    CHECK(std::isinf(old.highest_output()));
    CHECK(old.predict(graphs) == free);
    CHECK(old.weights() == net.weights());
}

TEST_CASE("mpnn: early stopping on the caller's rows leaves them out of training", "[mpnn]") {
    std::vector<MolGraph> graphs;
    std::vector<double> labels;
    synthetic_set(40, 6, graphs, labels);
    MpnnParams p;
    p.hidden = 16;
    p.epochs = 6;
    MpnnFitOptions options;
    options.inner_rows = {0, 1, 2, 3, 4, 5, 6, 7};
    auto losses = [&](const std::vector<double>& y, std::vector<double>& train,
                      std::vector<double>& inner) {
        MpnnFitOptions o = options;
        o.progress = [&](const MpnnEpoch& e) {
            train.push_back(e.train_loss);
            inner.push_back(e.inner_loss);
        };
        MpnnNetwork::fit(graphs, {}, y, Task::Regression, p, o);
    };
    // Reversing the held rows' labels keeps the label mean, spread and range (so the
    // standardisation and bounds), and changes what those rows ask of the network.
    std::vector<double> reversed = labels;
    std::reverse(reversed.begin(), reversed.begin() + 8);
    REQUIRE(reversed != labels);
    std::vector<double> train_a, inner_a, train_b, inner_b;
    losses(labels, train_a, inner_a);
    losses(reversed, train_b, inner_b);
    REQUIRE(train_a.size() == 6);
    CHECK(train_a == train_b); // the same training trajectory: the held rows were not trained on
    CHECK(inner_a != inner_b); // but they are what early stopping measures
    for (const double v : inner_a) {
        CHECK(std::isfinite(v));
    }

    options.inner_rows.push_back(40);
    CHECK_THROWS_WITH(MpnnNetwork::fit(graphs, {}, labels, Task::Regression, p, options),
                      Catch::Contains("early-stopping row 41 of 40"));
}

TEST_CASE("mpnn: absurd parameters are refused naming the field", "[mpnn]") {
    auto refused = [](auto change, const std::string& field) {
        MpnnParams p;
        change(p);
        CHECK_THROWS_WITH(p.validate(), Catch::Contains("mpnn " + field + " must be between"));
    };
    refused([](MpnnParams& p) { p.depth = 0; }, "depth");
    refused([](MpnnParams& p) { p.depth = 9; }, "depth");
    refused([](MpnnParams& p) { p.hidden = 4; }, "hidden");
    refused([](MpnnParams& p) { p.hidden = 5000; }, "hidden");
    refused([](MpnnParams& p) { p.ffn_width = 0; }, "ffn_width");
    refused([](MpnnParams& p) { p.ffn_layers = 5; }, "ffn_layers");
    refused([](MpnnParams& p) { p.epochs = 0; }, "epochs");
    refused([](MpnnParams& p) { p.epochs = 501; }, "epochs");
    refused([](MpnnParams& p) { p.batch_size = 0; }, "batch_size");
    refused([](MpnnParams& p) { p.learning_rate = std::nan(""); }, "learning_rate");
    refused([](MpnnParams& p) { p.learning_rate = 2.0; }, "learning_rate");
    refused([](MpnnParams& p) { p.patience = 0; }, "patience");
    refused([](MpnnParams& p) { p.inner_validation_fraction = 0.9; }, "inner_validation_fraction");
    CHECK_NOTHROW(MpnnParams{}.validate());
    CHECK(parse_mpnn_pooling("mean") == MpnnPooling::Mean);
    CHECK_THROWS_WITH(parse_mpnn_pooling("max"), Catch::Contains("pooling"));
}

TEST_CASE("mpnn: NaN labels and mismatched inputs are refused with the row", "[mpnn]") {
    const std::vector<MolGraph> graphs = {ethanol(), benzene(), methane()};
    MpnnParams p;
    p.hidden = 8;
    p.ffn_width = 8;
    p.epochs = 1;
    CHECK_THROWS_WITH(MpnnNetwork::fit(graphs, {}, {1.0, std::nan(""), 2.0}, Task::Regression, p),
                      Catch::Contains("row 2 is not a number"));
    CHECK_THROWS_WITH(MpnnNetwork::fit(graphs, {}, {1.0, 0.5, 0.0}, Task::Classification, p),
                      Catch::Contains("row 2"));
    CHECK_THROWS_WITH(MpnnNetwork::fit(graphs, {}, {1.0, 2.0}, Task::Regression, p),
                      Catch::Contains("2 labels for 3 molecules"));
    p.use_descriptors = true;
    CHECK_THROWS_WITH(
        MpnnNetwork::fit(graphs, {{1.0}, {2.0, 3.0}, {1.0}}, {1.0, 2.0, 3.0}, Task::Regression, p),
        Catch::Contains("descriptor row 2"));
}

TEST_CASE("mpnn: a graph without bonds and a multi-fragment graph train and score", "[mpnn]") {
    const MolGraph lone = methane();
    const MolGraph salt = sodium_acetate();
    REQUIRE(lone.n_edges() == 0);
    std::vector<MolGraph> graphs = {lone, salt, ethanol(), benzene(), tetramethyltin()};
    const std::vector<double> labels = {0.5, -1.0, 0.2, 1.1, 2.0};
    MpnnParams p;
    p.hidden = 16;
    p.ffn_width = 16;
    p.epochs = 10;
    p.inner_validation_fraction = 0;
    for (const MpnnPooling pooling : {MpnnPooling::Sum, MpnnPooling::Mean}) {
        p.pooling = pooling;
        const MpnnNetwork net = MpnnNetwork::fit(graphs, {}, labels, Task::Regression, p);
        const std::vector<double> alone = net.predict(&lone, 1);
        const std::vector<double> both = net.predict(graphs);
        REQUIRE(std::isfinite(alone[0]));
        CHECK(alone[0] == Approx(both[0]).epsilon(1e-12));
        const std::vector<double> salt_alone = net.predict(&salt, 1);
        REQUIRE(std::isfinite(salt_alone[0]));
        CHECK(salt_alone[0] == Approx(both[1]).epsilon(1e-12));
        // A batch of only bond-less molecules (zero edges in the whole batch).
        const std::vector<MolGraph> lones = {lone, lone};
        const std::vector<double> two = net.predict(lones);
        CHECK(two[0] == Approx(alone[0]).epsilon(1e-12));
    }
}

TEST_CASE("mpnn: a seeded fit reproduces the recorded predictions (native and WASM agree)",
          "[mpnn]") {
    // Recorded from the native (x86-64 gcc) build; the WASM build of this test must land on
    // the same values to 1e-6 relative (training included: 30 epochs of Adam).
    std::vector<MolGraph> graphs;
    std::vector<double> labels;
    synthetic_set(40, 21, graphs, labels);
    graphs.push_back(sodium_acetate());
    labels.push_back(-1.0);
    MpnnParams p;
    p.hidden = 16;
    p.ffn_width = 16;
    p.epochs = 30;
    p.batch_size = 8;
    p.inner_validation_fraction = 0.2;
    p.patience = 30;
    p.seed = 2026;
    p.pooling = MpnnPooling::Sum;
    p.learning_rate = 1e-3;
    const MpnnNetwork net = MpnnNetwork::fit(graphs, {}, labels, Task::Regression, p);
    const std::vector<double> pred = net.predict(graphs);
    const std::vector<double> recorded = {
        1.6635623905748218,  3.8480334830738778, 2.4088800879068071, 1.1080572392728925,
        0.14975913103041005, 2.8390598322081271, 1.905590026636941,  2.8989778425920516};
    char line[4096];
    int at = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        at += std::snprintf(line + at, sizeof line - static_cast<std::size_t>(at), "%.17g, ",
                            pred[i * 5]);
    }
    INFO("predictions now: " << line);
    REQUIRE(recorded.size() == 8);
    for (std::size_t i = 0; i < 8; ++i) {
        CAPTURE(i);
        CHECK(pred[i * 5] == Approx(recorded[i]).epsilon(1e-6));
    }
}
