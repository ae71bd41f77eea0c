// MDL mol blocks (with 2D coordinates) for SDF export, written by RDKit C++.
#pragma once

#include <string>

namespace labelloop::service {

/// The V2000 mol block of a SMILES with 2D coordinates, ending in "M  END\n"; the first line
/// is `title`. Throws std::invalid_argument when RDKit cannot parse the SMILES.
std::string molblock_for(const std::string& smiles, const std::string& title);

} // namespace labelloop::service
