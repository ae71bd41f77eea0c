// BootstrapEnsemble: learns, is reproducible (seed, threads), uses weights, calibrates its
// spread out-of-bag, and refuses bad input with precise messages.
#include "labelloop/ensemble.hpp"
#include "labelloop/metrics.hpp"
#include "labelloop/model_format.hpp"

#include "synthetic.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace labelloop;
using labelloop::testing::make_synthetic;

namespace {

// Shallow trees: the synthetic noise bits are pure noise, which deep trees on 200 compounds
// would fit.
EnsembleParams small_gbm() {
    EnsembleParams p;
    p.n_members = 12;
    p.boosting_rounds = 40;
    p.max_depth = 2;
    p.min_samples_leaf = 3;
    p.seed = 5;
    return p;
}

std::vector<double> means(const std::vector<Prediction>& preds) {
    std::vector<double> out;
    for (const auto& p : preds) {
        out.push_back(p.mean);
    }
    return out;
}

} // namespace

TEST_CASE("a gradient-boosted ensemble learns a regression target", "[ensemble]") {
    const auto train = make_synthetic(200, 1);
    const auto test = make_synthetic(60, 2);
    const std::vector<double> w(train.x.size(), 1.0);
    const auto model = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                              FeatureLayout::model_default(), small_gbm());
    CHECK(model.n_members() == 12);
    CHECK(model.n_training() == 200);
    const auto preds = model.predict_batch(test.x);
    // The labels span about +-4; predicting their mean would give RMSE ~1.9.
    CHECK(rmse(test.y, means(preds)) < 0.7);
    CHECK(r2(test.y, means(preds)) > 0.85);
    // The importances find the informative descriptor.
    const auto imp = model.feature_importances();
    const auto top = std::max_element(imp.begin(), imp.end()) - imp.begin();
    CHECK(top == 2048 + static_cast<long>(labelloop::testing::kInformativeDescriptor));
}

TEST_CASE("a prediction is the member mean with the member spread", "[ensemble]") {
    const auto train = make_synthetic(120, 3);
    const std::vector<double> w(train.x.size(), 1.0);
    const auto model = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                              FeatureLayout::model_default(), small_gbm());
    const auto p = model.predict(train.x[0]);
    REQUIRE(p.members.size() == 12);
    double mean = 0;
    for (double v : p.members) {
        mean += v / 12.0;
    }
    double var = 0;
    for (double v : p.members) {
        var += (v - mean) * (v - mean) / 12.0;
    }
    CHECK(p.mean == Approx(mean).epsilon(1e-12));
    CHECK(p.std == Approx(std::sqrt(var)).epsilon(1e-9));
    CHECK(p.std > 0.0);
    CHECK(p.members[4] == model.member_output(4, train.x[0]));
    CHECK(p.lower90 == Approx(p.mean - model.calibration().z90 * p.std));
    CHECK(p.upper90 == Approx(p.mean + model.calibration().z90 * p.std));
    // Batch mode without members leaves them out but gives the same numbers.
    const auto batch = model.predict_batch({train.x[0]});
    CHECK(batch[0].members.empty());
    CHECK(batch[0].mean == p.mean);
}

TEST_CASE("batch scoring (blocked, tree-major) equals one-by-one scoring exactly", "[ensemble]") {
    // 150 compounds: two full blocks of 64 and a partial one.
    const auto train = make_synthetic(160, 11);
    const auto pool = make_synthetic(150, 12);
    const std::vector<double> w(train.x.size(), 1.0);
    auto forest = EnsembleParams::random_forest();
    forest.n_members = 7;
    forest.seed = 3;
    for (const auto& params : {small_gbm(), forest}) {
        for (const Task task : {Task::Regression, Task::Classification}) {
            std::vector<double> y = train.y;
            if (task == Task::Classification) {
                for (auto& v : y) {
                    v = v > 0 ? 1.0 : 0.0;
                }
            }
            const auto model =
                BootstrapEnsemble::fit(train.x, y, w, task, FeatureLayout::model_default(), params);
            const auto batch = model.predict_batch(pool.x, true);
            REQUIRE(batch.size() == pool.x.size());
            int differences = 0;
            for (std::size_t i = 0; i < pool.x.size(); ++i) {
                const auto one = model.predict(pool.x[i]);
                differences += one.mean != batch[i].mean || one.std != batch[i].std ||
                               one.lower90 != batch[i].lower90 || one.upper90 != batch[i].upper90 ||
                               one.members != batch[i].members;
            }
            CHECK(differences == 0);
        }
    }
}

