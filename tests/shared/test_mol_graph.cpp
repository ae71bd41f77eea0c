// Molecule graphs for message passing: features by hand for small molecules (from RDKit
// 2022.09's MolToJSON, pasted), hydrogen folding, ring bonds from the graph, salts, single
// atoms, and the refusals.
#include "labelloop/mol_graph.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace labelloop;

namespace {

// Feature indices, spelled out once so each expectation below reads as chemistry.
constexpr std::size_t C = 1, N = 2, O = 3, H_ALONE = 12, OTHER = 13;
constexpr std::size_t DEG = 14, CHG0 = 21 + 2, HS = 26, AROM = 31, RING = 32, CCW = 34,
                      RADICAL = 35;
constexpr std::size_t SINGLE = 0, DOUBLE = 1, AROMATIC = 3, BRING = 5, CIS = 6;

std::set<std::size_t> atom_on(const MolGraph& g, std::size_t atom) {
    std::set<std::size_t> on;
    for (std::size_t f = 0; f < kAtomFeatureCount; ++f) {
        if (g.atom_row(atom)[f] != 0) {
            on.insert(f);
        }
    }
    return on;
}

std::set<std::size_t> bond_on(const MolGraph& g, std::size_t bond) {
    std::set<std::size_t> on;
    for (std::size_t f = 0; f < kBondFeatureCount; ++f) {
        if (g.bond_row(bond)[f] != 0) {
            on.insert(f);
        }
    }
    return on;
}

const char* kDefaults =
    R"("defaults":{"atom":{"z":6,"impHs":0,"chg":0,"nRad":0,"isotope":0,"stereo":"unspecified"},)"
    R"("bond":{"bo":1,"stereo":"unspecified"}},)";

std::string rdkit_json(const std::string& molecule) {
    return std::string(R"({"commonchem":{"version":10},)") + kDefaults + R"("molecules":[)" +
           molecule + "]}";
}

} // namespace

TEST_CASE("the feature layout adds up", "[mol_graph]") {
    CHECK(kAtomFeatureCount == 36);
    CHECK(kBondFeatureCount == 8);
}

TEST_CASE("pyrrole: aromatic ring atoms and bonds, hydrogens, degrees", "[mol_graph]") {
    // c1ccc[nH]1
    const auto g = mol_graph_from_rdkit_json(rdkit_json(
        R"({"atoms":[{"impHs":1},{"impHs":1},{"impHs":1},{"impHs":1},{"z":7,"impHs":1}],)"
        R"("bonds":[{"bo":2,"atoms":[0,1]},{"atoms":[1,2]},{"bo":2,"atoms":[2,3]},{"atoms":[3,4]},)"
        R"({"atoms":[4,0]}],"extensions":[{"name":"rdkitRepresentation","formatVersion":2,)"
        R"("aromaticAtoms":[0,1,2,3,4],"aromaticBonds":[0,1,2,3,4],"atomRings":[[0,1,2,3,4]]}]})"));
    REQUIRE(g.n_atoms == 5);
    REQUIRE(g.n_bonds() == 5);
    REQUIRE(g.n_edges() == 10);
    CHECK(atom_on(g, 0) == std::set<std::size_t>{C, DEG + 2, CHG0, HS + 1, AROM, RING});
    CHECK(atom_on(g, 4) == std::set<std::size_t>{N, DEG + 2, CHG0, HS + 1, AROM, RING});
    for (std::size_t k = 0; k < 5; ++k) {
        CHECK(bond_on(g, k) == std::set<std::size_t>{AROMATIC, BRING});
        // Edge 2k runs begin -> end, 2k + 1 back.
        CHECK(g.edge_source[2 * k] == g.edge_target[2 * k + 1]);
        CHECK(g.edge_target[2 * k] == g.edge_source[2 * k + 1]);
    }
    CHECK(g.edge_source[8] == 4);
    CHECK(g.edge_target[8] == 0);
}

TEST_CASE("methylcyclopropane: ring bonds from the graph, the side chain is not in a ring",
          "[mol_graph]") {
    // C1CC1CC, with RDKit's atomRings left out: the graph alone decides.
    const auto g = mol_graph_from_rdkit_json(
        rdkit_json(R"({"atoms":[{"impHs":2},{"impHs":2},{"impHs":1},{"impHs":2},{"impHs":3}],)"
                   R"("bonds":[{"atoms":[0,1]},{"atoms":[1,2]},{"atoms":[2,3]},{"atoms":[3,4]},)"
                   R"({"atoms":[2,0]}]})"));
    CHECK(bond_on(g, 0) == std::set<std::size_t>{SINGLE, BRING});
    CHECK(bond_on(g, 1) == std::set<std::size_t>{SINGLE, BRING});
    CHECK(bond_on(g, 2) == std::set<std::size_t>{SINGLE});
    CHECK(bond_on(g, 3) == std::set<std::size_t>{SINGLE});
    CHECK(bond_on(g, 4) == std::set<std::size_t>{SINGLE, BRING});
    CHECK(atom_on(g, 2) == std::set<std::size_t>{C, DEG + 3, CHG0, HS + 1, RING});
    CHECK(atom_on(g, 3) == std::set<std::size_t>{C, DEG + 2, CHG0, HS + 2});
    CHECK(atom_on(g, 4) == std::set<std::size_t>{C, DEG + 1, CHG0, HS + 3});
}

