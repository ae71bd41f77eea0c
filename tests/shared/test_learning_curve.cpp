// Learning-curve summaries against hand-computed values (worked out in the comments).
#include "labelloop/learning_curve.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

using namespace labelloop::curve;

TEST_CASE("mean curve: point-wise mean and sample sd over seeds", "[learning_curve]") {
    const Curve a{{10, 20, 30}, {1.0, 0.8, 0.6}, {0.5, 0.4, 0.3}};
    const Curve b{{10, 20, 30}, {1.2, 0.6, 0.6}, {0.7, 0.4, 0.1}};
    const auto m = mean_curve({a, b});
    CHECK(m.labels == std::vector<double>{10, 20, 30});
    CHECK(m.mean[0] == Approx(1.1));
    CHECK(m.mean[1] == Approx(0.7));
    CHECK(m.mean[2] == Approx(0.6));
    // two runs differing by d: sd = |d| / sqrt(2)
    CHECK(m.sd[0] == Approx(0.2 / std::sqrt(2.0)));
    CHECK(m.sd[1] == Approx(0.2 / std::sqrt(2.0)));
    CHECK(m.sd[2] == Approx(0.0).margin(1e-15));
    CHECK(m.uncertainty == std::vector<double>{0.6, 0.4, 0.2});
    // one run: sd is 0
    CHECK(mean_curve({a}).sd == std::vector<double>{0, 0, 0});
    // uncertainty missing in one run: no mean uncertainty rather than a biased one
    const Curve c{{10, 20, 30}, {1, 1, 1}, {}};
    CHECK(mean_curve({a, c}).uncertainty.empty());
    CHECK_THROWS_AS(mean_curve({}), std::invalid_argument);
    CHECK_THROWS_AS(mean_curve({a, Curve{{10, 20, 40}, {1, 1, 1}, {}}}), std::invalid_argument);
}

TEST_CASE("area under the curve is the trapezoid average height", "[learning_curve]") {
    // trapezoids: (1 + 0.8) / 2 * 10 = 9, (0.8 + 0.6) / 2 * 10 = 7 -> 16 / 20 = 0.8
    CHECK(area_under_curve({10, 20, 30}, {1.0, 0.8, 0.6}) == Approx(0.8));
    // uneven spacing: (2 + 1) / 2 * 1 + (1 + 1) / 2 * 3 = 1.5 + 3 -> 4.5 / 4
    CHECK(area_under_curve({0, 1, 4}, {2, 1, 1}) == Approx(1.125));
    CHECK(area_under_curve({5}, {0.7}) == 0.7);
    CHECK_THROWS_AS(area_under_curve({}, {}), std::invalid_argument);
    CHECK_THROWS_AS(area_under_curve({1, 2}, {1}), std::invalid_argument);
    CHECK_THROWS_AS(area_under_curve({2, 1}, {1, 1}), std::invalid_argument);
}

TEST_CASE("area ratio against random is > 1 when the strategy is better", "[learning_curve]") {
    // RMSE: lower area is better -> random / strategy
    CHECK(area_ratio_vs_random(0.8, 1.0, false) == Approx(1.25));
    // ROC-AUC: higher area is better -> strategy / random
    CHECK(area_ratio_vs_random(0.9, 0.75, true) == Approx(1.2));
    CHECK_THROWS_AS(area_ratio_vs_random(0.0, 1.0, false), std::invalid_argument);
}

TEST_CASE("labels to reach the full-pool score within 5 %", "[learning_curve]") {
    CHECK(target_score(0.6, false) == Approx(0.63)); // RMSE 0.6 -> 0.63 or lower
    CHECK(target_score(0.9, true) == Approx(0.855)); // AUC 0.9 -> 0.855 or higher
    const std::vector<double> labels{10, 20, 30, 40};
    const std::vector<double> rmse{1.0, 0.7, 0.63, 0.62};
    CHECK(labels_to_reach(labels, rmse, 0.63, false) == 30.0); // 0.63 <= 0.63 counts
    CHECK_FALSE(labels_to_reach(labels, rmse, 0.5, false).has_value());
    const std::vector<double> auc{0.7, 0.86, 0.8, 0.9};
    CHECK(labels_to_reach(labels, auc, 0.855, true) == 20.0); // first crossing, not the last
}

