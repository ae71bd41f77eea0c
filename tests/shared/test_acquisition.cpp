// Objectives and the acquisition strategies (greedy, UCB, EI, PI, Thompson, density,
// cluster): hand-computed values, seeded reproducibility and the refusals.
#include "labelloop/objective.hpp"
#include "labelloop/sampling.hpp"

#include "synthetic.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>

using namespace labelloop;

namespace {

constexpr double kZ90 = 1.6448536269514722;

// A prediction whose calibrated interval gives spread `sigma` (and raw spread `sd`).
Prediction pred(double mean, double sigma, double sd = -1.0) {
    Prediction p;
    p.mean = mean;
    p.std = sd >= 0.0 ? sd : sigma;
    p.lower90 = mean - kZ90 * sigma;
    p.upper90 = mean + kZ90 * sigma;
    return p;
}

Objective maximize() {
    Objective o;
    o.kind = ObjectiveKind::Maximize;
    return o;
}
Objective minimize() {
    Objective o;
    o.kind = ObjectiveKind::Minimize;
    return o;
}
Objective window(double lo, double hi) {
    Objective o;
    o.kind = ObjectiveKind::Window;
    o.lo = lo;
    o.hi = hi;
    return o;
}
Objective seek_class(int c) {
    Objective o;
    o.kind = ObjectiveKind::Class;
    o.target_class = c;
    return o;
}

// Compound i gets bits from `group[i]`'s block, plus a few of its own, so compounds of one
// group are near-duplicates and groups are far apart.
CandidatePool grouped_pool(Task task, const std::vector<double>& mean,
                           const std::vector<double>& sd, const std::vector<int>& group) {
    CandidatePool pool;
    pool.task = task;
    for (std::size_t i = 0; i < mean.size(); ++i) {
        pool.predictions.push_back(pred(mean[i], sd[i]));
        pool.applicability.push_back({0.5, true});
        std::vector<std::uint32_t> bits;
        for (std::uint32_t b = 0; b < 40; ++b) {
            bits.push_back(static_cast<std::uint32_t>(100 * group[i]) + b);
        }
        bits.push_back(static_cast<std::uint32_t>(1500 + i));
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

SelectionOptions opts(Strategy s, std::size_t batch, Objective objective = {}) {
    SelectionOptions o;
    o.strategy = s;
    o.batch_size = batch;
    o.objective = objective;
    return o;
}

} // namespace

TEST_CASE("objectives: orientation, hits and their checks", "[objective]") {
    CHECK(toward_objective(maximize(), 2.0) == 2.0);
    CHECK(toward_objective(minimize(), 2.0) == -2.0);
    CHECK(toward_objective(window(1, 3), 0.5) == -0.5);
    CHECK(toward_objective(window(1, 3), 2.0) == 0.0);
    CHECK(toward_objective(window(1, 3), 4.0) == -1.0);
    CHECK(toward_objective(seek_class(1), 0.7) == Approx(0.7));
    CHECK(toward_objective(seek_class(0), 0.7) == Approx(0.3));

    CHECK(is_hit(window(1, 3), 1.0));
    CHECK_FALSE(is_hit(window(1, 3), 3.01));
    CHECK(is_hit(seek_class(1), 1.0));
    CHECK_FALSE(is_hit(seek_class(0), 1.0));
    CHECK_FALSE(is_hit(maximize(), 100.0)); // no hit threshold: no hit definition
    auto hit2 = maximize();
    hit2.hit_threshold = 2.0;
    CHECK(is_hit(hit2, 2.0));
    CHECK(describe(hit2) == "maximize (hit >= 2)");
    CHECK(describe(window(1, 3)) == "window [1, 3]");

    CHECK(parse_objective_kind("maximise") == ObjectiveKind::Maximize);
    CHECK_THROWS_WITH(parse_objective_kind("best"),
                      "unknown objective 'best' (expected one of: none, maximize, minimize, "
                      "window, class)");
    auto field_of = [](const Objective& o, Task t) {
        try {
            check_objective(o, t);
        } catch (const ObjectiveError& e) {
            return e.field();
        }
        return std::string("accepted");
    };
    CHECK(field_of(window(3, 1), Task::Regression) == "objective.lo");
    CHECK(field_of(window(std::nan(""), 1), Task::Regression) == "objective.lo");
    CHECK(field_of(window(0, INFINITY), Task::Regression) == "objective.hi");
    CHECK(field_of(window(1, 3), Task::Classification) == "objective.kind");
    CHECK(field_of(seek_class(1), Task::Regression) == "objective.kind");
    CHECK(field_of(seek_class(2), Task::Classification) == "objective.class");
    CHECK(field_of(maximize(), Task::Classification) == "objective.kind");
    CHECK(field_of(window(1, 1), Task::Regression) == "accepted");
}

TEST_CASE("normal pdf / cdf and P(hit) by hand", "[objective]") {
    CHECK(normal_pdf(0.0) == Approx(0.3989422804).epsilon(1e-9));
    CHECK(normal_cdf(0.0) == Approx(0.5).margin(1e-7));
    CHECK(normal_cdf(1.0) == Approx(0.8413447461).margin(2e-7));
    CHECK(normal_cdf(-1.96) == Approx(0.0249978952).margin(2e-7));
    CHECK(calibrated_sigma(pred(2.0, 0.8, 0.3)) == Approx(0.8));

    // Window [1, 3], mean 2, sigma 1: Phi(1) - Phi(-1).
    CHECK(probability_of_hit(window(1, 3), Task::Regression, pred(2.0, 1.0)) ==
          Approx(0.6826894921).margin(4e-7));
    // Zero spread: inside or not.
    CHECK(probability_of_hit(window(1, 3), Task::Regression, pred(2.0, 0.0)) == 1.0);
    CHECK(probability_of_hit(window(1, 3), Task::Regression, pred(0.5, 0.0)) == 0.0);
    auto hit2 = maximize();
    hit2.hit_threshold = 2.0;
    CHECK(probability_of_hit(hit2, Task::Regression, pred(2.0, 1.0)) == Approx(0.5).margin(1e-7));
    CHECK(probability_of_hit(maximize(), Task::Regression, pred(2.0, 1.0)) == 0.0);
    CHECK(probability_of_hit(seek_class(0), Task::Classification, pred(0.8, 0.1)) == Approx(0.2));
}

TEST_CASE("greedy, UCB, EI and PI by hand", "[acquisition]") {
    CHECK(acquisition_greedy(maximize(), pred(2.0, 1.0)) == 2.0);
    CHECK(acquisition_greedy(minimize(), pred(2.0, 1.0)) == -2.0);
    CHECK(acquisition_greedy(window(1, 3), pred(4.0, 1.0)) == -1.0);
    // UCB uses the raw ensemble spread: 1 + 2 x 0.5.
    CHECK(acquisition_ucb(maximize(), pred(1.0, 9.0, 0.5), 2.0) == 2.0);
    CHECK(acquisition_ucb(minimize(), pred(1.0, 9.0, 0.5), 2.0) == 0.0);

    const auto reg = Task::Regression;
    // EI over best 2 with mean 2, sigma 1: phi(0); PI: 1/2.
    CHECK(acquisition_ei(maximize(), reg, pred(2.0, 1.0), 2.0) ==
          Approx(0.3989422804).margin(1e-7));
    CHECK(acquisition_pi(maximize(), reg, pred(2.0, 1.0), 2.0) == Approx(0.5).margin(1e-7));
    // Mean 3: EI = 1 x Phi(1) + phi(1) = 1.0833154706; PI = Phi(1).
    CHECK(acquisition_ei(maximize(), reg, pred(3.0, 1.0), 2.0) ==
          Approx(1.0833154706).margin(3e-7));
    CHECK(acquisition_pi(maximize(), reg, pred(3.0, 1.0), 2.0) ==
          Approx(0.8413447461).margin(2e-7));
    // Minimize mirrors it: mean 1 against best 2 is the same gain of 1.
    CHECK(acquisition_ei(minimize(), reg, pred(1.0, 1.0), 2.0) ==
          Approx(1.0833154706).margin(3e-7));
    // Zero spread: EI = max(gain, 0), PI = [gain > 0].
    CHECK(acquisition_ei(maximize(), reg, pred(3.0, 0.0), 2.0) == 1.0);
    CHECK(acquisition_ei(maximize(), reg, pred(1.0, 0.0), 2.0) == 0.0);
    CHECK(acquisition_pi(maximize(), reg, pred(3.0, 0.0), 2.0) == 1.0);
    CHECK(acquisition_pi(maximize(), reg, pred(2.0, 0.0), 2.0) == 0.0);
    // A window and a class: the probability of a hit.
    CHECK(acquisition_ei(window(1, 3), reg, pred(2.0, 1.0), std::nullopt) ==
          Approx(0.6826894921).margin(4e-7));
    CHECK(acquisition_pi(seek_class(1), Task::Classification, pred(0.3, 0.1), std::nullopt) ==
          Approx(0.3));
    CHECK_THROWS_AS(acquisition_ei(maximize(), reg, pred(2.0, 1.0), std::nullopt), SelectionError);
    CHECK_THROWS_AS(acquisition_greedy(Objective{}, pred(2.0, 1.0)), SelectionError);
}

TEST_CASE("discovery strategies rank the pool toward the objective", "[acquisition]") {
    const std::vector<double> mean{1.0, 4.0, 2.0, 3.0};
    const std::vector<double> sd{0.1, 0.1, 2.0, 0.1};
    const auto pool = grouped_pool(Task::Regression, mean, sd, {0, 1, 2, 3});
    CHECK(picked(select_batch(pool, opts(Strategy::Greedy, 2, maximize()))) ==
          std::vector<std::size_t>{1, 3});
    CHECK(picked(select_batch(pool, opts(Strategy::Greedy, 2, minimize()))) ==
          std::vector<std::size_t>{0, 2});
    // UCB with beta 2: compound 2 scores 2 + 4 = 6, above 4.2.
    CHECK(picked(select_batch(pool, opts(Strategy::Ucb, 1, maximize())))[0] == 2);
    auto greedy_ucb = opts(Strategy::Ucb, 1, maximize());
    greedy_ucb.beta = 0.0;
    CHECK(picked(select_batch(pool, greedy_ucb))[0] == 1);
    // A window [2.5, 3.5]: compound 3 is inside with a tight interval.
    CHECK(picked(select_batch(
              pool, opts(Strategy::ProbabilityOfImprovement, 1, window(2.5, 3.5))))[0] == 3);
    // EI over best 4: only the wide compound 2 has a real chance to improve.
    auto ei = opts(Strategy::ExpectedImprovement, 1, maximize());
    ei.best_label = 4.0;
    CHECK(picked(select_batch(pool, ei))[0] == 2);
    const auto ranked = select_batch(pool, ei);
    CHECK(ranked.all[2].priority_score ==
          Approx(acquisition_ei(maximize(), Task::Regression, pool.predictions[2], 4.0)));
}

TEST_CASE("discovery requests that cannot be met are refused with the reason",
          "[acquisition][errors]") {
    const auto pool = grouped_pool(Task::Regression, {1, 2, 3}, {0.1, 0.2, 0.3}, {0, 1, 2});
    CHECK_THROWS_WITH(
        select_batch(pool, opts(Strategy::Greedy, 1)),
        Catch::Contains("ranks toward the model's objective, and this model has none"));
    auto neg = opts(Strategy::Ucb, 1, maximize());
    neg.beta = -1.0;
    CHECK_THROWS_WITH(select_batch(pool, neg), "UCB's beta must be a finite number >= 0");
    CHECK_THROWS_WITH(select_batch(pool, opts(Strategy::ExpectedImprovement, 1, maximize())),
                      Catch::Contains("needs the best label so far"));
    CHECK_THROWS_WITH(select_batch(pool, opts(Strategy::Greedy, 1, seek_class(1))),
                      Catch::Contains("needs a classification model"));
    auto thompson_maxmin = opts(Strategy::Thompson, 1, maximize());
    thompson_maxmin.diversity = Diversity::MaxMin;
    CHECK_THROWS_WITH(select_batch(pool, thompson_maxmin), Catch::Contains("not 'maxmin'"));
    // Thompson on predictions without member outputs (a one-member model has none to draw).
    CHECK_THROWS_WITH(select_batch(pool, opts(Strategy::Thompson, 1, maximize())),
                      Catch::Contains("at least 2 members"));
    CHECK_THROWS_WITH(parse_strategy("bayes"), Catch::StartsWith("unknown strategy 'bayes' "
                                                                 "(expected one of: greedy, ucb"));
    for (auto s : all_strategies()) {
        CHECK(parse_strategy(to_string(s)) == s);
        CHECK_FALSE(describe(s).empty());
    }
}

TEST_CASE("Thompson draws one member per pick, reproducibly by seed", "[acquisition][thompson]") {
    // Member 0 ranks compound 0 first, member 1 compound 1, member 2 compound 2.
    CandidatePool pool = grouped_pool(Task::Regression, {1, 1, 1, 0}, {1, 1, 1, 1}, {0, 1, 2, 3});
    pool.predictions[0].members = {5, 0, 0};
    pool.predictions[1].members = {0, 5, 0};
    pool.predictions[2].members = {0, 0, 5};
    pool.predictions[3].members = {1, 1, 1};
    auto o = opts(Strategy::Thompson, 3, maximize());
    std::set<std::vector<std::size_t>> batches;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        o.seed = seed;
        const auto a = picked(select_batch(pool, o));
        CHECK(a == picked(select_batch(pool, o))); // same seed, same batch
        REQUIRE(a.size() == 3);
        CHECK(std::set<std::size_t>(a.begin(), a.end()).size() == 3); // no repeats
        batches.insert(a);
    }
    CHECK(batches.size() > 1); // different seeds draw different members

    // The same outputs given as one column per member pick the same batch.
    CandidatePool columns = pool;
    columns.member_outputs = {{5, 0, 0, 1}, {0, 5, 0, 1}, {0, 0, 5, 1}};
    for (auto& p : columns.predictions) {
        p.members.clear();
    }
    o.seed = 7;
    CHECK(picked(select_batch(columns, o)) == picked(select_batch(pool, o)));
}

TEST_CASE("density passes over a lone outlier that uncertainty takes", "[acquisition][density]") {
    // Compound 0 is alone and most uncertain; 1-6 form one family, 7-9 another.
    const std::vector<int> group{0, 1, 1, 1, 1, 1, 1, 2, 2, 2};
    const std::vector<double> sd{1.0, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.2, 0.2};
    const auto pool = grouped_pool(Task::Regression, std::vector<double>(10, 0.0), sd, group);
    CHECK(picked(select_batch(pool, opts(Strategy::Uncertainty, 1)))[0] == 0);
    const auto d = select_batch(pool, opts(Strategy::Density, 1));
    CHECK(picked(d)[0] == 1);
    // The score is uncertainty x mean similarity to the (here whole) pool, self left out.
    std::vector<Fingerprint> all = pool.fingerprints;
    CHECK(d.all[1].priority_score == Approx(0.8 * mean_similarity(all[1], all, 1)));
    CHECK(d.all[0].priority_score == Approx(1.0 * mean_similarity(all[0], all, 0)));
}

TEST_CASE("cluster spreads a batch over uncertain families", "[acquisition][cluster]") {
    // Family A (0-4) is the most uncertain; B (5-7) a little less; C (8-9) certain.
    const std::vector<int> group{0, 0, 0, 0, 0, 1, 1, 1, 2, 2};
    const std::vector<double> sd{1.0, 0.99, 0.98, 0.97, 0.96, 0.9, 0.89, 0.88, 0.01, 0.01};
    const auto pool = grouped_pool(Task::Regression, std::vector<double>(10, 0.0), sd, group);
    const auto u = picked(select_batch(pool, opts(Strategy::Uncertainty, 2)));
    CHECK(u == std::vector<std::size_t>{0, 1}); // both from A
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        auto o = opts(Strategy::Cluster, 2);
        o.seed = seed;
        const auto c = picked(select_batch(pool, o));
        REQUIRE(c.size() == 2);
        CHECK(c[0] == 0);                  // the most uncertain starts the batch
        CHECK(group[c[1]] != group[c[0]]); // the second comes from another family
        CHECK(c == picked(select_batch(pool, o)));
    }
    auto with_cap = opts(Strategy::Cluster, 2);
    with_cap.diversity = Diversity::TanimotoCap;
    CHECK_THROWS_WITH(select_batch(pool, with_cap), Catch::Contains("use diversity 'none'"));
}

