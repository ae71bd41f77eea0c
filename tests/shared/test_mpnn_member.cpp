// The D-MPNN as a member family of the bootstrap ensemble: a 3-network ensemble fits small
// seeded molecule sets (hand-built graphs, no RDKit here; tests/server/test_api_mpnn.cpp fits
// RDKit graphs of the demo set), its members disagree, the model file round trip predicts the
// same, seeded fits repeat, rows without a graph and absurd sizes are refused by name, and
// features blobs carry the graph (version 2) while version 1 blobs decode without one.
#include "labelloop/ensemble.hpp"
#include "labelloop/json_mapping.hpp"
#include "labelloop/model_format.hpp"

#include "synthetic.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace labelloop;

namespace {

GraphAtom atom(int z, int hydrogens) {
    GraphAtom a;
    a.atomic_number = z;
    a.implicit_hydrogens = hydrogens;
    return a;
}

// Small molecules: chains of 2-9 heavy atoms (a few closed into a ring) on the synthetic
// fingerprints and descriptors; the label depends on the graph (the atoms' make-up, a ring) and
// on CrippenClogP, so both what the network reads and the descriptors matter.
struct GraphSet {
    std::vector<Features> x;
    std::vector<double> y;
    std::vector<double> y_class;
};

GraphSet graph_set(std::size_t n, std::uint64_t seed) {
    auto base = testing::make_synthetic(n, seed);
    GraphSet out;
    std::uint64_t s = seed * 7 + 1;
    const int elements[] = {6, 6, 6, 7, 8, 9, 17};
    for (std::size_t i = 0; i < n; ++i) {
        const auto len = static_cast<std::uint32_t>(2 + testing::next_u64(s) % 8);
        const bool ring = len >= 5 && testing::next_u64(s) % 3 == 0;
        std::vector<GraphAtom> atoms;
        std::vector<GraphBond> bonds;
        double label = 0.0;
        for (std::uint32_t a = 0; a < len; ++a) {
            const int z = elements[testing::next_u64(s) % 7];
            atoms.push_back(atom(z, z == 6 ? 2 : 1));
            label += z == 6 ? 0.4 : (z == 7 ? -0.6 : (z == 8 ? -0.8 : 0.3));
            if (a > 0) {
                GraphBond b;
                b.begin = a - 1;
                b.end = a;
                bonds.push_back(b);
            }
        }
        if (ring) {
            GraphBond b;
            b.begin = len - 1;
            b.end = 0;
            bonds.push_back(b);
            label += 0.5;
        }
        label = 2.0 * label / static_cast<double>(len); // per atom: what mean pooling reads
        Features f = base.x[i];
        f.graph = std::make_shared<const MolGraph>(build_mol_graph(atoms, bonds));
        label += 0.3 * f.descriptors[testing::kInformativeDescriptor];
        out.x.push_back(std::move(f));
        out.y.push_back(label);
        out.y_class.push_back(label > 0.5 ? 1.0 : 0.0);
    }
    return out;
}

// Three small networks, few epochs: enough to learn the set, quick in the WASM run too.
EnsembleParams small_mpnn() {
    auto p = EnsembleParams::mpnn_ensemble(3);
    p.mpnn.hidden = 16;
    p.mpnn.ffn_width = 16;
    p.mpnn.depth = 2;
    p.mpnn.epochs = 25;
    p.mpnn.patience = 10;
    p.mpnn.learning_rate = 5e-3;
    p.seed = 11;
    p.n_threads = 2;
    return p;
}

double rmse_of(const std::vector<Prediction>& p, const std::vector<double>& y) {
    double ss = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        ss += (p[i].mean - y[i]) * (p[i].mean - y[i]);
    }
    return std::sqrt(ss / static_cast<double>(y.size()));
}

double sd_of(const std::vector<double>& y) {
    double m = 0.0;
    for (double v : y) {
        m += v;
    }
    m /= static_cast<double>(y.size());
    double ss = 0.0;
    for (double v : y) {
        ss += (v - m) * (v - m);
    }
    return std::sqrt(ss / static_cast<double>(y.size()));
}

} // namespace