TEST_CASE("batch scoring agrees exactly on split thresholds, duplicates and tiny blocks",
          "[ensemble]") {
    // Training compounds sit exactly on the quantile edges the descriptor splits use, and
    // duplicated rows tie in the per-block descriptor ranking: both must go the same way as
    // in the one-by-one walk (value <= threshold goes left).
    const auto train = make_synthetic(120, 21);
    const std::vector<double> w(train.x.size(), 1.0);
    const auto model = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                              FeatureLayout::model_default(), small_gbm());
    std::vector<Features> pool = train.x;
    pool.insert(pool.end(), train.x.begin(), train.x.begin() + 30);
    for (std::size_t size : {std::size_t{1}, std::size_t{2}, std::size_t{63}, std::size_t{64},
                             std::size_t{65}, pool.size()}) {
        const std::vector<Features> rows(pool.begin(),
                                         pool.begin() + static_cast<std::ptrdiff_t>(size));
        const auto batch = model.predict_batch(rows, true);
        int differences = 0;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            differences += model.predict(rows[i]).members != batch[i].members;
        }
        CHECK(differences == 0);
    }
    CHECK(model.predict_batch({}).empty());
}

TEST_CASE("out-of-bag calibration makes the 90% interval cover about 90%", "[ensemble]") {
    const auto train = make_synthetic(200, 4, 0.8);
    const std::vector<double> w(train.x.size(), 1.0);
    auto params = small_gbm();
    params.n_members = 20;
    const auto model = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                              FeatureLayout::model_default(), params);
    const auto& cal = model.calibration();
    CHECK(cal.n_oob > 150); // with 20 members nearly every compound is out of bag twice
    CHECK(cal.oob_coverage >= 0.9);
    CHECK(cal.oob_coverage < 0.95);
    CHECK(cal.z90 > 0.0);
    CHECK(cal.oob_score > 0.0); // OOB RMSE
}

TEST_CASE("the same data and seed give the same model, whatever the thread count",
          "[ensemble][reproducible]") {
    const auto train = make_synthetic(150, 6);
    const std::vector<double> w(train.x.size(), 1.0);
    auto params = small_gbm();
    params.n_threads = 1;
    const auto a = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                          FeatureLayout::model_default(), params);
    params.n_threads = 3;
    const auto b = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                          FeatureLayout::model_default(), params);
    CHECK(save_model(a) == save_model(b));
    params.seed = 6;
    const auto c = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                          FeatureLayout::model_default(), params);
    CHECK(save_model(a) != save_model(c));
    CHECK(a.predict(train.x[3]).mean != c.predict(train.x[3]).mean);
}

TEST_CASE("classification gives probabilities that rank the classes", "[ensemble]") {
    const auto train = make_synthetic(200, 7);
    const auto test = make_synthetic(80, 8);
    const std::vector<double> w(train.x.size(), 1.0);
    // The synthetic label hangs on one descriptor among 2076 features, which the forest's
    // classification default (sqrt(p) of them per split, about 45) rarely offers a split:
    // here the forest considers 30 % of the features per split.
    auto forest = EnsembleParams::random_forest();
    forest.feature_fraction = 0.3;
    for (auto params : {small_gbm(), forest}) {
        params.n_members = 12;
        const auto model = BootstrapEnsemble::fit(train.x, train.y_class, w, Task::Classification,
                                                  FeatureLayout::model_default(), params);
        const auto preds = model.predict_batch(test.x);
        for (const auto& p : preds) {
            CHECK(p.mean >= 0.0);
            CHECK(p.mean <= 1.0);
            CHECK(p.lower90 >= 0.0);
            CHECK(p.upper90 <= 1.0);
        }
        CHECK(roc_auc(test.y_class, means(preds)) > 0.9);
        CHECK(model.calibration().oob_score > 0.85); // OOB ROC-AUC
    }
}

