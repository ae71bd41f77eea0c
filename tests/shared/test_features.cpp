// Features: layout, building from named descriptors, validation and the byte encoding.
#include "labelloop/features.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

using namespace labelloop;

TEST_CASE("the model layout is the 28 descriptors that match between RDKit builds", "[features]") {
    const auto layout = FeatureLayout::model_default();
    REQUIRE(layout.n_descriptors() == 28);
    CHECK(layout.n_features() == 2048 + 28);
    CHECK(layout.feature_name(17) == "bit 17");
    CHECK(layout.feature_name(2048) == "lipinskiHBA");
    CHECK(layout.feature_name(2048 + 13) == "CrippenClogP");
    for (const char* left_out :
         {"chi2v", "chi2n", "NumHBA", "NumRings", "NumAliphaticRings", "NumHeterocycles",
          "NumAliphaticHeterocycles", "NumBridgeheadAtoms", "NumSaturatedRings",
          "NumSaturatedHeterocycles", "NumAtomStereoCenters", "NumUnspecifiedAtomStereoCenters",
          "NumRotatableBonds", "amw", "exactmw"}) {
        CHECK(std::find(layout.descriptor_names.begin(), layout.descriptor_names.end(), left_out) ==
              layout.descriptor_names.end());
    }
    CHECK(FeatureLayout::bits_only().n_features() == 2048);
}

TEST_CASE("features are built from descriptors by name, in layout order", "[features]") {
    FeatureLayout layout{{"tpsa", "CrippenClogP"}};
    std::map<std::string, double> named{{"CrippenClogP", 2.5}, {"tpsa", 40.0}, {"extra", 1.0}};
    const auto fp = Fingerprint::from_on_bits({3});
    const auto f = make_features(fp, named, layout);
    CHECK(f.descriptors == std::vector<double>{40.0, 2.5});
    CHECK(f.fingerprint == fp);

    named.erase("tpsa");
    CHECK_THROWS_WITH(make_features(fp, named, layout), "descriptor 'tpsa' is missing");
    named["tpsa"] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(make_features(fp, named, layout), "descriptor 'tpsa' is not a finite number");
}

TEST_CASE("check_features names the compound and the problem", "[features]") {
    FeatureLayout layout{{"a", "b"}};
    Features f{Fingerprint{}, {1.0}};
    CHECK_THROWS_WITH(check_features(f, layout, "pool compound 4"),
                      "pool compound 4 has 1 descriptors, the model expects 2");
    f.descriptors = {1.0, std::numeric_limits<double>::infinity()};
    CHECK_THROWS_WITH(check_features(f, layout, "pool compound 4"),
                      "pool compound 4: descriptor 'b' is not a finite number");
    f.descriptors = {1.0, 2.0};
    CHECK_NOTHROW(check_features(f, layout, "x"));
}

TEST_CASE("features round-trip through their byte encoding", "[features]") {
    Features f{Fingerprint::from_on_bits({0, 64, 2047}), {1.5, -0.0, 1e-300, 123456.789}};
    const auto bytes = encode_features(f);
    CHECK(bytes.size() == 259 + 8 * 4);
    CHECK(bytes[0] == 1);                 // encoding version
    CHECK(bytes[1] == 1);                 // bit 0: lowest byte of word 0
    CHECK(bytes[1 + 8] == 1);             // bit 64: lowest byte of word 1
    CHECK(bytes[1 + 31 * 8 + 7] == 0x80); // bit 2047: highest byte of word 31
    CHECK(decode_features(bytes) == f);

    const Features bits_only{Fingerprint::from_on_bits({5}), {}};
    CHECK(decode_features(encode_features(bits_only)) == bits_only);
}

TEST_CASE("a damaged features blob is refused with a precise message", "[features]") {
    const auto bytes = encode_features(Features{Fingerprint{}, {1.0, 2.0}});
    auto wrong_version = bytes;
    wrong_version[0] = 9;
    CHECK_THROWS_WITH(decode_features(wrong_version),
                      "features blob has encoding version 9, this build reads versions 1 and 2");
    const std::vector<std::uint8_t> truncated(bytes.begin(), bytes.end() - 3);
    CHECK_THROWS_WITH(decode_features(truncated),
                      Catch::Contains("truncated") && Catch::Contains("descriptors"));
    auto trailing = bytes;
    trailing.push_back(0);
    CHECK_THROWS_WITH(decode_features(trailing), "features blob has 1 unexpected trailing bytes");
    CHECK_THROWS_AS(decode_features(nullptr, 0), FeatureError);
}