TEST_CASE("an mpnn ensemble learns a molecule set, its networks disagree, and it saves",
          "[mpnn_member]") {
    const auto train = graph_set(150, 5);
    const auto test = graph_set(60, 99);
    const std::vector<double> w(train.x.size(), 1.0);
    const auto params = small_mpnn();
    const auto model = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                              FeatureLayout::model_default(), params);
    REQUIRE(model.n_members() == 3);
    CHECK(to_string(model.params().member_type) == "mpnn");
    const auto pred = model.predict_batch(test.x, true);
    double spread = 0.0;
    for (const auto& p : pred) {
        REQUIRE(std::isfinite(p.mean));
        REQUIRE(std::isfinite(p.std));
        REQUIRE(p.members.size() == 3);
        spread += p.std;
        CHECK(p.lower90 <= p.mean);
        CHECK(p.upper90 >= p.mean);
    }
    CHECK(spread > 0.0);
    // Better than predicting the mean (the label's spread) on unseen molecules.
    CHECK(rmse_of(pred, test.y) < 0.8 * sd_of(test.y));
    // Calibration ran on the networks' outputs for the held-out slice.
    CHECK(model.calibration().n_oob > 0);
    CHECK(model.calibration().z90 > 0.0);
    // One compound scored alone equals its row of the batch (slices vs single rows).
    const auto single = model.predict(test.x[7]);
    CHECK(single.mean == Approx(pred[7].mean).epsilon(1e-12));
    CHECK(model.member_output(1, test.x[7]) == Approx(pred[7].members[1]).epsilon(1e-12));
    // Networks have no split gains.
    for (double v : model.feature_importances()) {
        CHECK(v == 0.0);
    }

    // The model file round trip gives the very same predictions and parameters.
    const auto bytes = save_model(model);
    const auto loaded = load_model(bytes);
    CHECK(loaded.params().member_type == MemberType::Mpnn);
    CHECK(loaded.params().mpnn.hidden == 16);
    CHECK(loaded.params().mpnn.depth == 2);
    CHECK(loaded.params().mpnn.use_descriptors);
    CHECK(loaded.calibration().z90 == model.calibration().z90);
    const auto again = loaded.predict_batch(test.x, true);
    for (std::size_t i = 0; i < pred.size(); ++i) {
        REQUIRE(again[i].members == pred[i].members);
        REQUIRE(again[i].mean == pred[i].mean);
    }
    // A damaged network inside the file is refused as a model format error.
    auto damaged = bytes;
    const std::size_t magic_at = std::string(bytes.begin(), bytes.end()).find("LLMPNN");
    REQUIRE(magic_at != std::string::npos);
    damaged[magic_at] = 'X';
    CHECK_THROWS_AS(load_model(damaged), ModelFormatError);
}

TEST_CASE("an mpnn ensemble's networks share one held-out slice, which calibrates them",
          "[mpnn_member]") {
    const auto train = graph_set(150, 5);
    const std::vector<double> w(train.x.size(), 1.0);
    auto params = small_mpnn();
    params.mpnn.epochs = 6;
    // 10 % of 150 is 15, raised to min(20, 150 / 5) = 20 rows; every network leaves out the same
    // 20, so exactly 20 training compounds have the outputs of all 3 networks that did not see
    // them (a bootstrap would give about 0.37 x 3 out-of-bag networks per row, most rows 0-2).
    const auto model = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                              FeatureLayout::model_default(), params);
    CHECK(model.calibration().n_oob == 20);
    CHECK(model.calibration().z90 > 0.0);
    CHECK(model.calibration().oob_coverage >= 0.9);
    CHECK(model.calibration().oob_score > 0.0);

    // No held-out share: the networks train on everything for all epochs, nothing calibrates,
    // and the interval is the Gaussian reading of the spread.
    params.mpnn.inner_validation_fraction = 0.0;
    const auto unheld = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                               FeatureLayout::model_default(), params);
    CHECK(unheld.calibration().n_oob == 0);
    CHECK(unheld.calibration().z90 == Calibration{}.z90);
    const auto p = unheld.predict(train.x[3]);
    CHECK(p.upper90 == Approx(p.mean + Calibration{}.z90 * p.std));
}

