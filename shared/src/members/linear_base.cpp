// Ridge regression on the descriptors as a member's starting point (see linear_base.hpp). Plain
// loops and a hand-written Cholesky, so native and WASM round identically.
#include "linear_base.hpp"

#include <cmath>
#include <cstdint>

namespace labelloop::detail {
namespace {

// Solves the symmetric positive definite system a x = b in place by Cholesky (plain loops, so
// native and WASM round identically). Returns false if a is not positive definite.
bool cholesky_solve(std::vector<double>& a, std::vector<double>& b, std::size_t n) {
    for (std::size_t j = 0; j < n; ++j) {
        double d = a[j * n + j];
        for (std::size_t k = 0; k < j; ++k) {
            d -= a[j * n + k] * a[j * n + k];
        }
        if (!(d > 0.0)) {
            return false;
        }
        d = std::sqrt(d);
        a[j * n + j] = d;
        for (std::size_t i = j + 1; i < n; ++i) {
            double v = a[i * n + j];
            for (std::size_t k = 0; k < j; ++k) {
                v -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = v / d;
        }
    }
    for (std::size_t i = 0; i < n; ++i) { // L y = b
        double v = b[i];
        for (std::size_t k = 0; k < i; ++k) {
            v -= a[i * n + k] * b[k];
        }
        b[i] = v / a[i * n + i];
    }
    for (std::size_t i = n; i-- > 0;) { // L^T x = y
        double v = b[i];
        for (std::size_t k = i + 1; k < n; ++k) {
            v -= a[k * n + i] * b[k];
        }
        b[i] = v / a[i * n + i];
    }
    return true;
}

// Weighted ridge regression of y on the descriptors of `rows` (standardised internally, the
// intercept unpenalised); sets member.base and member.linear in raw descriptor units.
void fit_linear_base(EnsembleMember& member, const std::vector<Features>& x,
                     const std::vector<double>& y, const std::vector<double>& w,
                     const std::vector<std::uint32_t>& rows, std::size_t nd, double alpha) {
    double sw = 0.0;
    double my = 0.0;
    std::vector<double> mean(nd, 0.0);
    for (auto r : rows) {
        sw += w[r];
        my += w[r] * y[r];
        for (std::size_t d = 0; d < nd; ++d) {
            mean[d] += w[r] * x[r].descriptors[d];
        }
    }
    my /= sw;
    for (auto& m : mean) {
        m /= sw;
    }
    std::vector<double> scale(nd, 0.0);
    for (auto r : rows) {
        for (std::size_t d = 0; d < nd; ++d) {
            const double c = x[r].descriptors[d] - mean[d];
            scale[d] += w[r] * c * c;
        }
    }
    for (auto& s : scale) {
        s = s > 0.0 ? std::sqrt(s / sw) : 0.0; // constant descriptor: left out (coef 0)
    }
    std::vector<double> a(nd * nd, 0.0);
    std::vector<double> b(nd, 0.0);
    std::vector<double> z(nd);
    for (auto r : rows) {
        for (std::size_t d = 0; d < nd; ++d) {
            z[d] = scale[d] > 0.0 ? (x[r].descriptors[d] - mean[d]) / scale[d] : 0.0;
        }
        const double ry = y[r] - my;
        for (std::size_t i = 0; i < nd; ++i) {
            const double wz = w[r] * z[i];
            b[i] += wz * ry;
            for (std::size_t j = 0; j <= i; ++j) {
                a[i * nd + j] += wz * z[j];
            }
        }
    }
    for (std::size_t i = 0; i < nd; ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            a[j * nd + i] = a[i * nd + j];
        }
        a[i * nd + i] += alpha * sw;
    }
    member.base = my;
    member.linear.assign(nd, 0.0);
    if (!cholesky_solve(a, b, nd)) {
        return; // degenerate: fall back to the constant base
    }
    for (std::size_t d = 0; d < nd; ++d) {
        if (scale[d] > 0.0) {
            member.linear[d] = b[d] / scale[d];
            member.base -= member.linear[d] * mean[d];
        }
    }
}

} // namespace

bool fit_linear_start(EnsembleMember& member, const MemberFitInput& in,
                      const BootstrapSample& sample, std::vector<double>& out) {
    const std::size_t nd = in.layout.n_descriptors();
    if (!in.params.linear_base || in.task != Task::Regression || nd == 0) {
        return false;
    }
    fit_linear_base(member, in.x, in.y, sample.weight, sample.rows, nd, in.params.ridge_alpha);
    for (auto r : sample.rows) {
        double z = member.base;
        for (std::size_t d = 0; d < member.linear.size(); ++d) {
            z += member.linear[d] * in.x[r].descriptors[d];
        }
        out[r] = z;
    }
    return true;
}

} // namespace labelloop::detail
