// Selection strategies, diversity and their errors, on hand-built pools with known answers.
#include "labelloop/sampling.hpp"

#include "synthetic.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <set>

using namespace labelloop;

namespace {

CandidatePool make_pool(Task task, const std::vector<double>& mean, const std::vector<double>& sd,
                        const std::vector<double>& ad = {}) {
    CandidatePool pool;
    pool.task = task;
    for (std::size_t i = 0; i < mean.size(); ++i) {
        Prediction p;
        p.mean = mean[i];
        p.std = sd[i];
        pool.predictions.push_back(p);
        const double d = ad.empty() ? 0.5 : ad[i];
        pool.applicability.push_back({d, d < 0.7});
        // Distinct fingerprints: compound i has bits 10 i .. 10 i + 9.
        std::vector<std::uint32_t> bits;
        for (std::uint32_t b = 0; b < 10; ++b) {
            bits.push_back(static_cast<std::uint32_t>(10 * i) + b);
        }
        pool.fingerprints.push_back(Fingerprint::from_on_bits(bits));
    }
    return pool;
}

std::vector<std::size_t> picked(const SelectionResult& r) {
    std::vector<std::size_t> out;
    for (const auto& c : r.selected) {
        out.push_back(c.index);
    }
    return out;
}

SelectionOptions opts(Strategy s, std::size_t batch) {
    SelectionOptions o;
    o.strategy = s;
    o.batch_size = batch;
    return o;
}

// A small regression ensemble on `d` (unit weights).
BootstrapEnsemble small_model(const testing::SyntheticSet& d, std::size_t members = 4,
                              unsigned rounds = 5) {
    EnsembleParams p;
    p.n_members = members;
    p.boosting_rounds = rounds;
    p.min_samples_leaf = 3;
    return BootstrapEnsemble::fit(d.x, d.y, std::vector<double>(d.x.size(), 1.0), Task::Regression,
                                  FeatureLayout::model_default(), p);
}

} // namespace

TEST_CASE("strategy names are exact and unknown ones are refused", "[sampling]") {
    for (const char* name : {"uncertainty", "margin", "entropy", "random", "hybrid"}) {
        CHECK(to_string(parse_strategy(name)) == name);
    }
    CHECK_THROWS_WITH(parse_strategy("Uncertainty"),
                      "unknown strategy 'Uncertainty' (expected one of: greedy, ucb, ei, pi, "
                      "thompson, uncertainty, density, cluster, margin, entropy, hybrid, random)");
    CHECK(parse_diversity("maxmin") == Diversity::MaxMin);
    CHECK(to_string(Diversity::TanimotoCap) == "tanimoto_cap");
    CHECK_THROWS_AS(parse_diversity("cluster"), SelectionError);
}

TEST_CASE("uncertainty picks the largest spread and ranks the whole pool", "[sampling]") {
    const auto pool = make_pool(Task::Regression, {1, 2, 3, 4}, {0.3, 0.9, 0.1, 0.5});
    const auto r = select_batch(pool, opts(Strategy::Uncertainty, 2));
    CHECK(picked(r) == std::vector<std::size_t>{1, 3});
    REQUIRE(r.all.size() == 4);
    CHECK(r.all[1].rank == 1);
    CHECK(r.all[3].rank == 2);
    CHECK(r.all[0].rank == 3);
    CHECK(r.all[2].rank == 4);
    CHECK(r.all[1].selected);
    CHECK_FALSE(r.all[0].selected);
    CHECK(r.all[2].priority_score == 0.1);
    CHECK(r.selected[0].uncertainty == 0.9);
    CHECK(r.selected[0].prediction == 2);
    CHECK(r.selected[0].applicability_distance == 0.5);
}

TEST_CASE("margin ranks by closeness to 0.5 or to the threshold", "[sampling]") {
    const auto cls = make_pool(Task::Classification, {0.9, 0.45, 0.1, 0.7}, {0.1, 0.1, 0.1, 0.1});
    CHECK(picked(select_batch(cls, opts(Strategy::Margin, 2))) == std::vector<std::size_t>{1, 3});
    const auto reg = make_pool(Task::Regression, {-3, -1.2, 0.5, 2}, {0.1, 0.1, 0.1, 0.1});
    auto o = opts(Strategy::Margin, 2);
    CHECK_THROWS_WITH(select_batch(reg, o),
                      "strategy 'margin' on a regression model needs a threshold (the value to "
                      "rank predictions against)");
    o.threshold = -1.0;
    const auto r = select_batch(reg, o);
    CHECK(picked(r) == std::vector<std::size_t>{1, 2});
    CHECK(r.all[1].priority_score == Approx(-0.2));
}

