// Packed binary fingerprints (2048-bit Morgan, radius 2) and Tanimoto similarity.
// The core only consumes fingerprints; RDKit computes them on the server (C++) and in the
// browser (MinimalLib), which give identical bits (see tests/parity).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace labelloop {

/// A 2048-bit fingerprint packed into 64-bit words; bit i lives in word i / 64, bit i % 64.
class Fingerprint {
public:
    static constexpr std::size_t kBits = 2048;
    static constexpr std::size_t kWords = kBits / 64;
    using Words = std::array<std::uint64_t, kWords>;

    Fingerprint() : words_{} {}
    explicit Fingerprint(const Words& words) : words_(words) {}

    /// From a string of '0'/'1' characters of length kBits (RDKit's ToBitString /
    /// MinimalLib's get_morgan_fp). Throws std::invalid_argument otherwise.
    static Fingerprint from_bit_string(std::string_view bits);
    /// From kBits bytes, one per bit, each 0 or 1 (MinimalLib's get_morgan_fp_as_uint8array).
    static Fingerprint from_bit_bytes(const std::uint8_t* bytes, std::size_t count);
    /// From kBits / 8 bytes packed least-significant bit first: byte k holds bits 8k..8k+7,
    /// bit i at (1 << i % 8) (MinimalLib's get_morgan_fp_as_uint8array, RDKit's binary text).
    static Fingerprint from_packed_bytes(const std::uint8_t* bytes, std::size_t count);
    /// From the indices of the set bits. Throws std::out_of_range for an index >= kBits.
    static Fingerprint from_on_bits(const std::vector<std::uint32_t>& on_bits);

    bool test(std::size_t bit) const { return (words_[bit / 64] >> (bit % 64)) & 1U; }
    void set(std::size_t bit) { words_[bit / 64] |= std::uint64_t{1} << (bit % 64); }
    std::size_t popcount() const;
    std::vector<std::uint32_t> on_bits() const;
    std::string to_bit_string() const;

    const Words& words() const { return words_; }
    bool operator==(const Fingerprint& other) const { return words_ == other.words_; }
    bool operator!=(const Fingerprint& other) const { return !(*this == other); }

private:
    Words words_;
};

/// Tanimoto (Jaccard) similarity |a & b| / |a | b|; two empty fingerprints have similarity 0.
double tanimoto(const Fingerprint& a, const Fingerprint& b);

/// The popcount kernel Tanimoto runs with on this CPU: "avx512-vpopcntdq" (x86-64 with
/// AVX-512 VPOPCNTDQ, picked at run time) or "portable" (every other CPU, and WASM).
std::string_view popcount_kernel_name();

} // namespace labelloop
