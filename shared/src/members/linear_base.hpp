// The optional linear start of a regression member (EnsembleParams::linear_base): a weighted
// ridge regression on the descriptors whose residuals the member's trees then fit.
// Internal to labelloop_core.
#pragma once

#include "member_family.hpp"

#include <vector>

namespace labelloop::detail {

/// When params.linear_base applies (regression with descriptors), fits member.base and
/// member.linear on the sample's in-bag rows, sets out[r] to that start for each of them and
/// returns true; otherwise leaves everything alone and returns false.
bool fit_linear_start(EnsembleMember& member, const MemberFitInput& in,
                      const BootstrapSample& sample, std::vector<double>& out);

} // namespace labelloop::detail
