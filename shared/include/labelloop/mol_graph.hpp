// The molecule graph a message-passing network reads: heavy atoms with one-hot features, and
// each bond as a pair of directed edges with the bond's one-hot features.
//
// Both sides build it with the same parser from RDKit's own JSON of the molecule (the server
// from RDKit C++'s MolToJSON, the browser from RDKit MinimalLib's get_json()), so a network
// sees the same graph on the server and in the page; tests/server/test_graph_parity.cpp proves
// it over every data set. Only what that JSON states is used: element, formal charge,
// implicit and explicit hydrogens, radicals, atom parity (cw / ccw), bond order, aromaticity
// (RDKit's flags) and double-bond stereo. Ring membership is computed here from the graph
// (a bond is in a ring when it is not a bridge), so it does not depend on either RDKit's
// ring-set perception. Conjugation and hybridisation are not in the JSON and are not used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace labelloop {

/// A molecule the graph cannot be built for (no atoms, more than kMaxGraphAtoms heavy atoms,
/// JSON that is not RDKit's), with the reason in words.
class GraphError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Heavy atoms (hydrogens folded into their neighbour's count) a graph may hold.
inline constexpr std::size_t kMaxGraphAtoms = 256;

/// Atom feature layout (one-hot groups, in this order).
/// element: B C N O F Si P S Cl Se Br I, H (a hydrogen with no heavy neighbour), other
inline constexpr std::size_t kAtomElementSlots = 14;
/// heavy-atom degree 0, 1, 2, 3, 4, 5, 6 or more
inline constexpr std::size_t kAtomDegreeSlots = 7;
/// formal charge <= -2, -1, 0, +1, >= +2
inline constexpr std::size_t kAtomChargeSlots = 5;
/// hydrogens (implicit + explicit) 0, 1, 2, 3, 4 or more
inline constexpr std::size_t kAtomHydrogenSlots = 5;
/// then: aromatic, in a ring, chirality cw, chirality ccw, has radical electrons (named elements
/// only: RDKit releases disagree about radicals on metals)
inline constexpr std::size_t kAtomFlagSlots = 5;
inline constexpr std::size_t kAtomFeatureCount =
    kAtomElementSlots + kAtomDegreeSlots + kAtomChargeSlots + kAtomHydrogenSlots + kAtomFlagSlots;

/// Bond feature layout: single, double, triple, aromatic, other order; in a ring;
/// double-bond stereo cis (Z), trans (E).
inline constexpr std::size_t kBondFeatureCount = 8;

/// One atom as RDKit's JSON states it (before hydrogen folding).
struct GraphAtom {
    int atomic_number = 6;
    int formal_charge = 0;
    int implicit_hydrogens = 0;
    int radical_electrons = 0;
    /// 0 none, 1 cw, 2 ccw
    int chirality = 0;
    /// RDKit's aromaticity flag.
    bool aromatic = false;
};

/// One bond as RDKit's JSON states it.
struct GraphBond {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
    /// 1, 2, 3 (Kekulé form), anything else is "other" (0 for zero-order / dative).
    int order = 1;
    bool aromatic = false;
    /// 0 none / unknown, 1 cis, 2 trans
    int stereo = 0;
};

struct MolGraph {
    std::size_t n_atoms = 0;
    /// n_atoms x kAtomFeatureCount, row-major, each 0 or 1.
    std::vector<std::uint8_t> atom_features;
    /// Directed edges: edge 2k goes begin -> end of bond k, edge 2k + 1 end -> begin, so the
    /// reverse of edge e is e ^ 1.
    std::vector<std::uint32_t> edge_source;
    std::vector<std::uint32_t> edge_target;
    /// n_bonds x kBondFeatureCount, row-major, each 0 or 1 (one row per bond, shared by its
    /// two directed edges).
    std::vector<std::uint8_t> bond_features;

    std::size_t n_bonds() const { return bond_features.size() / kBondFeatureCount; }
    std::size_t n_edges() const { return edge_source.size(); }
    const std::uint8_t* atom_row(std::size_t atom) const {
        return atom_features.data() + atom * kAtomFeatureCount;
    }
    const std::uint8_t* bond_row(std::size_t bond) const {
        return bond_features.data() + bond * kBondFeatureCount;
    }
    bool operator==(const MolGraph& other) const {
        return n_atoms == other.n_atoms && atom_features == other.atom_features &&
               edge_source == other.edge_source && edge_target == other.edge_target &&
               bond_features == other.bond_features;
    }
    bool operator!=(const MolGraph& other) const { return !(*this == other); }
};

/// Builds the graph: hydrogens with a heavy neighbour are folded into that neighbour's
/// hydrogen count (and their bonds dropped); ring membership is computed; features encoded.
/// Several fragments (salts) stay one graph with several components; a single atom is a graph
/// without edges. Throws GraphError for no atoms, a bond naming a missing atom or itself, or
/// more than kMaxGraphAtoms heavy atoms.
MolGraph build_mol_graph(const std::vector<GraphAtom>& atoms, const std::vector<GraphBond>& bonds);

/// Parses RDKit's molecule JSON (RDKit C++ MolToJSON, "commonchem" version 10, or RDKit
/// MinimalLib get_json(), "rdkitjson" version 11+; the first molecule) and builds its graph.
/// Throws GraphError when the text is not such JSON or build_mol_graph refuses it.
MolGraph mol_graph_from_rdkit_json(std::string_view json);

/// A readable dump (one line per atom and bond) for test messages.
std::string describe(const MolGraph& graph);

} // namespace labelloop
