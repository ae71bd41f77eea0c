// Seeded synthetic compounds for the core tests: fingerprints built from a few "scaffolds" plus
// noise bits, one value per model descriptor, and labels that depend on both. No RDKit needed.
#pragma once

#include "labelloop/features.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

namespace labelloop::testing {

/// The descriptor the synthetic label depends on: CrippenClogP.
inline constexpr std::size_t kInformativeDescriptor = 13;
static_assert(kModelDescriptorNames[kInformativeDescriptor] == "CrippenClogP");

struct SyntheticSet {
    std::vector<Features> x;
    std::vector<double> y;       // regression label
    std::vector<double> y_class; // 1 when y is above 0
};

inline std::uint64_t next_u64(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

inline double next_unit(std::uint64_t& s) {
    return static_cast<double>(next_u64(s) >> 11) * 0x1.0p-53;
}

inline SyntheticSet make_synthetic(std::size_t n, std::uint64_t seed, double noise = 0.1) {
    SyntheticSet d;
    std::uint64_t s = seed;
    for (std::size_t i = 0; i < n; ++i) {
        const auto scaffold = next_u64(s) % 10;
        std::vector<std::uint32_t> bits;
        for (std::uint32_t b = 0; b < 10; ++b) {
            bits.push_back(static_cast<std::uint32_t>((scaffold * 53 + b * 131) % 2048));
        }
        for (int extra = 0; extra < 20; ++extra) {
            bits.push_back(static_cast<std::uint32_t>(next_u64(s) % 2048));
        }
        Features f{Fingerprint::from_on_bits(bits), {}};
        for (std::size_t k = 0; k < kModelDescriptorNames.size(); ++k) {
            f.descriptors.push_back(4.0 * next_unit(s) - 2.0);
        }
        // Label: descriptor 20 ("CrippenClogP") linearly, scaffold bit 0 as a step.
        const double y = 1.5 * f.descriptors[kInformativeDescriptor] + (scaffold < 5 ? 1.0 : -1.0) +
                         noise * (next_unit(s) - 0.5);
        d.x.push_back(std::move(f));
        d.y.push_back(y);
        d.y_class.push_back(y > 0.0 ? 1.0 : 0.0);
    }
    return d;
}

} // namespace labelloop::testing