TEST_CASE("two rings joined by a chain: only the chain bonds are bridges", "[mol_graph]") {
    // c1ccccc1CCC1CC1 as a plain graph: 6-ring, 2-bond chain, 3-ring.
    std::vector<GraphAtom> atoms(11);
    std::vector<GraphBond> bonds;
    for (std::uint32_t i = 0; i < 6; ++i) {
        bonds.push_back({i, (i + 1) % 6});
    }
    bonds.push_back({5, 6});
    bonds.push_back({6, 7});
    bonds.push_back({7, 8});
    bonds.push_back({8, 9});
    bonds.push_back({9, 10});
    bonds.push_back({10, 8});
    const auto g = build_mol_graph(atoms, bonds);
    for (std::size_t k = 0; k < bonds.size(); ++k) {
        INFO("bond " << k);
        const bool ring = k < 6 || k >= 9;
        CHECK((g.bond_row(k)[BRING] == 1) == ring);
    }
    CHECK(g.atom_row(6)[RING] == 0);
    CHECK(g.atom_row(5)[RING] == 1);
    CHECK(g.atom_row(8)[RING] == 1);
}

TEST_CASE("explicit hydrogens fold into their neighbour, H2 keeps its atoms", "[mol_graph]") {
    // [2H]OC([H])([H])C: RDKit keeps the deuterium and the two written hydrogens as atoms.
    std::vector<GraphAtom> atoms{{1, 0, 0, 0, 0}, {8, 0, 0, 0, 0}, {6, 0, 0, 0, 0},
                                 {1, 0, 0, 0, 0}, {1, 0, 0, 0, 0}, {6, 0, 3, 0, 0}};
    std::vector<GraphBond> bonds{{0, 1}, {1, 2}, {2, 3}, {2, 4}, {2, 5}};
    const auto g = build_mol_graph(atoms, bonds);
    REQUIRE(g.n_atoms == 3);
    REQUIRE(g.n_bonds() == 2);
    CHECK(atom_on(g, 0) == std::set<std::size_t>{O, DEG + 1, CHG0, HS + 1});
    CHECK(atom_on(g, 1) == std::set<std::size_t>{C, DEG + 2, CHG0, HS + 2});
    CHECK(g.edge_source[0] == 0);
    CHECK(g.edge_target[0] == 1);

    const auto h2 = mol_graph_from_rdkit_json(
        rdkit_json(R"({"atoms":[{"z":1},{"z":1}],"bonds":[{"atoms":[0,1]}]})"));
    REQUIRE(h2.n_atoms == 2);
    CHECK(atom_on(h2, 0) == std::set<std::size_t>{H_ALONE, DEG + 1, CHG0, HS + 0});
}

TEST_CASE("a salt is one graph of several parts, a lone atom has no edges", "[mol_graph]") {
    // CC(=O)[O-].[Na+]
    const auto salt = mol_graph_from_rdkit_json(
        rdkit_json(R"({"atoms":[{"impHs":3},{},{"z":8},{"z":8,"chg":-1},{"z":11,"chg":1}],)"
                   R"("bonds":[{"atoms":[0,1]},{"bo":2,"atoms":[1,2]},{"atoms":[1,3]}]})"));
    REQUIRE(salt.n_atoms == 5);
    CHECK(salt.n_bonds() == 3);
    CHECK(bond_on(salt, 1) == std::set<std::size_t>{DOUBLE});
    CHECK(atom_on(salt, 3) == std::set<std::size_t>{O, DEG + 1, CHG0 - 1, HS + 0});
    CHECK(atom_on(salt, 4) == std::set<std::size_t>{OTHER, DEG + 0, CHG0 + 1, HS + 0});

    // [CH3] radical; C (methane) has four hydrogens.
    const auto methyl =
        mol_graph_from_rdkit_json(rdkit_json(R"({"atoms":[{"impHs":3,"nRad":1}],"bonds":[]})"));
    CHECK(methyl.n_edges() == 0);
    CHECK(atom_on(methyl, 0) == std::set<std::size_t>{C, DEG + 0, CHG0, HS + 3, RADICAL});
    const auto methane =
        mol_graph_from_rdkit_json(rdkit_json(R"({"atoms":[{"impHs":4}],"bonds":[]})"));
    CHECK(atom_on(methane, 0) == std::set<std::size_t>{C, DEG + 0, CHG0, HS + 4});

    // [Cu]I as RDKit 2022.09 writes it (a radical electron on copper; later releases write
    // none): a metal's radical count is not a feature, so both releases give one graph.
    const auto copper_iodide = mol_graph_from_rdkit_json(
        rdkit_json(R"({"atoms":[{"z":29,"nRad":1},{"z":53}],"bonds":[{"atoms":[0,1]}]})"));
    CHECK(atom_on(copper_iodide, 0) == std::set<std::size_t>{OTHER, DEG + 1, CHG0, HS + 0});
}