TEST_CASE("seeded mpnn ensembles repeat exactly, whatever the thread count", "[mpnn_member]") {
    const auto train = graph_set(60, 3);
    const std::vector<double> w(train.x.size(), 1.0);
    auto params = small_mpnn();
    params.mpnn.epochs = 5;
    const auto a = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                          FeatureLayout::model_default(), params);
    params.n_threads = 1;
    const auto b = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                          FeatureLayout::model_default(), params);
    CHECK(save_model(a) == save_model(b));
    params.seed = 12;
    const auto c = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                          FeatureLayout::model_default(), params);
    CHECK(save_model(a) != save_model(c));
}

TEST_CASE("an mpnn ensemble reports every network's epochs and losses, on the calling thread",
          "[mpnn_member]") {
    const auto train = graph_set(60, 5);
    const std::vector<double> w(train.x.size(), 1.0);
    auto params = small_mpnn();
    params.mpnn.epochs = 6;
    params.mpnn.patience = 100; // every epoch runs
    const auto caller = std::this_thread::get_id();
    std::vector<FitProgress> seen;
    bool other_thread = false;
    const auto model =
        BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                               FeatureLayout::model_default(), params, [&](const FitProgress& p) {
                                   other_thread =
                                       other_thread || std::this_thread::get_id() != caller;
                                   seen.push_back(p);
                               });
    CHECK_FALSE(other_thread);
    REQUIRE(seen.size() >= 2);
    std::set<std::size_t> networks;
    for (std::size_t i = 0; i < seen.size(); ++i) {
        const auto& p = seen[i];
        CHECK(p.n_members == 3);
        CHECK(p.members_done <= 3);
        CHECK(p.fraction >= 0.0);
        CHECK(p.fraction <= 1.0);
        if (i > 0) {
            CHECK(p.fraction >= seen[i - 1].fraction);
        }
        if (p.epochs > 0) {
            CHECK(p.epochs == 6);
            CHECK(p.epoch >= 1);
            CHECK(p.epoch <= 6);
            CHECK(std::isfinite(p.train_loss));
            CHECK(p.member < 3);
            networks.insert(p.member);
        }
    }
    // Reports arriving together are coalesced (the caller sees the latest), so which networks
    // show up depends on the threads' timing; at least one network's epochs do.
    CHECK_FALSE(networks.empty());
    CHECK(seen.back().fraction == 1.0);
    CHECK(seen.back().members_done == 3);
    // Reporting changes nothing in the model.
    const auto quiet = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                              FeatureLayout::model_default(), params);
    CHECK(save_model(model) == save_model(quiet));
}

TEST_CASE("an mpnn ensemble classifies with probabilities", "[mpnn_member]") {
    const auto train = graph_set(120, 8);
    const std::vector<double> w(train.x.size(), 1.0);
    auto params = small_mpnn();
    params.mpnn.use_descriptors = false;
    params.mpnn.epochs = 10;
    const auto model = BootstrapEnsemble::fit(train.x, train.y_class, w, Task::Classification,
                                              FeatureLayout::model_default(), params);
    for (const auto& p : model.predict_batch(train.x, true)) {
        REQUIRE(p.mean >= 0.0);
        REQUIRE(p.mean <= 1.0);
        for (double m : p.members) {
            REQUIRE(m >= 0.0);
            REQUIRE(m <= 1.0);
        }
    }
    CHECK(model.calibration().oob_score > 0.5); // OOB ROC-AUC better than chance
    CHECK_FALSE(load_model(save_model(model)).params().mpnn.use_descriptors);
}

TEST_CASE("rows without a molecule graph are refused by name", "[mpnn_member]") {
    auto train = graph_set(30, 4);
    const std::vector<double> w(train.x.size(), 1.0);
    auto params = small_mpnn();
    params.mpnn.epochs = 2;
    auto missing = train.x;
    missing[17].graph = nullptr;
    CHECK_THROWS_WITH(BootstrapEnsemble::fit(missing, train.y, w, Task::Regression,
                                             FeatureLayout::model_default(), params),
                      Catch::StartsWith("training compound 17 has no molecule graph"));
    const auto model = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                              FeatureLayout::model_default(), params);
    CHECK_THROWS_WITH(model.predict_batch(missing),
                      Catch::StartsWith("compound 17 has no molecule graph"));
    CHECK_THROWS_AS(model.predict(missing[17]), std::invalid_argument);
    // Tree members ignore the graph either way.
    auto trees = EnsembleParams::gradient_boosted();
    trees.n_members = 3;
    const auto gbm = BootstrapEnsemble::fit(missing, train.y, w, Task::Regression,
                                            FeatureLayout::model_default(), trees);
    CHECK(gbm.predict(missing[17]).mean == gbm.predict(train.x[17]).mean);
    // Descriptors asked for on a bits-only layout.
    auto bits = train.x;
    for (auto& f : bits) {
        f.descriptors.clear();
    }
    CHECK_THROWS_WITH(BootstrapEnsemble::fit(bits, train.y, w, Task::Regression,
                                             FeatureLayout::bits_only(), params),
                      Catch::StartsWith("mpnn.use_descriptors needs a feature layout"));
}

