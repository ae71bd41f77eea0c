// Base64 against RFC 4648's test vectors, round trips of binary data, and bad input.
#include "labelloop/base64.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using labelloop::base64_decode;
using labelloop::base64_encode;

namespace {
std::vector<std::uint8_t> bytes(const std::string& s) {
    return {s.begin(), s.end()};
}
} // namespace

TEST_CASE("base64 matches the RFC 4648 test vectors", "[base64]") {
    CHECK(base64_encode(bytes("")) == "");
    CHECK(base64_encode(bytes("f")) == "Zg==");
    CHECK(base64_encode(bytes("fo")) == "Zm8=");
    CHECK(base64_encode(bytes("foo")) == "Zm9v");
    CHECK(base64_encode(bytes("foob")) == "Zm9vYg==");
    CHECK(base64_encode(bytes("fooba")) == "Zm9vYmE=");
    CHECK(base64_encode(bytes("foobar")) == "Zm9vYmFy");
    CHECK(base64_decode("Zm9vYmE=") == bytes("fooba"));
    CHECK(base64_decode("Zg==") == bytes("f"));
    CHECK(base64_decode("").empty());
}

TEST_CASE("base64 round-trips every byte value", "[base64]") {
    std::vector<std::uint8_t> all;
    for (int i = 0; i < 256; ++i) {
        all.push_back(static_cast<std::uint8_t>(255 - i));
    }
    for (std::size_t n = 0; n < all.size(); n += 37) {
        std::vector<std::uint8_t> part(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
        CHECK(base64_decode(base64_encode(part)) == part);
    }
}

TEST_CASE("bad base64 is rejected with the position", "[base64]") {
    CHECK_THROWS_WITH(base64_decode("abc"), "base64 text has 3 characters, not a multiple of 4");
    CHECK_THROWS_WITH(base64_decode("ab!d"), "base64 text has an invalid character at position 2");
    CHECK_THROWS_AS(base64_decode("a=bc"), std::invalid_argument);
    CHECK_THROWS_AS(base64_decode("Zg==Zg=="), std::invalid_argument);
}