TEST_CASE("stopping suggestion: the curve flattens or uncertainty stops dropping",
          "[learning_curve]") {
    // RMSE gains over 2 cycles: i=2: (1.0-0.8)/1.0 = 20 %; i=3: (0.9-0.795)/0.9 = 11.7 %;
    // i=4: (0.8-0.794)/0.8 = 0.75 % < 1 % (flat); i=5: (0.795-0.793)/0.795 = 0.25 % (flat)
    // -> two flat checks in a row end at i = 5 (60 labels)
    Curve flat{{10, 20, 30, 40, 50, 60}, {1.0, 0.9, 0.8, 0.795, 0.794, 0.793}, {}};
    auto stop = suggest_stop(flat, false);
    REQUIRE(stop.has_value());
    CHECK(stop->index == 5);
    CHECK(stop->labels == 60.0);
    CHECK(stop->reason.find("validation metric") != std::string::npos);
    // patience 1: the first flat check is enough
    CHECK(suggest_stop(flat, false, 2, 0.01, 1)->index == 4);

    // Metric still improving; uncertainty 0.50 -> 0.40 (20 %) at i=2, 0.45 -> 0.449 (0.2 %)
    // at i=3 (flat), 0.40 -> 0.45 (rises) at i=4 (flat) -> stop at i = 4 for uncertainty
    Curve unc{{10, 20, 30, 40, 50}, {1.0, 0.9, 0.8, 0.7, 0.6}, {0.5, 0.45, 0.4, 0.449, 0.45}};
    stop = suggest_stop(unc, false);
    REQUIRE(stop.has_value());
    CHECK(stop->index == 4);
    CHECK(stop->reason.find("uncertainty") != std::string::npos);

    // ROC-AUC climbing 10 % per two cycles: no stop yet
    Curve climbing{{10, 20, 30}, {0.6, 0.63, 0.66}, {}};
    CHECK_FALSE(suggest_stop(climbing, true).has_value());
    // one flat check (0.7 -> 0.69 at i=2) followed by a gain is not a stop ...
    Curve blip{{10, 20, 30, 40}, {0.7, 0.72, 0.69, 0.80}, {}};
    CHECK_FALSE(suggest_stop(blip, true).has_value());
    // ... but two in a row are, worse counting as flat: i=2 -> -1.4 %, i=3 -> -2.8 %
    Curve worse{{10, 20, 30, 40}, {0.7, 0.72, 0.69, 0.70}, {}};
    CHECK(suggest_stop(worse, true)->index == 3);
    CHECK_THROWS_AS(suggest_stop(worse, true, 2, 0.01, 0), std::invalid_argument);
}

TEST_CASE("SVG plot names every series and draws the reference line", "[learning_curve]") {
    const std::vector<SvgSeries> series{
        {"random", series_colour(0), {10, 20}, {1.0, 0.8}, {0.1, 0.1}},
        {"uncertainty <&>", series_colour(1), {10, 20}, {1.0, 0.7}, {}}};
    const std::string svg =
        render_svg(series, "ESOL", "labels used", "validation RMSE", 0.65, "full pool");
    CHECK(svg.rfind("<svg", 0) == 0);
    CHECK(svg.find("</svg>") != std::string::npos);
    CHECK(svg.find(">random</text>") != std::string::npos);
    CHECK(svg.find("uncertainty &lt;&amp;&gt;") != std::string::npos);
    CHECK(svg.find("stroke-dasharray") != std::string::npos);
    CHECK(svg.find("<polygon") != std::string::npos); // the sd band of the first series
    CHECK(std::string(series_colour(0)) != std::string(series_colour(1)));
}