TEST_CASE("incremental selection matches select_batch for the new strategies",
          "[acquisition][incremental]") {
    const auto train = testing::make_synthetic(80, 31);
    EnsembleParams p;
    p.n_members = 4;
    p.boosting_rounds = 5;
    p.min_samples_leaf = 3;
    const auto model = BootstrapEnsemble::fit(train.x, train.y, std::vector<double>(80, 1.0),
                                              Task::Regression, FeatureLayout::model_default(), p);
    const auto pool = testing::make_synthetic(150, 32).x;
    for (auto s : {Strategy::Thompson, Strategy::Density, Strategy::Cluster, Strategy::Ucb,
                   Strategy::ExpectedImprovement}) {
        auto o = opts(s, 12, maximize());
        o.best_label = 0.5;
        o.density_sample = 40;
        const auto whole = select_batch(model, pool, o);
        IncrementalSelection inc(model, pool, o);
        while (!inc.step(7)) {
        }
        const auto sliced = inc.result();
        CHECK(picked(whole) == picked(sliced));
        for (std::size_t i = 0; i < pool.size(); ++i) {
            CHECK(whole.all[i].priority_score == sliced.all[i].priority_score);
        }
    }
    // Ensembles have at least 2 members, so the one-member refusal is reached through
    // predictions without member outputs (see "discovery requests ... refused").
}
