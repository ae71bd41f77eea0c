// The batch rules of the acquisition strategies that pick a batch pick by pick (Thompson,
// cluster) and the density scores, shared by select_batch and IncrementalSelection.
// Internal to the core.
#pragma once

#include "labelloop/sampling.hpp"

#include <cstddef>
#include <vector>

namespace labelloop::detail {

/// Where pool compound i sits in the density reference sample (npos when it is not in it).
std::size_t reference_slot(const std::vector<std::size_t>& reference_index, std::size_t i);
/// Each compound's mean similarity to the seeded reference sample of the pool.
std::vector<double> pool_density(const std::vector<Fingerprint>& fps, const SelectionOptions& o);
/// Whether the pool carries a full column of outputs for at least two members.
bool has_member_columns(const CandidatePool& pool);
/// Thompson sampling: one ensemble member drawn per pick (see acquisition.cpp).
std::vector<std::size_t> thompson_picks(const CandidatePool& pool, const SelectionOptions& o);
/// Cluster: uncertainty-weighted k-means++ seeding over the most uncertain candidates
/// (`order`: the pool ranked by uncertainty).
std::vector<std::size_t> kmeanspp_picks(const CandidatePool& pool,
                                        const std::vector<std::size_t>& order,
                                        const SelectionOptions& o);

} // namespace labelloop::detail
