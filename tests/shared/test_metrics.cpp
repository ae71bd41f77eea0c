// Metrics against hand-computed values (worked out in the comments).
#include "labelloop/metrics.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace labelloop;

TEST_CASE("regression metrics match hand-computed values", "[metrics]") {
    const std::vector<double> y{1, 2, 3, 4};
    const std::vector<double> p{1, 3, 2, 6};
    // errors 0, 1, -1, 2: MSE = 6/4, MAE = 4/4; SS_tot = 5, SS_res = 6.
    CHECK(rmse(y, p) == Approx(std::sqrt(1.5)).epsilon(1e-14));
    CHECK(mae(y, p) == Approx(1.0).epsilon(1e-14));
    CHECK(r2(y, p) == Approx(-0.2).epsilon(1e-14));
    // ranks of p: 1, 3, 2, 4 -> 1 - 6 * (0 + 1 + 1 + 0) / (4 * 15) = 0.8
    CHECK(spearman(y, p) == Approx(0.8).epsilon(1e-14));
    // ties share their mean rank: p ranks 1.5, 1.5, 3 -> r = 1.5 / sqrt(2 * 1.5)
    CHECK(spearman({1, 2, 3}, {1, 1, 2}) == Approx(1.5 / std::sqrt(3.0)).epsilon(1e-14));
    CHECK(rmse(y, y) == 0.0);
    CHECK(r2(y, y) == 1.0);
    // Pearson of y and p: deviations -1.5 -.5 .5 1.5 and -2 0 -1 3 -> (3 + 0 - .5 + 4.5) / sqrt(5 *
    // 14)
    REQUIRE(pearson(y, p).has_value());
    CHECK(*pearson(y, p) == Approx(7.0 / std::sqrt(70.0)).epsilon(1e-14));
    CHECK_FALSE(pearson(y, {2, 2, 2, 2}).has_value());
    CHECK_FALSE(pearson({1}, {2}).has_value());
    CHECK_THROWS_WITH(pearson(y, {1, 2}), "pearson: 4 values against 2");
    CHECK_THROWS_WITH(spearman(y, {2, 2, 2, 2}),
                      "spearman: a constant input has no rank correlation");
}

TEST_CASE("classification metrics match hand-computed values", "[metrics]") {
    const std::vector<double> y{0, 0, 1, 1};
    const std::vector<double> s{0.1, 0.4, 0.35, 0.8};
    // positive-negative pairs ranked right: (0.35 > 0.1), (0.8 > 0.1), (0.8 > 0.4) -> 3 / 4
    CHECK(roc_auc(y, s) == Approx(0.75).epsilon(1e-14));
    // by descending score: 0.8 (P 1, R 0.5), 0.4 (R unchanged), 0.35 (P 2/3, R 1)
    // AP = 0.5 * 1 + 0.5 * 2/3
    CHECK(pr_auc(y, s) == Approx(0.5 + 1.0 / 3.0).epsilon(1e-14));
    CHECK(roc_auc({0, 1}, {0.5, 0.5}) == 0.5); // ties count one half
    CHECK(accuracy({0, 1, 1, 0}, {0.2, 0.6, 0.4, 0.5}) == 0.5);
    // bins: [0.1, 0.2): p 0.1, 0.15 with y 0, 1 -> |0.5 - 0.125| * 2/4;
    //       [0.8, 0.9): 0.85 with y 1 -> 0.15 / 4; [0.9, 1]: 0.95 with y 0 -> 0.95 / 4
    CHECK(expected_calibration_error({0, 1, 1, 0}, {0.1, 0.15, 0.85, 0.95}) ==
          Approx(0.1875 + 0.0375 + 0.2375).epsilon(1e-14));
    CHECK(expected_calibration_error({1}, {1.0}) == 0.0); // p = 1 lands in the last bin
    CHECK(interval_coverage({1, 2, 3}, {0, 2.5, 3}, {2, 3, 4}) == Approx(2.0 / 3.0));
}

TEST_CASE("metrics refuse input they cannot score", "[metrics]") {
    CHECK_THROWS_WITH(rmse({}, {}), "rmse: no values");
    CHECK_THROWS_WITH(mae({1, 2}, {1}), "mae: 2 labels but 1 predictions");
    CHECK_THROWS_WITH(roc_auc({1, 1}, {0.2, 0.3}),
                      "roc_auc: needs both classes, got 2 positive of 2");
    CHECK_THROWS_WITH(accuracy({2}, {0.5}), "accuracy: labels must be 0 or 1, got 2.000000");
    CHECK_THROWS_AS(r2({1, 1}, {1, 2}), std::invalid_argument);
    CHECK_THROWS_AS(expected_calibration_error({1}, {1.5}), std::invalid_argument);
}

TEST_CASE("compute_metrics reports every metric of the task as JSON", "[metrics]") {
    std::vector<Prediction> preds(4);
    const std::vector<double> means{1, 3, 2, 6};
    for (std::size_t i = 0; i < 4; ++i) {
        preds[i].mean = means[i];
        preds[i].lower90 = means[i] - 1.0;
        preds[i].upper90 = means[i] + 1.0;
    }
    const auto j = compute_metrics(Task::Regression, {1, 2, 3, 4}, preds);
    CHECK(j["n"] == 4);
    CHECK(j["rmse"].get<double>() == Approx(std::sqrt(1.5)));
    CHECK(j["mae"].get<double>() == Approx(1.0));
    CHECK(j["r2"].get<double>() == Approx(-0.2));
    CHECK(j["spearman"].get<double>() == Approx(0.8));
    CHECK(j["interval_coverage_90"].get<double>() == Approx(0.75)); // |error| 2 falls outside

    const std::vector<double> probs{0.1, 0.4, 0.35, 0.8};
    for (std::size_t i = 0; i < 4; ++i) {
        preds[i].mean = probs[i];
    }
    const auto c = compute_metrics(Task::Classification, {0, 0, 1, 1}, preds);
    CHECK(c["roc_auc"].get<double>() == Approx(0.75));
    CHECK(c["pr_auc"].get<double>() == Approx(0.5 + 1.0 / 3.0));
    CHECK(c["n_positive"] == 2);
    CHECK(c.contains("accuracy"));
    CHECK(c.contains("ece"));
    // One class only: AUCs are undefined and reported as null, not invented.
    const auto one = compute_metrics(Task::Classification, {1, 1, 1, 1}, preds);
    CHECK(one["roc_auc"].is_null());
    CHECK_THROWS_AS(compute_metrics(Task::Regression, {1.0}, preds), std::invalid_argument);
}
