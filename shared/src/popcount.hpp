// Popcount kernels behind Tanimoto: a portable one (any compiler, WASM) and, on x86-64 CPUs
// with AVX-512 VPOPCNTDQ, one that counts a whole 2048-bit fingerprint in four vector
// popcounts. The kernel is picked once per process from the CPU's features.
#pragma once

#include "labelloop/fingerprint.hpp"

#include <cstdint>

namespace labelloop::detail {

struct PairCounts {
    unsigned both = 0;   // |a & b|
    unsigned either = 0; // |a | b|
};

struct PopcountKernels {
    /// |a & b| of two fingerprints' words.
    unsigned (*and_count)(const std::uint64_t* a, const std::uint64_t* b);
    /// |a & b| and |a | b| in one pass.
    PairCounts (*pair_counts)(const std::uint64_t* a, const std::uint64_t* b);
    const char* name;
};

/// The fastest kernels this CPU runs.
const PopcountKernels& popcount_kernels();
/// The portable kernels (what WASM and CPUs without AVX-512 VPOPCNTDQ use).
const PopcountKernels& portable_popcount_kernels();

/// Tanimoto from the counts; 0 / 0 is 0.
inline double tanimoto_from_counts(unsigned both, unsigned either) {
    return either == 0 ? 0.0 : static_cast<double>(both) / static_cast<double>(either);
}

} // namespace labelloop::detail
