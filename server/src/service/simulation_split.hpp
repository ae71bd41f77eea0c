// How a simulation divides its pool per seed: the initial training set, and for the scaffold
// split the pool share whose Bemis-Murcko scaffolds the initial set never touches.
//
// Both splits keep one validation set for every seed and strategy (seed 42, --val of the
// compounds). random: model create's seeded shuffle. scaffold: scaffold_validation below, the
// rule of model create's scaffold split (whole Bemis-Murcko groups, each acyclic compound its
// own group, shuffled, then smallest first into validation until it holds the fraction) with
// groups keyed by scaffold SMILES and, for acyclic compounds, by their SMILES, so the choice
// does not depend on the database's random compound ids; no validation scaffold occurs in the
// pool at all.
//
// Per seed s, on the pool (every compound outside validation):
// - random: the initial set is --init compounds drawn at random (mt19937_64(1000 + s)).
// - scaffold: the pool's scaffold groups are shuffled (mt19937_64(2000 + s), groups first
//   ordered by scaffold SMILES so the draw does not depend on database order) and taken in
//   that order into the held-out share while the share stays within held_out x pool size
//   (a group that would overshoot is skipped, a smaller later one may still fit). The
//   initial set is --init compounds drawn at random (mt19937_64(1000 + s)) from the rest. The
//   held-out compounds stay candidates for selection from the first cycle on, but at the start
//   the model has seen none of their scaffolds (nor the validation scaffolds).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace labelloop::service {

struct PoolSplit {
    std::vector<std::size_t> init;     // pool indices, increasing
    std::vector<std::size_t> held_out; // pool indices, increasing (scaffold split only)
};

/// The grouping key of a compound for scaffold splits: its scaffold SMILES, or for an acyclic
/// compound (empty scaffold) a key of its own made from its SMILES.
std::string scaffold_key(const std::string& scaffold, const std::string& smiles);

/// Which compounds (by `keys`, one scaffold_key each) form the validation set of a scaffold
/// split: round(fraction x n) or a little more, whole groups, as described above.
std::vector<bool> scaffold_validation(const std::vector<std::string>& keys, double fraction,
                                      std::uint64_t seed);

/// `keys`: scaffold_key per pool compound. Throws std::invalid_argument when the compounds
/// outside the held-out share are fewer than `init`.
PoolSplit draw_pool_split(const std::vector<std::string>& keys, const std::string& split,
                          double held_out, std::size_t init, std::uint64_t seed);

} // namespace labelloop::service
