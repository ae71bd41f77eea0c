// Label sources and confidences: exact names and the default weight table.
#include "labelloop/label_weights.hpp"

#include <catch2/catch.hpp>

using namespace labelloop;

TEST_CASE("label source and confidence names are exact lowercase", "[label_weights]") {
    CHECK(to_string(LabelSource::Experimental) == "experimental");
    CHECK(to_string(LabelSource::Literature) == "literature");
    CHECK(to_string(LabelSource::ExpertEstimate) == "expert_estimate");
    CHECK(to_string(LabelConfidence::High) == "high");
    CHECK(to_string(LabelConfidence::Medium) == "medium");
    CHECK(to_string(LabelConfidence::Low) == "low");
    CHECK(parse_label_source("expert_estimate") == LabelSource::ExpertEstimate);
    CHECK(parse_label_confidence("low") == LabelConfidence::Low);
    CHECK_THROWS_WITH(parse_label_source("Experimental"),
                      "unknown label source 'Experimental' (expected one of: experimental, "
                      "literature, expert_estimate)");
    CHECK_THROWS_WITH(parse_label_confidence("certain"),
                      "unknown label confidence 'certain' (expected one of: high, medium, low)");
}

TEST_CASE("experimental/high weighs 1 and everything else less", "[label_weights]") {
    const LabelWeightTable table;
    CHECK(table.weight(LabelSource::Experimental, LabelConfidence::High) == 1.0);
    for (auto s :
         {LabelSource::Experimental, LabelSource::Literature, LabelSource::ExpertEstimate}) {
        for (auto c : {LabelConfidence::High, LabelConfidence::Medium, LabelConfidence::Low}) {
            if (s != LabelSource::Experimental || c != LabelConfidence::High) {
                CHECK(table.weight(s, c) < 1.0);
                CHECK(table.weight(s, c) > 0.0);
            }
        }
    }
    CHECK(table.weight(LabelSource::Literature, LabelConfidence::Medium) == Approx(0.8 * 0.7));
    CHECK(table.weight(LabelSource::ExpertEstimate, LabelConfidence::Low) == Approx(0.5 * 0.4));
}

TEST_CASE("the weight table is configurable and validated", "[label_weights]") {
    LabelWeightTable table;
    table.source_weight[1] = 1.0; // trust literature as much as experiments
    CHECK(table.weight(LabelSource::Literature, LabelConfidence::High) == 1.0);
    CHECK_NOTHROW(table.validate());
    table.confidence_weight[2] = 0.0;
    CHECK_THROWS_WITH(table.validate(), Catch::Contains("label weight for low"));
}