TEST_CASE("entropy: binary entropy for classes, Gaussian entropy for regression", "[sampling]") {
    const auto cls = make_pool(Task::Classification, {0.5, 0.99, 0.2}, {0.1, 0.1, 0.1});
    const auto r = select_batch(cls, opts(Strategy::Entropy, 1));
    CHECK(picked(r) == std::vector<std::size_t>{0});
    CHECK(r.all[0].priority_score == Approx(1.0)); // 1 bit at p = 0.5
    CHECK(r.all[2].priority_score == Approx(-(0.2 * std::log2(0.2) + 0.8 * std::log2(0.8))));
    const auto reg = make_pool(Task::Regression, {0, 0, 0}, {0.5, 2.0, 1.0});
    const auto g = select_batch(reg, opts(Strategy::Entropy, 1));
    CHECK(picked(g) == std::vector<std::size_t>{1});
    const double pi = 3.14159265358979323846;
    CHECK(g.all[2].priority_score == Approx(0.5 * std::log(2 * pi * std::exp(1.0))));
}

TEST_CASE("random is a seeded, reproducible baseline", "[sampling]") {
    std::vector<double> m(50, 0.0);
    std::vector<double> s(50, 0.1);
    const auto pool = make_pool(Task::Regression, m, s);
    auto o = opts(Strategy::Random, 10);
    o.seed = 1;
    const auto a = picked(select_batch(pool, o));
    CHECK(a == picked(select_batch(pool, o)));
    CHECK(std::set<std::size_t>(a.begin(), a.end()).size() == 10);
    o.seed = 2;
    CHECK(a != picked(select_batch(pool, o)));
}

TEST_CASE("hybrid combines normalised uncertainty, margin and AD distance", "[sampling]") {
    // std 0, 1, 2 -> u = 0, 0.5, 1; |p - 0.5| = 0.4, 0, 0.2 -> margin = 0.1, 0.5, 0.3 -> 0, 1, 0.5
    // AD 0.2, 0.4, 0.6 -> 0, 0.5, 1
    const auto pool =
        make_pool(Task::Classification, {0.9, 0.5, 0.3}, {0.0, 1.0, 2.0}, {0.2, 0.4, 0.6});
    const auto r = select_batch(pool, opts(Strategy::Hybrid, 3));
    CHECK(r.all[0].priority_score == Approx(0.0));
    CHECK(r.all[1].priority_score == Approx(0.5 * 0.5 + 0.3 * 1.0 + 0.2 * 0.5));
    CHECK(r.all[2].priority_score == Approx(0.5 * 1.0 + 0.3 * 0.5 + 0.2 * 1.0));
    CHECK(picked(r) == std::vector<std::size_t>{2, 1, 0});
    auto o = opts(Strategy::Hybrid, 1);
    o.hybrid = {0.0, 0.0, 1.0};
    CHECK(picked(select_batch(pool, o)) == std::vector<std::size_t>{2});
    const auto reg = make_pool(Task::Regression, {1, 2}, {0.1, 0.2});
    CHECK_THROWS_WITH(select_batch(reg, opts(Strategy::Hybrid, 1)),
                      Catch::StartsWith("strategy 'hybrid' on a regression model needs a "
                                        "threshold"));
    o.hybrid = {1.0, 0.0, 0.0};
    CHECK(picked(select_batch(reg, o)) == std::vector<std::size_t>{1});
}

TEST_CASE("diversity keeps near-duplicates out of one batch", "[sampling][diversity]") {
    // Compounds 0-2 are the same molecule with the highest uncertainty.
    auto pool = make_pool(Task::Regression, {0, 0, 0, 0, 0}, {0.9, 0.8, 0.7, 0.2, 0.1});
    pool.fingerprints[1] = pool.fingerprints[0];
    pool.fingerprints[2] = pool.fingerprints[0];
    auto o = opts(Strategy::Uncertainty, 3);
    CHECK(picked(select_batch(pool, o)) == std::vector<std::size_t>{0, 1, 2});
    o.diversity = Diversity::TanimotoCap;
    o.tanimoto_cap = 0.7;
    CHECK(picked(select_batch(pool, o)) == std::vector<std::size_t>{0, 3, 4});
    o.diversity = Diversity::MaxMin;
    CHECK(picked(select_batch(pool, o)) == std::vector<std::size_t>{0, 3, 4});
    // The cap can leave a batch short when the pool has no more dissimilar compounds.
    o.diversity = Diversity::TanimotoCap;
    o.batch_size = 5;
    CHECK(select_batch(pool, o).selected.size() == 3);
}

