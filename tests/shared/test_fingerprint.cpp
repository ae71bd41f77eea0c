// Packed fingerprints and Tanimoto similarity, checked against hand-computed values.
#include "labelloop/fingerprint.hpp"

#include "popcount.hpp" // shared/src: the kernels behind tanimoto
#include "synthetic.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using labelloop::Fingerprint;
using labelloop::popcount_kernel_name;
using labelloop::tanimoto;
namespace detail = labelloop::detail;
namespace testing = labelloop::testing;

TEST_CASE("fingerprint bits round-trip through indices and bit strings", "[fingerprint]") {
    const auto fp = Fingerprint::from_on_bits({0, 1, 63, 64, 1000, 2047});
    CHECK(fp.popcount() == 6);
    CHECK(fp.test(63));
    CHECK(fp.test(64));
    CHECK_FALSE(fp.test(62));
    CHECK(fp.on_bits() == std::vector<std::uint32_t>{0, 1, 63, 64, 1000, 2047});
    // Word layout is part of the model format: bit 64 is the lowest bit of word 1.
    CHECK(fp.words()[1] == 1U);
    CHECK(fp.words()[31] == (std::uint64_t{1} << 63));

    const std::string bits = fp.to_bit_string();
    REQUIRE(bits.size() == 2048);
    CHECK(bits[0] == '1');
    CHECK(bits[2] == '0');
    CHECK(Fingerprint::from_bit_string(bits) == fp);

    std::vector<std::uint8_t> bytes(2048, 0);
    bytes[5] = 1;
    bytes[2047] = 1;
    CHECK(Fingerprint::from_bit_bytes(bytes.data(), bytes.size()).on_bits() ==
          std::vector<std::uint32_t>{5, 2047});
}

TEST_CASE("bad fingerprint input is rejected with a precise message", "[fingerprint]") {
    CHECK_THROWS_WITH(Fingerprint::from_bit_string("0101"),
                      "fingerprint bit string has 4 characters, expected 2048");
    std::string bits(2048, '0');
    bits[17] = 'x';
    CHECK_THROWS_WITH(Fingerprint::from_bit_string(bits),
                      "fingerprint bit string has 'x' at position 17, expected '0' or '1'");
    CHECK_THROWS_AS(Fingerprint::from_on_bits({2048}), std::out_of_range);
    std::vector<std::uint8_t> bytes(2048, 0);
    bytes[3] = 7;
    CHECK_THROWS_WITH(Fingerprint::from_bit_bytes(bytes.data(), bytes.size()),
                      "fingerprint byte 3 is 7, expected 0 or 1");
}

TEST_CASE("Tanimoto similarity matches hand-computed values", "[fingerprint][tanimoto]") {
    const auto a = Fingerprint::from_on_bits({1, 2, 3, 4});
    const auto b = Fingerprint::from_on_bits({3, 4, 5});
    // |a&b| = 2 ({3,4}), |a|b| = 5 ({1..5})
    CHECK(tanimoto(a, b) == Approx(0.4).epsilon(1e-15));
    CHECK(tanimoto(a, a) == 1.0);
    CHECK(tanimoto(a, Fingerprint{}) == 0.0);
    CHECK(tanimoto(Fingerprint{}, Fingerprint{}) == 0.0);
    // Symmetric, and spanning words: {0, 64, 128} vs {64, 128, 2047} -> 2 / 4.
    const auto c = Fingerprint::from_on_bits({0, 64, 128});
    const auto d = Fingerprint::from_on_bits({64, 128, 2047});
    CHECK(tanimoto(c, d) == 0.5);
    CHECK(tanimoto(d, c) == 0.5);
}

TEST_CASE("packed LSB-first bytes (MinimalLib's uint8array) map onto the same bits",
          "[fingerprint]") {
    std::vector<std::uint8_t> packed(256, 0);
    packed[0] = 0x05;   // bits 0 and 2
    packed[8] = 0x80;   // bit 71
    packed[255] = 0x80; // bit 2047
    const auto fp = Fingerprint::from_packed_bytes(packed.data(), packed.size());
    CHECK(fp.on_bits() == std::vector<std::uint32_t>{0, 2, 71, 2047});
    CHECK_THROWS_WITH(Fingerprint::from_packed_bytes(packed.data(), 255),
                      "packed fingerprint has 255 bytes, expected 256");
}

TEST_CASE("the popcount kernel this CPU runs counts exactly like the portable one",
          "[fingerprint][tanimoto]") {
    // On a CPU with AVX-512 VPOPCNTDQ this compares the vector kernel against the scalar one;
    // elsewhere (and in WASM) both are the portable kernel and the test still checks counts.
    const auto& fast = detail::popcount_kernels();
    const auto& portable = detail::portable_popcount_kernels();
    INFO("kernel: " << fast.name);
    CHECK(popcount_kernel_name() == fast.name);
    std::uint64_t s = 11;
    std::vector<Fingerprint> fps{Fingerprint{}, Fingerprint::from_on_bits({0, 63, 64, 2047})};
    Fingerprint::Words ones;
    ones.fill(~std::uint64_t{0});
    fps.emplace_back(ones);
    for (int i = 0; i < 60; ++i) {
        Fingerprint::Words w{};
        for (auto& word : w) {
            // Sparse (Morgan-like) and dense words.
            word = testing::next_u64(s) & (i % 2 ? testing::next_u64(s) : ~std::uint64_t{0});
        }
        fps.emplace_back(w);
    }
    for (const auto& a : fps) {
        for (const auto& b : fps) {
            const auto& x = a.words();
            const auto& y = b.words();
            const auto want = portable.pair_counts(x, y);
            const auto got = fast.pair_counts(x, y);
            REQUIRE(got.both == want.both);
            REQUIRE(got.either == want.either);
            REQUIRE(fast.and_count(x, y) == want.both);
            REQUIRE(portable.and_count(x, y) == want.both);
            // And the portable counts are right: |a & b| + |a | b| = |a| + |b|.
            REQUIRE(want.both + want.either == a.popcount() + b.popcount());
        }
    }
    CHECK(portable.pair_counts(ones, ones).either == 2048);
}
