// `labelloop simulate`: a retrospective active-learning simulation on a labeled CSV file
// (see service/simulation.hpp), writing curves, a plot and a per-strategy report.
#pragma once

#include <string>
#include <vector>

namespace labelloop::cli {

extern const char* const kSimulateUsage;

/// `labelloop simulate --data FILE --smiles COL --target COL --task regression|classification
///  --strategy NAME[,NAME...] --batch B --cycles C --init N --seeds S [--val F]
///  [--split random|scaffold] [--held-out F] [--out DIR] [--members M] [--threshold T]
///  [--objective maximize|minimize|window:LO:HI|class:C] [--beta B] [--params JSON]`
int run_simulate_command(const std::vector<std::string>& args);

} // namespace labelloop::cli
