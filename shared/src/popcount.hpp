// Popcount kernels behind Tanimoto: a portable one (any compiler, WASM) and, on x86-64 CPUs
// with AVX-512 VPOPCNTDQ, one that counts a whole 2048-bit fingerprint in four vector
// popcounts. The kernel is picked once per process from the CPU's features.
#pragma once

#include "labelloop/fingerprint.hpp"

#include <cstddef>
#include <cstdint>

namespace labelloop::detail {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__EMSCRIPTEN__)
#define LABELLOOP_POPCOUNT_DISPATCH 1 // a vector kernel may be picked at run time
#endif

struct PairCounts {
    unsigned both = 0;   // |a & b|
    unsigned either = 0; // |a | b|
};

struct PopcountKernels {
    /// |a & b| of two fingerprints' words.
    unsigned (*and_count)(const Fingerprint::Words& a, const Fingerprint::Words& b);
    /// |a & b| and |a | b| in one pass.
    PairCounts (*pair_counts)(const Fingerprint::Words& a, const Fingerprint::Words& b);
    const char* name;
};

// Four independent sums, written out (GCC -O2 keeps a small array of them in memory): one
// running total would chain every popcount through one add.
// Always inlined: Emscripten otherwise calls pair_counts out of line from tanimoto(), which
// then runs at 22 instead of 34 M pairs/s.
__attribute__((always_inline)) inline unsigned and_count_portable(const Fingerprint::Words& a,
                                                                  const Fingerprint::Words& b) {
    unsigned n0 = 0, n1 = 0, n2 = 0, n3 = 0;
    static_assert(Fingerprint::kWords % 4 == 0);
    for (std::size_t i = 0; i < Fingerprint::kWords; i += 4) {
        n0 += static_cast<unsigned>(__builtin_popcountll(a[i] & b[i]));
        n1 += static_cast<unsigned>(__builtin_popcountll(a[i + 1] & b[i + 1]));
        n2 += static_cast<unsigned>(__builtin_popcountll(a[i + 2] & b[i + 2]));
        n3 += static_cast<unsigned>(__builtin_popcountll(a[i + 3] & b[i + 3]));
    }
    return n0 + n1 + n2 + n3;
}

__attribute__((always_inline)) inline PairCounts pair_counts_portable(const Fingerprint::Words& a,
                                                                      const Fingerprint::Words& b) {
    unsigned both0 = 0, both1 = 0, both2 = 0, both3 = 0;
    unsigned either0 = 0, either1 = 0, either2 = 0, either3 = 0;
    for (std::size_t i = 0; i < Fingerprint::kWords; i += 4) {
        both0 += static_cast<unsigned>(__builtin_popcountll(a[i] & b[i]));
        both1 += static_cast<unsigned>(__builtin_popcountll(a[i + 1] & b[i + 1]));
        both2 += static_cast<unsigned>(__builtin_popcountll(a[i + 2] & b[i + 2]));
        both3 += static_cast<unsigned>(__builtin_popcountll(a[i + 3] & b[i + 3]));
        either0 += static_cast<unsigned>(__builtin_popcountll(a[i] | b[i]));
        either1 += static_cast<unsigned>(__builtin_popcountll(a[i + 1] | b[i + 1]));
        either2 += static_cast<unsigned>(__builtin_popcountll(a[i + 2] | b[i + 2]));
        either3 += static_cast<unsigned>(__builtin_popcountll(a[i + 3] | b[i + 3]));
    }
    return {both0 + both1 + both2 + both3, either0 + either1 + either2 + either3};
}

/// The fastest kernels this CPU runs.
const PopcountKernels& popcount_kernels();
/// The portable kernels (what WASM and CPUs without AVX-512 VPOPCNTDQ use).
const PopcountKernels& portable_popcount_kernels();

/// What a loop over many pairs calls for |a & b|: the run-time pick where there is one to
/// make (fetched once per loop), else the portable kernel itself, so that it inlines (an
/// indirect call per pair halves WASM's Tanimoto rate).
#ifdef LABELLOOP_POPCOUNT_DISPATCH
inline auto and_count_kernel() {
    return popcount_kernels().and_count;
}
inline PairCounts pair_counts(const Fingerprint::Words& a, const Fingerprint::Words& b) {
    return popcount_kernels().pair_counts(a, b);
}
#else
struct PortableAndCount {
    unsigned operator()(const Fingerprint::Words& a, const Fingerprint::Words& b) const {
        return and_count_portable(a, b);
    }
};
inline PortableAndCount and_count_kernel() {
    return {};
}
inline PairCounts pair_counts(const Fingerprint::Words& a, const Fingerprint::Words& b) {
    return pair_counts_portable(a, b);
}
#endif

/// Tanimoto from the counts; 0 / 0 is 0.
inline double tanimoto_from_counts(unsigned both, unsigned either) {
    return either == 0 ? 0.0 : static_cast<double>(both) / static_cast<double>(either);
}

} // namespace labelloop::detail