TEST_CASE("invalid selection requests fail with precise errors", "[sampling][errors]") {
    const auto pool = make_pool(Task::Regression, {1, 2}, {0.1, 0.2});
    CHECK_THROWS_WITH(
        select_batch(make_pool(Task::Regression, {}, {}), opts(Strategy::Uncertainty, 1)),
        "the pool is empty: there is nothing to select from");
    CHECK_THROWS_WITH(select_batch(pool, opts(Strategy::Uncertainty, 0)),
                      "batch size must be at least 1");
    CHECK_THROWS_WITH(select_batch(pool, opts(Strategy::Uncertainty, 3)),
                      "batch size 3 is larger than the pool (2 compounds)");

    // Through a model: a pool compound with NaN features is named.
    const auto d = testing::make_synthetic(40, 31);
    const auto model = small_model(d);
    auto bad = d.x;
    bad[2].descriptors[0] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(select_batch(model, bad, opts(Strategy::Uncertainty, 3)),
                      "pool compound 2: descriptor 'lipinskiHBA' is not a finite number");
    const auto ok = select_batch(model, d.x, opts(Strategy::Uncertainty, 5));
    CHECK(ok.selected.size() == 5);
    // A training compound is its own nearest neighbour, so it sits well inside the domain.
    CHECK(ok.all[0].applicability_distance < model.applicability().threshold());
}

TEST_CASE("incremental selection gives select_batch's result whatever the slice sizes",
          "[sampling][incremental]") {
    const auto model = small_model(testing::make_synthetic(120, 7), 8, 6);
    const auto pool = testing::make_synthetic(301, 99).x; // not a multiple of 64

    SelectionOptions hybrid = opts(Strategy::Hybrid, 12);
    hybrid.threshold = 0.5;
    hybrid.diversity = Diversity::MaxMin;
    SelectionOptions capped = opts(Strategy::Uncertainty, 20);
    capped.diversity = Diversity::TanimotoCap;
    capped.tanimoto_cap = 0.5;
    for (const auto& options : {hybrid, capped, opts(Strategy::Entropy, 301)}) {
        const auto whole = select_batch(model, pool, options);
        for (std::size_t slice : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{300},
                                  std::size_t{5000}}) {
            INFO("strategy " << to_string(options.strategy) << ", slices of " << slice);
            IncrementalSelection inc(model, pool, options);
            CHECK(inc.size() == pool.size());
            CHECK_THROWS_AS(inc.result(), std::logic_error);
            std::size_t steps = 0;
            while (!inc.step(slice)) {
                ++steps;
                CHECK(inc.scored() == steps * slice);
            }
            CHECK(steps == (pool.size() - 1) / slice);
            const auto r = inc.result();
            REQUIRE(r.all.size() == whole.all.size());
            for (std::size_t i = 0; i < r.all.size(); ++i) {
                CHECK(r.all[i].prediction == whole.all[i].prediction);
                CHECK(r.all[i].uncertainty == whole.all[i].uncertainty);
                CHECK(r.all[i].applicability_distance == whole.all[i].applicability_distance);
                CHECK(r.all[i].priority_score == whole.all[i].priority_score);
                CHECK(r.all[i].rank == whole.all[i].rank);
                CHECK(r.all[i].selected == whole.all[i].selected);
            }
            CHECK(picked(r) == picked(whole));
        }
    }
}

TEST_CASE("incremental selection refuses what select_batch refuses, before scoring",
          "[sampling][incremental][errors]") {
    const auto d = testing::make_synthetic(40, 31);
    const auto model = small_model(d);
    auto bad = d.x;
    bad[39].descriptors[0] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(IncrementalSelection(model, bad, opts(Strategy::Uncertainty, 3)),
                      "pool compound 39: descriptor 'lipinskiHBA' is not a finite number");
    CHECK_THROWS_WITH(IncrementalSelection(model, d.x, opts(Strategy::Margin, 3)),
                      "strategy 'margin' on a regression model needs a threshold (the value to "
                      "rank predictions against)");
    CHECK_THROWS_WITH(IncrementalSelection(model, {}, opts(Strategy::Uncertainty, 1)),
                      "the pool is empty: there is nothing to select from");
    IncrementalSelection inc(model, d.x, opts(Strategy::Uncertainty, 40));
    CHECK_FALSE(inc.step(0));
    CHECK(inc.scored() == 0);
    CHECK(inc.step(1000));
    CHECK(inc.step(5)); // nothing left: still done
    CHECK(inc.result().selected.size() == 40);
}