TEST_CASE("random-tree members sample sqrt(p) features per split for classification and 30 % "
          "for regression by default",
          "[ensemble]") {
    const auto train = make_synthetic(120, 31);
    const auto test = make_synthetic(20, 32);
    const std::vector<double> w(train.x.size(), 1.0);
    const double p = static_cast<double>(FeatureLayout::model_default().n_features());
    auto forest = EnsembleParams::random_forest();
    forest.n_members = 5;
    REQUIRE(forest.feature_fraction == 0.0); // the preset leaves it to the task
    const auto predictions = [&](Task task, double fraction) {
        auto params = forest;
        params.feature_fraction = fraction;
        const auto& y = task == Task::Regression ? train.y : train.y_class;
        const auto model =
            BootstrapEnsemble::fit(train.x, y, w, task, FeatureLayout::model_default(), params);
        return means(model.predict_batch(test.x));
    };
    CHECK(predictions(Task::Classification, 0.0) ==
          predictions(Task::Classification, std::sqrt(p) / p));
    CHECK(predictions(Task::Classification, 0.0) != predictions(Task::Classification, 0.3));
    CHECK(predictions(Task::Regression, 0.0) == predictions(Task::Regression, 0.3));
}

TEST_CASE("row subsampling grows each round on a seeded share of the rows", "[ensemble]") {
    const auto train = make_synthetic(150, 41);
    const auto test = make_synthetic(40, 42);
    const std::vector<double> w(train.x.size(), 1.0);
    auto params = small_gbm();
    params.n_members = 6;
    const auto fit = [&](double subsample) {
        auto p = params;
        p.row_subsample = subsample;
        return BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                      FeatureLayout::model_default(), p);
    };
    const auto sub = fit(0.5);
    const auto all = fit(1.0);
    CHECK(means(sub.predict_batch(test.x)) != means(all.predict_batch(test.x)));
    CHECK(save_model(fit(0.5)) == save_model(sub)); // seeded
    CHECK(rmse(test.y, means(sub.predict_batch(test.x))) < 0.7);
    for (double bad : {0.0, -0.1, 1.5, std::nan("")}) {
        auto p = params;
        p.row_subsample = bad;
        CHECK_THROWS_WITH(p.validate(), Catch::StartsWith("row_subsample must be in (0, 1]"));
    }
}

TEST_CASE("random-tree members and the linear base also learn", "[ensemble]") {
    const auto train = make_synthetic(200, 9);
    const auto test = make_synthetic(60, 10);
    const std::vector<double> w(train.x.size(), 1.0);
    auto rf = EnsembleParams::random_forest();
    rf.n_members = 16;
    const auto forest = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                               FeatureLayout::model_default(), rf);
    CHECK(rmse(test.y, means(forest.predict_batch(test.x))) < 1.0);
    auto linear = small_gbm();
    linear.linear_base = true;
    const auto lin = BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                            FeatureLayout::model_default(), linear);
    CHECK(lin.members()[0].linear.size() == kModelDescriptorNames.size());
    CHECK(rmse(test.y, means(lin.predict_batch(test.x))) < 0.6);
}

TEST_CASE("sample weights decide how much a label pulls the model", "[ensemble][weights]") {
    // Every compound twice: once with its true label at weight 1, once shifted by +6.
    const auto base = make_synthetic(100, 11);
    std::vector<Features> x = base.x;
    std::vector<double> y = base.y;
    x.insert(x.end(), base.x.begin(), base.x.end());
    for (double v : base.y) {
        y.push_back(v + 6.0);
    }
    auto fit_with = [&](double shifted_weight) {
        std::vector<double> w(100, 1.0);
        w.resize(200, shifted_weight);
        return BootstrapEnsemble::fit(x, y, w, Task::Regression, FeatureLayout::model_default(),
                                      small_gbm());
    };
    const auto trusted = fit_with(0.02);
    const auto equal = fit_with(1.0);
    const auto test = make_synthetic(40, 12);
    const double bias_trusted = mae(test.y, means(trusted.predict_batch(test.x)));
    const double bias_equal = mae(test.y, means(equal.predict_batch(test.x)));
    CHECK(bias_trusted < 0.8); // pulled only slightly towards the shifted copies
    CHECK(bias_equal > 2.0);   // halfway between: about 3 off
}

