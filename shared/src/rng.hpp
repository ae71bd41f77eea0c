// A small seeded generator with our own distributions. std::uniform_int_distribution and
// friends differ between libstdc++ (native) and libc++ (Emscripten), which would make WASM and
// native fits diverge; this one gives the same stream everywhere.
#pragma once

#include <cstdint>

namespace labelloop::detail {

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, good enough for bootstraps and shuffles.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    /// Independent stream for sub-task `stream` (e.g. ensemble member i) of a seed.
    static Rng derive(std::uint64_t seed, std::uint64_t stream) {
        Rng mix(seed ^ (0x9E3779B97F4A7C15ULL * (stream + 1)));
        return Rng(mix.next() ^ stream);
    }

    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, n) for 0 < n < 2^32, by 32-bit multiply-shift (Lemire); the bias is
    /// below n / 2^32, far under anything a bootstrap could notice.
    std::uint32_t below(std::uint32_t n) {
        return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32);
    }
    /// Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
    std::uint64_t state_;
};

} // namespace labelloop::detail