TEST_CASE("stereo: atom parity and double-bond cis / trans", "[mol_graph]") {
    // C/C=C\C (cis) and C[C@H](N)O
    const auto butene = mol_graph_from_rdkit_json(rdkit_json(
        R"({"atoms":[{"impHs":3},{"impHs":1},{"impHs":1},{"impHs":3}],"bonds":[{"atoms":[0,1]},)"
        R"({"bo":2,"atoms":[1,2],"stereo":"cis","stereoAtoms":[0,3]},{"atoms":[2,3]}]})"));
    CHECK(bond_on(butene, 1) == std::set<std::size_t>{DOUBLE, CIS});
    const auto chiral = mol_graph_from_rdkit_json(rdkit_json(
        R"({"atoms":[{"impHs":3},{"impHs":1,"stereo":"ccw"},{"z":7,"impHs":2},{"z":8,"impHs":1}],)"
        R"("bonds":[{"atoms":[0,1]},{"atoms":[1,2]},{"atoms":[1,3]}]})"));
    CHECK(atom_on(chiral, 1) == std::set<std::size_t>{C, DEG + 3, CHG0, HS + 1, CCW});
}

TEST_CASE("MinimalLib's rdkitjson header reads like commonchem", "[mol_graph]") {
    const std::string body = std::string(kDefaults) +
                             R"("molecules":[{"atoms":[{"z":8,"impHs":1},{"impHs":2},{"impHs":3}],)"
                             R"("bonds":[{"atoms":[0,1]},{"atoms":[1,2]}]}]})";
    const auto a = mol_graph_from_rdkit_json(R"({"rdkitjson":{"version":12},)" + body);
    const auto b = mol_graph_from_rdkit_json(R"({"commonchem":{"version":10},)" + body);
    CHECK(a == b);
    CHECK(a.n_atoms == 3);
}

TEST_CASE("graphs that cannot be built are refused with the reason", "[mol_graph]") {
    CHECK_THROWS_WITH(mol_graph_from_rdkit_json("not json"),
                      Catch::Contains("the molecule JSON does not parse"));
    CHECK_THROWS_WITH(mol_graph_from_rdkit_json(R"({"molecules":[]})"),
                      Catch::Contains("not RDKit's"));
    CHECK_THROWS_WITH(mol_graph_from_rdkit_json(rdkit_json(R"({"atoms":[],"bonds":[]})")),
                      "the molecule has no atoms");
    CHECK_THROWS_WITH(
        mol_graph_from_rdkit_json(rdkit_json(R"({"atoms":[{}],"bonds":[{"atoms":[0,3]}]})")),
        "a bond names atom 3 of a molecule with 1 atoms");
    CHECK_THROWS_WITH(
        mol_graph_from_rdkit_json(rdkit_json(R"({"atoms":[{}],"bonds":[{"atoms":[0]}]})")),
        "a bond of the molecule JSON does not name two atoms");
    CHECK_THROWS_WITH(mol_graph_from_rdkit_json(rdkit_json(R"({"atoms":[{"z":"six"}]})")),
                      Catch::Contains("the molecule JSON is malformed"));
    CHECK_THROWS_WITH(build_mol_graph({GraphAtom{}}, {GraphBond{0, 0}}),
                      "a bond joins atom 0 to itself");

    std::vector<GraphAtom> chain(kMaxGraphAtoms + 1);
    std::vector<GraphBond> bonds;
    for (std::uint32_t i = 0; i + 1 < chain.size(); ++i) {
        bonds.push_back({i, i + 1});
    }
    CHECK_THROWS_WITH(build_mol_graph(chain, bonds),
                      "the molecule has 257 heavy atoms, more than the 256 a molecule graph "
                      "may hold");
    chain.pop_back();
    bonds.pop_back();
    CHECK(build_mol_graph(chain, bonds).n_atoms == kMaxGraphAtoms);
}