TEST_CASE("progress is reported up to 1", "[ensemble]") {
    const auto train = make_synthetic(60, 13);
    const std::vector<double> w(train.x.size(), 1.0);
    std::vector<double> seen;
    BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression, FeatureLayout::model_default(),
                           small_gbm(), [&](const FitProgress& p) {
                               seen.push_back(p.fraction);
                               CHECK(p.n_members == small_gbm().n_members);
                               CHECK(p.epochs == 0); // trees have no epochs
                           });
    REQUIRE_FALSE(seen.empty());
    CHECK(std::is_sorted(seen.begin(), seen.end()));
    CHECK(seen.back() == 1.0);
}

TEST_CASE("bad training input is refused with a precise message", "[ensemble][errors]") {
    const auto d = make_synthetic(20, 14);
    const auto layout = FeatureLayout::model_default();
    const std::vector<double> w(d.x.size(), 1.0);
    const auto p = small_gbm();
    CHECK_THROWS_WITH(BootstrapEnsemble::fit({d.x[0]}, {1.0}, {1.0}, Task::Regression, layout, p),
                      "a model needs at least 5 labeled compounds, got 1");
    CHECK_THROWS_WITH(BootstrapEnsemble::fit(d.x, {1.0, 2.0}, w, Task::Regression, layout, p),
                      "got 20 compounds, 2 labels and 20 weights; they must match");
    auto y = d.y;
    y[3] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(BootstrapEnsemble::fit(d.x, y, w, Task::Regression, layout, p),
                      "label of training compound 3 is not a finite number");
    auto x = d.x;
    x[5].descriptors[2] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(BootstrapEnsemble::fit(x, d.y, w, Task::Regression, layout, p),
                      "training compound 5: descriptor 'NumHBD' is not a finite number");
    auto bad_w = w;
    bad_w[7] = 0.0;
    CHECK_THROWS_WITH(BootstrapEnsemble::fit(d.x, d.y, bad_w, Task::Regression, layout, p),
                      Catch::StartsWith("weight of training compound 7 must be a positive"));
    CHECK_THROWS_WITH(BootstrapEnsemble::fit(d.x, d.y, w, Task::Classification, layout, p),
                      Catch::StartsWith("classification label of training compound 0 is"));
    const std::vector<double> ones(d.x.size(), 1.0);
    CHECK_THROWS_WITH(BootstrapEnsemble::fit(d.x, ones, w, Task::Classification, layout, p),
                      "classification needs both classes among the labels, got 20 of 20 "
                      "positive");
    auto bad_p = p;
    bad_p.n_members = 1;
    CHECK_THROWS_WITH(BootstrapEnsemble::fit(d.x, d.y, w, Task::Regression, layout, bad_p),
                      "n_members must be between 2 and 10000, got 1");
    const auto model = BootstrapEnsemble::fit(d.x, d.y, w, Task::Regression, layout, p);
    Features short_f{d.x[0].fingerprint, {1.0}};
    CHECK_THROWS_WITH(model.predict(short_f), "compound has 1 descriptors, the model expects 28");
}

TEST_CASE("recommended parameters grow deeper trees for larger training sets", "[ensemble]") {
    const auto small = EnsembleParams::recommended(900);
    CHECK(small.member_type == MemberType::GradientBoosted);
    CHECK(small.n_members == 100);
    CHECK(small.max_depth == 4);
    CHECK(small.min_samples_leaf == 10);
    const auto large = EnsembleParams::recommended(3360);
    CHECK(large.max_depth == 6);
    CHECK(large.min_samples_leaf == 5);
    CHECK_NOTHROW(large.validate());
}

TEST_CASE("task and member type names are exact", "[ensemble]") {
    CHECK(to_string(Task::Regression) == "regression");
    CHECK(parse_task("classification") == Task::Classification);
    CHECK_THROWS_AS(parse_task("Regression"), std::invalid_argument);
    CHECK(to_string(MemberType::GradientBoosted) == "gradient_boosted");
    CHECK(parse_member_type("random_tree") == MemberType::RandomTree);
    CHECK_THROWS_AS(parse_member_type("svm"), std::invalid_argument);
}
