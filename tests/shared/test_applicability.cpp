// kNN search with BitBound pruning (checked against brute force) and the applicability domain.
#include "labelloop/applicability.hpp"

#include "synthetic.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace labelloop;

namespace {

std::vector<Fingerprint> random_fingerprints(std::size_t n, std::uint64_t seed) {
    std::vector<Fingerprint> out;
    std::uint64_t s = seed;
    for (std::size_t i = 0; i < n; ++i) {
        std::vector<std::uint32_t> bits;
        const auto count = 5 + testing::next_u64(s) % 60; // varied popcounts exercise pruning
        const auto base = testing::next_u64(s) % 8;       // 8 families share low bits
        for (std::uint32_t b = 0; b < 8; ++b) {
            bits.push_back(static_cast<std::uint32_t>(base * 16 + b));
        }
        for (std::size_t k = 0; k < count; ++k) {
            bits.push_back(static_cast<std::uint32_t>(testing::next_u64(s) % 400));
        }
        out.push_back(Fingerprint::from_on_bits(bits));
    }
    return out;
}

std::vector<Neighbor> brute_force(const std::vector<Fingerprint>& fps, const Fingerprint& q,
                                  std::size_t k, std::size_t exclude) {
    std::vector<Neighbor> all;
    for (std::size_t i = 0; i < fps.size(); ++i) {
        if (i != exclude) {
            all.push_back({i, tanimoto(q, fps[i])});
        }
    }
    std::stable_sort(all.begin(), all.end(), [](const Neighbor& a, const Neighbor& b) {
        return a.similarity > b.similarity;
    });
    all.resize(std::min(k, all.size()));
    return all;
}

} // namespace

TEST_CASE("BitBound kNN returns exactly the brute-force neighbours", "[applicability][knn]") {
    const auto fps = random_fingerprints(300, 1);
    const auto queries = random_fingerprints(25, 2);
    const FingerprintIndex index(fps);
    for (std::size_t k : {1U, 5U, 17U}) {
        for (const auto& q : queries) {
            const auto got = index.nearest(q, k);
            const auto want = brute_force(fps, q, k, FingerprintIndex::kNoExclude);
            REQUIRE(got.size() == want.size());
            for (std::size_t i = 0; i < got.size(); ++i) {
                CHECK(got[i].index == want[i].index);
                CHECK(got[i].similarity == want[i].similarity);
            }
        }
    }
    // Excluding the query itself (leave-one-out).
    const auto loo = index.nearest(fps[10], 3, 10);
    const auto want = brute_force(fps, fps[10], 3, 10);
    REQUIRE(loo.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(loo[i].index == want[i].index);
    }
    CHECK(index.nearest(fps[0], 1000).size() == 300);
    CHECK(index.nearest(fps[0], 0).empty());
    CHECK(FingerprintIndex{}.nearest(fps[0], 3).empty());
}

TEST_CASE("nearest_to_each_other equals a leave-one-out query per entry", "[applicability][knn]") {
    auto fps = random_fingerprints(200, 6);
    // Duplicates and an empty fingerprint: ties broken by the smaller index, 0 / 0 is 0.
    fps.push_back(fps[3]);
    fps.push_back(fps[3]);
    fps.push_back(Fingerprint{});
    fps.push_back(Fingerprint{});
    const FingerprintIndex index(fps);
    for (std::size_t k : {0U, 1U, 5U, 17U, 1000U}) {
        const auto all = index.nearest_to_each_other(k);
        REQUIRE(all.size() == fps.size());
        for (std::size_t i = 0; i < fps.size(); ++i) {
            const auto want = index.nearest(fps[i], k, i);
            REQUIRE(all[i].size() == want.size());
            for (std::size_t j = 0; j < want.size(); ++j) {
                CHECK(all[i][j].index == want[j].index);
                CHECK(all[i][j].similarity == want[j].similarity);
            }
        }
    }
    CHECK(FingerprintIndex{}.nearest_to_each_other(5).empty());
}

TEST_CASE("the applicability domain measures the distance to the k nearest training compounds",
          "[applicability]") {
    const auto fps = random_fingerprints(120, 3);
    const auto domain = ApplicabilityDomain::build(fps, {5, 95.0});
    const auto q = random_fingerprints(1, 4)[0];
    const auto nn = brute_force(fps, q, 5, FingerprintIndex::kNoExclude);
    double mean = 0;
    for (const auto& n : nn) {
        mean += (1.0 - n.similarity) / 5.0;
    }
    CHECK(domain.distance(q) == Approx(mean).epsilon(1e-12));

    // Threshold: the 95th percentile of the training set's own leave-one-out distances.
    std::vector<double> loo;
    for (std::size_t i = 0; i < fps.size(); ++i) {
        double d = 0;
        for (const auto& n : brute_force(fps, fps[i], 5, i)) {
            d += (1.0 - n.similarity) / 5.0;
        }
        loo.push_back(d);
    }
    std::sort(loo.begin(), loo.end());
    const double pos = 0.95 * static_cast<double>(loo.size() - 1);
    const auto lo = static_cast<std::size_t>(pos);
    const double want = loo[lo] + (pos - static_cast<double>(lo)) * (loo[lo + 1] - loo[lo]);
    CHECK(domain.threshold() == Approx(want).epsilon(1e-12));

    // A training compound is in the domain; a compound sharing no bit is far outside.
    CHECK(domain.assess(fps[0]).in_domain);
    const auto far = Fingerprint::from_on_bits({1500, 1600, 1700, 1800});
    const auto a = domain.assess(far);
    CHECK(a.distance == 1.0);
    CHECK_FALSE(a.in_domain);

    const auto similar = domain.similar(fps[7], 4);
    REQUIRE(similar.size() == 4);
    CHECK(similar[0].index == 7);
    CHECK(similar[0].similarity == 1.0);
}

TEST_CASE("an applicability domain needs enough compounds and sane options", "[applicability]") {
    const auto fps = random_fingerprints(3, 5);
    CHECK_THROWS_WITH(ApplicabilityDomain::build({fps[0]}),
                      "the applicability domain needs at least 2 training compounds, got 1");
    CHECK_THROWS_AS(ApplicabilityDomain::build(fps, {0, 95.0}), std::invalid_argument);
    CHECK_THROWS_AS(ApplicabilityDomain::build(fps, {5, 0.0}), std::invalid_argument);
    CHECK(ApplicabilityDomain{}.distance(fps[0]) == 1.0);
}

TEST_CASE("similarity_to_all equals tanimoto for every indexed fingerprint", "[applicability]") {
    const auto fps = random_fingerprints(50, 6);
    const FingerprintIndex index(fps);
    const auto q = random_fingerprints(1, 7)[0];
    const auto all = index.similarity_to_all(q);
    REQUIRE(all.size() == 50);
    for (std::size_t i = 0; i < fps.size(); ++i) {
        CHECK(all[i] == tanimoto(q, fps[i]));
    }
    CHECK(index.similarity_to_all(Fingerprint{})[0] == 0.0);
}