TEST_CASE("absurd mpnn sizes are refused naming the field", "[mpnn_member]") {
    const auto refused = [](const std::string& json_text) {
        try {
            (void)parse_ensemble_params(nlohmann::json::parse(json_text));
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(refused(R"({"member_type":"mpnn","mpnn":{"depth":7}})") ==
          "mpnn.depth must be between 1 and 6, got 7");
    CHECK(refused(R"({"member_type":"mpnn","mpnn":{"hidden":100000000000}})") ==
          "mpnn.hidden must be between 8 and 512, got 2147483647");
    CHECK(refused(R"({"member_type":"mpnn","mpnn":{"ffn_width":4}})") ==
          "mpnn.ffn_width must be between 8 and 512, got 4");
    CHECK(refused(R"({"member_type":"mpnn","mpnn":{"epochs":0}})") ==
          "mpnn.epochs must be between 1 and 500, got 0");
    CHECK(refused(R"({"member_type":"mpnn","mpnn":{"learning_rate":2}})") ==
          "mpnn.learning_rate must be between 1e-05 and 0.1, got 2");
    CHECK(refused(R"({"member_type":"mpnn","n_members":65})") ==
          "n_members must be between 2 and 64, got 65");
    CHECK(refused(R"({"member_type":"mpnn","mpnn":{"depth":-1}})") ==
          "field 'mpnn.depth' must be a non-negative integer");
    CHECK(refused(R"({"member_type":"mpnn","mpnn":{"width":3}})") ==
          "unknown model parameter 'mpnn.width'");
    CHECK(refused(R"({"member_type":"mpnn","mpnn":{"pooling":"max"}})").find("pooling") !=
          std::string::npos);
    // Tree models may keep 100 members; the network limits apply to mpnn only.
    CHECK(refused(R"({"member_type":"gradient_boosted","n_members":100,"mpnn":{"depth":7}})") ==
          "accepted");
    // The JSON form round-trips, with "mpnn" present only for network models.
    const auto p = parse_ensemble_params(
        nlohmann::json::parse(R"({"member_type":"mpnn","n_members":4,"mpnn":{"epochs":12}})"));
    const nlohmann::json j = p;
    CHECK(j.at("mpnn").at("epochs") == 12);
    CHECK(parse_ensemble_params(j).mpnn.epochs == 12);
    const nlohmann::json trees = EnsembleParams{};
    CHECK_FALSE(trees.contains("mpnn"));
}

TEST_CASE("features blobs carry the molecule graph, old blobs decode without one",
          "[mpnn_member]") {
    const auto set = graph_set(10, 21);
    for (const auto& f : set.x) {
        const auto bytes = encode_features(f);
        CHECK(bytes[0] == 2);
        const auto back = decode_features(bytes);
        REQUIRE(back.graph != nullptr);
        CHECK(*back.graph == *f.graph);
        CHECK(back == f);
    }
    Features plain = set.x[0];
    plain.graph = nullptr;
    const auto v1 = encode_features(plain);
    CHECK(v1[0] == 1);
    CHECK(v1.size() == 259 + 8 * plain.descriptors.size());
    CHECK(decode_features(v1).graph == nullptr);
    CHECK_FALSE(decode_features(v1) == set.x[0]);
    // A bond to a missing atom is refused.
    auto bad = encode_features(set.x[0]);
    const std::size_t bonds_at = v1.size() + 2 + set.x[0].graph->atom_features.size() + 2;
    REQUIRE(set.x[0].graph->n_bonds() > 0);
    bad[bonds_at] = 0xFF;
    CHECK_THROWS_AS(decode_features(bad), FeatureError);
}
