// The server's chemistry seam (RDKit C++ from Debian): parse and canonicalize a SMILES,
// compute its InChIKey (libinchi), Morgan fingerprint, RDKit 2D descriptors and Bemis-Murcko
// scaffold. The browser computes the same fingerprints and descriptors with RDKit
// MinimalLib; tests/parity proves they agree.
#pragma once

#include "labelloop/features.hpp"
#include "labelloop/fingerprint.hpp"
#include "labelloop/mol_graph.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace labelloop::chem {

/// A structure that cannot be used, with the reason in words ("SMILES 'C1CC' could not be
/// parsed: unclosed ring").
class ChemError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ParsedCompound {
    std::string canonical_smiles;
    std::string inchikey;
    Fingerprint fingerprint; // Morgan, radius 2, 2048 bits
    /// Every RDKit 2D descriptor (RDKit::Descriptors::Properties), in RDKit's order, by name.
    std::vector<std::pair<std::string, double>> descriptors;
    /// Bemis-Murcko scaffold as canonical SMILES ("" for acyclic molecules).
    std::string scaffold_smiles;
    /// Properties a scientist reads (MW, cLogP, TPSA, HBD, HBA, rotatable bonds, ...).
    nlohmann::json properties;

    /// The descriptor values named in `names`, in that order. Throws ChemError for a name
    /// RDKit does not compute.
    std::vector<double> descriptor_values(const std::vector<std::string>& names) const;

    /// What the models consume: the fingerprint + labelloop::kModelDescriptorNames, in order.
    Features model_features() const;
};

/// Parses one SMILES. Throws ChemError (empty input, syntax error, valence error, a
/// structure InChI cannot represent...). Thread-safe.
ParsedCompound parse_compound(std::string_view smiles);

/// RDKit's JSON of the parsed molecule (MolInterchange::MolToJSONData, "commonchem"): what the
/// browser gets from MinimalLib's get_json() for the same SMILES. Throws ChemError.
std::string molecule_json(std::string_view smiles);

/// The molecule graph a message-passing network reads (labelloop/mol_graph.hpp), built from
/// molecule_json() exactly as the browser builds it. Throws ChemError, naming the SMILES, for
/// a structure RDKit refuses or a graph that cannot be built (e.g. too many atoms).
MolGraph molecule_graph(std::string_view smiles);

/// The names of RDKit::Descriptors::Properties, in order (43 in RDKit 2022.09).
const std::vector<std::string>& rdkit_descriptor_names();

/// RDKit's version string, for reports.
std::string rdkit_version();

} // namespace labelloop::chem
