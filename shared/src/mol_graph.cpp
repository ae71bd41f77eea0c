#include "labelloop/mol_graph.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <sstream>
#include <type_traits>

namespace labelloop {

namespace {

constexpr std::size_t kDegreeOffset = kAtomElementSlots;
constexpr std::size_t kChargeOffset = kDegreeOffset + kAtomDegreeSlots;
constexpr std::size_t kHydrogenOffset = kChargeOffset + kAtomChargeSlots;
constexpr std::size_t kFlagOffset = kHydrogenOffset + kAtomHydrogenSlots;
constexpr std::size_t kAromaticFlag = kFlagOffset;
constexpr std::size_t kRingFlag = kFlagOffset + 1;
constexpr std::size_t kChiralCwFlag = kFlagOffset + 2;
constexpr std::size_t kChiralCcwFlag = kFlagOffset + 3;
constexpr std::size_t kRadicalFlag = kFlagOffset + 4;

constexpr std::size_t kBondRingFlag = 5;
constexpr std::size_t kBondCisFlag = 6;
constexpr std::size_t kBondTransFlag = 7;

constexpr std::size_t kOtherElementSlot = 13;

std::size_t element_slot(int z) {
    switch (z) {
    case 5:
        return 0; // B
    case 6:
        return 1; // C
    case 7:
        return 2; // N
    case 8:
        return 3; // O
    case 9:
        return 4; // F
    case 14:
        return 5; // Si
    case 15:
        return 6; // P
    case 16:
        return 7; // S
    case 17:
        return 8; // Cl
    case 34:
        return 9; // Se
    case 35:
        return 10; // Br
    case 53:
        return 11; // I
    case 1:
        return 12; // H without a heavy neighbour
    default:
        return kOtherElementSlot;
    }
}

std::size_t clamp_slot(int value, int lowest, std::size_t slots) {
    const int i = value - lowest;
    if (i <= 0) {
        return 0;
    }
    return std::min(static_cast<std::size_t>(i), slots - 1);
}

/// Marks every bond that lies on a cycle: the bonds that are not bridges (Tarjan's
/// low-link over the undirected multigraph, iterative so deep chains cannot overflow the stack).
std::vector<bool> ring_bonds(std::size_t n_atoms, const std::vector<std::uint32_t>& from,
                             const std::vector<std::uint32_t>& to) {
    const std::size_t n_bonds = from.size();
    std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> adj(n_atoms);
    for (std::uint32_t b = 0; b < n_bonds; ++b) {
        adj[from[b]].emplace_back(to[b], b);
        adj[to[b]].emplace_back(from[b], b);
    }
    std::vector<bool> in_ring(n_bonds, true);
    std::vector<int> order(n_atoms, -1), low(n_atoms, 0);
    int counter = 0;
    struct Frame {
        std::uint32_t atom;
        std::uint32_t via_bond; // bond used to enter, or UINT32_MAX for a root
        std::size_t next = 0;
    };
    std::vector<Frame> stack;
    for (std::uint32_t root = 0; root < n_atoms; ++root) {
        if (order[root] >= 0) {
            continue;
        }
        order[root] = low[root] = counter++;
        stack.push_back({root, UINT32_MAX});
        while (!stack.empty()) {
            Frame& f = stack.back();
            if (f.next < adj[f.atom].size()) {
                const auto [other, bond] = adj[f.atom][f.next++];
                if (bond == f.via_bond) {
                    continue;
                }
                if (order[other] < 0) {
                    order[other] = low[other] = counter++;
                    stack.push_back({other, bond});
                } else {
                    low[f.atom] = std::min(low[f.atom], order[other]);
                }
                continue;
            }
            const Frame done = f;
            stack.pop_back();
            if (!stack.empty()) {
                const std::uint32_t parent = stack.back().atom;
                low[parent] = std::min(low[parent], low[done.atom]);
                if (low[done.atom] > order[parent]) {
                    in_ring[done.via_bond] = false; // a bridge
                }
            }
        }
    }
    return in_ring;
}

} // namespace

MolGraph build_mol_graph(const std::vector<GraphAtom>& atoms, const std::vector<GraphBond>& bonds) {
    if (atoms.empty()) {
        throw GraphError("the molecule has no atoms");
    }
    const std::size_t n_in = atoms.size();
    for (const auto& b : bonds) {
        if (b.begin >= n_in || b.end >= n_in) {
            throw GraphError("a bond names atom " + std::to_string(std::max(b.begin, b.end)) +
                             " of a molecule with " + std::to_string(n_in) + " atoms");
        }
        if (b.begin == b.end) {
            throw GraphError("a bond joins atom " + std::to_string(b.begin) + " to itself");
        }
    }
    // Hydrogens bonded to a heavy atom fold into its hydrogen count.
    std::vector<int> hydrogens(n_in, 0);
    std::vector<bool> folded(n_in, false);
    for (const auto& b : bonds) {
        const bool h_begin = atoms[b.begin].atomic_number == 1;
        const bool h_end = atoms[b.end].atomic_number == 1;
        if (h_begin && !h_end) {
            folded[b.begin] = true;
        } else if (h_end && !h_begin) {
            folded[b.end] = true;
        }
    }
    for (const auto& b : bonds) {
        if (folded[b.begin] && !folded[b.end]) {
            ++hydrogens[b.end];
        } else if (folded[b.end] && !folded[b.begin]) {
            ++hydrogens[b.begin];
        }
    }
    std::vector<std::uint32_t> index(n_in, UINT32_MAX);
    std::uint32_t n_atoms = 0;
    for (std::size_t i = 0; i < n_in; ++i) {
        if (!folded[i]) {
            index[i] = n_atoms++;
        }
    }
    if (n_atoms > kMaxGraphAtoms) {
        throw GraphError("the molecule has " + std::to_string(n_atoms) +
                         " heavy atoms, more than the " + std::to_string(kMaxGraphAtoms) +
                         " a molecule graph may hold");
    }

    MolGraph g;
    g.n_atoms = n_atoms;
    std::vector<std::uint32_t> from, to;
    std::vector<const GraphBond*> kept;
    for (const auto& b : bonds) {
        if (folded[b.begin] || folded[b.end]) {
            continue;
        }
        from.push_back(index[b.begin]);
        to.push_back(index[b.end]);
        kept.push_back(&b);
    }
    const std::vector<bool> in_ring = ring_bonds(n_atoms, from, to);
    std::vector<int> degree(n_atoms, 0);
    std::vector<bool> atom_in_ring(n_atoms, false);
    g.bond_features.assign(kept.size() * kBondFeatureCount, 0);
    for (std::size_t k = 0; k < kept.size(); ++k) {
        ++degree[from[k]];
        ++degree[to[k]];
        std::uint8_t* row = g.bond_features.data() + k * kBondFeatureCount;
        const GraphBond& b = *kept[k];
        std::size_t order_slot = 4;
        if (b.aromatic) {
            order_slot = 3;
        } else if (b.order >= 1 && b.order <= 3) {
            order_slot = static_cast<std::size_t>(b.order - 1);
        }
        row[order_slot] = 1;
        if (in_ring[k]) {
            row[kBondRingFlag] = 1;
            atom_in_ring[from[k]] = atom_in_ring[to[k]] = true;
        }
        if (b.stereo == 1) {
            row[kBondCisFlag] = 1;
        } else if (b.stereo == 2) {
            row[kBondTransFlag] = 1;
        }
        g.edge_source.push_back(from[k]);
        g.edge_target.push_back(to[k]);
        g.edge_source.push_back(to[k]);
        g.edge_target.push_back(from[k]);
    }
    g.atom_features.assign(static_cast<std::size_t>(n_atoms) * kAtomFeatureCount, 0);
    for (std::size_t i = 0; i < n_in; ++i) {
        if (folded[i]) {
            continue;
        }
        const GraphAtom& a = atoms[i];
        const std::uint32_t j = index[i];
        std::uint8_t* row =
            g.atom_features.data() + static_cast<std::size_t>(j) * kAtomFeatureCount;
        row[element_slot(a.atomic_number)] = 1;
        row[kDegreeOffset + clamp_slot(degree[j], 0, kAtomDegreeSlots)] = 1;
        row[kChargeOffset + clamp_slot(a.formal_charge, -2, kAtomChargeSlots)] = 1;
        row[kHydrogenOffset +
            clamp_slot(a.implicit_hydrogens + hydrogens[i], 0, kAtomHydrogenSlots)] = 1;
        row[kAromaticFlag] = a.aromatic ? 1 : 0;
        row[kRingFlag] = atom_in_ring[j] ? 1 : 0;
        row[kChiralCwFlag] = a.chirality == 1 ? 1 : 0;
        row[kChiralCcwFlag] = a.chirality == 2 ? 1 : 0;
        // Only for the named elements: RDKit releases disagree on radical electrons of metals
        // ([Cu]I has one in 2022.09 and none in 2025+), so an "other" element never sets it.
        row[kRadicalFlag] =
            a.radical_electrons > 0 && element_slot(a.atomic_number) != kOtherElementSlot ? 1 : 0;
    }
    return g;
}

MolGraph mol_graph_from_rdkit_json(std::string_view json) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(json);
    } catch (const nlohmann::json::exception& e) {
        throw GraphError(std::string("the molecule JSON does not parse: ") + e.what());
    }
    if (!doc.is_object() || !(doc.contains("commonchem") || doc.contains("rdkitjson")) ||
        !doc.contains("molecules") || !doc["molecules"].is_array() || doc["molecules"].empty()) {
        throw GraphError("the molecule JSON is not RDKit's (no commonchem / rdkitjson header "
                         "or no molecule)");
    }
    const nlohmann::json defaults = doc.value("defaults", nlohmann::json::object());
    const nlohmann::json atom_defaults = defaults.value("atom", nlohmann::json::object());
    const nlohmann::json bond_defaults = defaults.value("bond", nlohmann::json::object());
    const nlohmann::json& mol = doc["molecules"][0];
    try {
        const auto field = [](const nlohmann::json& item, const nlohmann::json& fallback,
                              const char* name, const auto& otherwise) {
            using T = std::decay_t<decltype(otherwise)>;
            if (item.contains(name)) {
                return item[name].get<T>();
            }
            return fallback.contains(name) ? fallback[name].get<T>() : otherwise;
        };
        std::vector<GraphAtom> atoms;
        for (const auto& a : mol.value("atoms", nlohmann::json::array())) {
            GraphAtom atom;
            atom.atomic_number = field(a, atom_defaults, "z", 6);
            atom.formal_charge = field(a, atom_defaults, "chg", 0);
            atom.implicit_hydrogens = field(a, atom_defaults, "impHs", 0);
            atom.radical_electrons = field(a, atom_defaults, "nRad", 0);
            const std::string stereo = field(a, atom_defaults, "stereo", std::string());
            atom.chirality = stereo == "cw" ? 1 : stereo == "ccw" ? 2 : 0;
            atoms.push_back(atom);
        }
        std::vector<GraphBond> bonds;
        for (const auto& b : mol.value("bonds", nlohmann::json::array())) {
            const auto& ends = b.at("atoms");
            if (!ends.is_array() || ends.size() != 2) {
                throw GraphError("a bond of the molecule JSON does not name two atoms");
            }
            GraphBond bond;
            bond.begin = ends[0].get<std::uint32_t>();
            bond.end = ends[1].get<std::uint32_t>();
            bond.order = field(b, bond_defaults, "bo", 1);
            const std::string stereo = field(b, bond_defaults, "stereo", std::string());
            bond.stereo = stereo == "cis" ? 1 : stereo == "trans" ? 2 : 0;
            bonds.push_back(bond);
        }
        for (const auto& ext : mol.value("extensions", nlohmann::json::array())) {
            if (ext.value("name", "") != "rdkitRepresentation") {
                continue;
            }
            for (const auto& a : ext.value("aromaticAtoms", nlohmann::json::array())) {
                const auto i = a.get<std::size_t>();
                if (i >= atoms.size()) {
                    throw GraphError("the molecule JSON flags atom " + std::to_string(i) +
                                     " aromatic, but it has " + std::to_string(atoms.size()) +
                                     " atoms");
                }
                atoms[i].aromatic = true;
            }
            for (const auto& b : ext.value("aromaticBonds", nlohmann::json::array())) {
                const auto k = b.get<std::size_t>();
                if (k >= bonds.size()) {
                    throw GraphError("the molecule JSON flags bond " + std::to_string(k) +
                                     " aromatic, but it has " + std::to_string(bonds.size()) +
                                     " bonds");
                }
                bonds[k].aromatic = true;
            }
        }
        return build_mol_graph(atoms, bonds);
    } catch (const nlohmann::json::exception& e) {
        throw GraphError(std::string("the molecule JSON is malformed: ") + e.what());
    }
}

std::string describe(const MolGraph& graph) {
    std::ostringstream out;
    out << graph.n_atoms << " atoms, " << graph.n_bonds() << " bonds\n";
    for (std::size_t i = 0; i < graph.n_atoms; ++i) {
        out << "atom " << i << ':';
        for (std::size_t f = 0; f < kAtomFeatureCount; ++f) {
            if (graph.atom_row(i)[f] != 0) {
                out << ' ' << f;
            }
        }
        out << '\n';
    }
    for (std::size_t k = 0; k < graph.n_bonds(); ++k) {
        out << "bond " << k << ' ' << graph.edge_source[2 * k] << '-' << graph.edge_target[2 * k]
            << ':';
        for (std::size_t f = 0; f < kBondFeatureCount; ++f) {
            if (graph.bond_row(k)[f] != 0) {
                out << ' ' << f;
            }
        }
        out << '\n';
    }
    return out.str();
}

} // namespace labelloop
