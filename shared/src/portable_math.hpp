// exp/log built from + - * / only, so they round identically natively (glibc) and in WASM
// (musl). The libm versions may differ in the last bit, and one flipped bit in a boosting
// gradient can flip a split decision and make the two builds grow different trees.
#pragma once

#include <cmath>

namespace labelloop::detail {

/// exp(x) to about 1 ulp for |x| < 700 (Cody-Waite reduction + degree-13 Taylor polynomial).
inline double portable_exp(double x) {
    if (x > 700.0) {
        x = 700.0;
    } else if (x < -700.0) {
        x = -700.0;
    }
    constexpr double kLog2e = 1.4426950408889634;
    constexpr double kLn2Hi = 6.93147180369123816490e-01; // exact in 32 bits: n * hi is exact
    constexpr double kLn2Lo = 1.90821492927058770002e-10;
    const double n = std::floor(x * kLog2e + 0.5);
    const double r = (x - n * kLn2Hi) - n * kLn2Lo; // |r| <= 0.35
    double p = 1.0 / 6227020800.0;                  // 1/13!
    constexpr double kInvFact[] = {1.0 / 479001600.0,
                                   1.0 / 39916800.0,
                                   1.0 / 3628800.0,
                                   1.0 / 362880.0,
                                   1.0 / 40320.0,
                                   1.0 / 5040.0,
                                   1.0 / 720.0,
                                   1.0 / 120.0,
                                   1.0 / 24.0,
                                   1.0 / 6.0,
                                   0.5,
                                   1.0,
                                   1.0};
    for (double c : kInvFact) {
        p = p * r + c;
    }
    return std::ldexp(p, static_cast<int>(n)); // exact scaling by a power of two
}

/// Natural log for x > 0 (frexp reduction + atanh series), to about 1 ulp.
inline double portable_log(double x) {
    int e = 0;
    double m = std::frexp(x, &e); // x = m * 2^e, m in [0.5, 1)
    if (m < 0.7071067811865476) {
        m *= 2.0;
        --e;
    }
    const double s = (m - 1.0) / (m + 1.0); // |s| <= 0.172
    const double s2 = s * s;
    double sum = 0.0;
    for (int k = 31; k >= 1; k -= 2) {
        sum = sum * s2 + 1.0 / k;
    }
    constexpr double kLn2 = 0.6931471805599453;
    return 2.0 * s * sum + e * kLn2;
}

inline double sigmoid(double z) {
    return 1.0 / (1.0 + portable_exp(-z));
}

} // namespace labelloop::detail
