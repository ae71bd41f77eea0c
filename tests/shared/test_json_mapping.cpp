// JSON shapes of predictions, selections and parameters, and precise errors when parsing.
#include "labelloop/json_mapping.hpp"

#include <catch2/catch.hpp>

using namespace labelloop;
using nlohmann::json;

TEST_CASE("predictions and selections map to the documented JSON fields", "[json]") {
    Prediction p;
    p.mean = 1.5;
    p.std = 0.25;
    p.lower90 = 1.0;
    p.upper90 = 2.0;
    json j = p;
    CHECK(j == json{{"mean", 1.5}, {"std", 0.25}, {"lower90", 1.0}, {"upper90", 2.0}});
    p.members = {1.0, 2.0};
    j = p;
    CHECK(j["members"] == json::array({1.0, 2.0}));

    ScoredCandidate c;
    c.index = 3;
    c.rank = 1;
    c.selected = true;
    c.priority_score = 0.9;
    SelectionResult r;
    r.selected = {c};
    r.all = {c};
    const json s = r;
    CHECK(s["selected"][0]["index"] == 3);
    CHECK(s["selected"][0]["rank"] == 1);
    CHECK(s["selected"][0]["selected"] == true);
    CHECK(s["all"].size() == 1);
    CHECK(s["all"][0].contains("applicability_distance"));
    CHECK(s["all"][0].contains("in_domain"));
}

TEST_CASE("model parameters round-trip through JSON", "[json]") {
    EnsembleParams p = EnsembleParams::random_forest();
    p.seed = 99;
    p.label_weights.source_weight[1] = 0.6;
    const json j = p;
    CHECK(j["member_type"] == "random_tree");
    CHECK(j["label_weights"]["source"]["literature"] == 0.6);
    const auto back = parse_ensemble_params(j);
    CHECK(json(back) == j);
    const auto partial = parse_ensemble_params(json{{"n_members", 20}});
    CHECK(partial.n_members == 20);
    CHECK(partial.member_type == MemberType::GradientBoosted);
    CHECK_THROWS_WITH(parse_ensemble_params(json{{"trees", 5}}), "unknown model parameter 'trees'");
    CHECK_THROWS_WITH(parse_ensemble_params(json{{"learning_rate", "fast"}}),
                      "field 'learning_rate' must be a number");
    CHECK_THROWS_WITH(parse_ensemble_params(json{{"n_members", 1}}),
                      "n_members must be between 2 and 10000, got 1");
    CHECK_THROWS_WITH(
        parse_ensemble_params(json{{"label_weights", {{"source", {{"guess", 0.1}}}}}}),
        Catch::StartsWith("unknown label source 'guess'"));
}

TEST_CASE("selection options parse with defaults and precise errors", "[json]") {
    const auto o = parse_selection_options(json{{"strategy", "hybrid"},
                                                {"batch_size", 50},
                                                {"threshold", -3.0},
                                                {"hybrid_weights", {{"margin", 0.0}}},
                                                {"diversity", "maxmin"}});
    CHECK(o.strategy == Strategy::Hybrid);
    CHECK(o.batch_size == 50);
    REQUIRE(o.threshold.has_value());
    CHECK(*o.threshold == -3.0);
    CHECK(o.hybrid.margin == 0.0);
    CHECK(o.hybrid.uncertainty == 0.5);
    CHECK(o.diversity == Diversity::MaxMin);
    CHECK_FALSE(parse_selection_options(json{{"strategy", "random"}}).threshold.has_value());
    CHECK_THROWS_WITH(parse_selection_options(json::object()),
                      Catch::StartsWith("selection options need a 'strategy'"));
    CHECK_THROWS_WITH(parse_selection_options(json{{"strategy", "best"}}),
                      Catch::StartsWith("unknown strategy 'best'"));
    CHECK_THROWS_WITH(parse_selection_options(json{{"strategy", "margin"}, {"batch_size", -1}}),
                      "field 'batch_size' must be a non-negative integer");
    CHECK_THROWS_WITH(parse_selection_options(json{{"strategy", "margin"}, {"size", 3}}),
                      "unknown selection option 'size'");
    CHECK_THROWS_AS(parse_selection_options(json::array()), SelectionError);
}
