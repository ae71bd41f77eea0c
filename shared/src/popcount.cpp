#include "popcount.hpp"

#ifdef LABELLOOP_POPCOUNT_DISPATCH
#include <immintrin.h>
#endif

namespace labelloop::detail {
namespace {

constexpr std::size_t kWords = Fingerprint::kWords;
static_assert(kWords % 8 == 0, "the vector kernels take 8 words at a time");

const PopcountKernels kPortable{and_count_portable, pair_counts_portable, "portable"};

#ifdef LABELLOOP_POPCOUNT_DISPATCH
// Sum of the eight 64-bit lanes (GCC 12's _mm512_reduce_add_epi64 trips -Wuninitialized).
__attribute__((target("avx512f"))) unsigned lane_sum(__m512i v) {
    alignas(64) std::uint64_t lanes[8];
    _mm512_store_si512(lanes, v);
    std::uint64_t sum = 0;
    for (auto lane : lanes) {
        sum += lane;
    }
    return static_cast<unsigned>(sum);
}

// 2048 bits = four 512-bit vectors; VPOPCNTQ counts eight words per instruction.
__attribute__((target("avx512f,avx512vpopcntdq"))) unsigned
and_count_avx512(const Fingerprint::Words& a, const Fingerprint::Words& b) {
    __m512i sum = _mm512_setzero_si512();
    for (std::size_t i = 0; i < kWords; i += 8) {
        const __m512i x =
            _mm512_and_si512(_mm512_loadu_si512(a.data() + i), _mm512_loadu_si512(b.data() + i));
        sum = _mm512_add_epi64(sum, _mm512_popcnt_epi64(x));
    }
    return lane_sum(sum);
}

__attribute__((target("avx512f,avx512vpopcntdq"))) PairCounts
pair_counts_avx512(const Fingerprint::Words& a, const Fingerprint::Words& b) {
    __m512i both = _mm512_setzero_si512();
    __m512i either = _mm512_setzero_si512();
    for (std::size_t i = 0; i < kWords; i += 8) {
        const __m512i x = _mm512_loadu_si512(a.data() + i);
        const __m512i y = _mm512_loadu_si512(b.data() + i);
        both = _mm512_add_epi64(both, _mm512_popcnt_epi64(_mm512_and_si512(x, y)));
        either = _mm512_add_epi64(either, _mm512_popcnt_epi64(_mm512_or_si512(x, y)));
    }
    return {lane_sum(both), lane_sum(either)};
}

const PopcountKernels kAvx512{and_count_avx512, pair_counts_avx512, "avx512-vpopcntdq"};
#endif

const PopcountKernels& pick() {
#ifdef LABELLOOP_POPCOUNT_DISPATCH
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq")) {
        return kAvx512;
    }
#endif
    return kPortable;
}

} // namespace

const PopcountKernels& popcount_kernels() {
    static const PopcountKernels& chosen = pick();
    return chosen;
}

const PopcountKernels& portable_popcount_kernels() {
    return kPortable;
}

} // namespace labelloop::detail
