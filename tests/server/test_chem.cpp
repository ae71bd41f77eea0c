// The server's chemistry seam (RDKit C++ + libinchi): canonical SMILES, InChIKeys (with
// stereochemistry), fingerprints, descriptors, scaffolds, and precise errors.
#include "chem/chem.hpp"

#include <catch2/catch.hpp>

using labelloop::chem::ChemError;
using labelloop::chem::parse_compound;

TEST_CASE("known molecules get their standard InChIKeys", "[chem][inchi]") {
    CHECK(parse_compound("CCO").inchikey == "LFQSCWFLJHTTHZ-UHFFFAOYSA-N");
    CHECK(parse_compound("c1ccccc1").inchikey == "UHOVQNZJYSORNB-UHFFFAOYSA-N");
    CHECK(parse_compound("CC(=O)Oc1ccccc1C(=O)O").inchikey == "BSYNRYMUTXBXSQ-UHFFFAOYSA-N");
    // Stereocentres and double-bond geometry reach InChI through 2D coordinates + wedges.
    CHECK(parse_compound("N[C@@H](C)C(=O)O").inchikey == "QNAYBMKLOCPYGJ-REOHCLBHSA-N");
    CHECK(parse_compound("N[C@H](C)C(=O)O").inchikey == "QNAYBMKLOCPYGJ-UWTATZPHSA-N");
    CHECK(parse_compound("C/C=C/C").inchikey == "IAQRGUVFOMOMEM-ONEGZZNKSA-N");
    CHECK(parse_compound("C/C=C\\C").inchikey == "IAQRGUVFOMOMEM-ARJAWSKDSA-N");
    // Charges.
    CHECK(parse_compound("C[N+](C)(C)C").inchikey == "QEMXHQIAXOOASZ-UHFFFAOYSA-N");
}

TEST_CASE("different spellings of one molecule canonicalize alike", "[chem]") {
    const auto a = parse_compound("OCC");
    const auto b = parse_compound("  CCO\r\n");
    CHECK(a.canonical_smiles == "CCO");
    CHECK(b.canonical_smiles == "CCO");
    CHECK(a.inchikey == b.inchikey);
    CHECK(a.fingerprint == b.fingerprint);
    const auto kekule = parse_compound("C1=CC=CC=C1");
    CHECK(kekule.canonical_smiles == "c1ccccc1");
    CHECK(kekule.inchikey == parse_compound("c1ccccc1").inchikey);
}

TEST_CASE("fingerprints, descriptors, properties and scaffolds are computed", "[chem]") {
    const auto aspirin = parse_compound("CC(=O)Oc1ccccc1C(=O)O");
    CHECK(aspirin.fingerprint.popcount() > 10);
    CHECK(aspirin.fingerprint.popcount() < 60);
    CHECK(aspirin.descriptors.size() == labelloop::chem::rdkit_descriptor_names().size());
    CHECK(aspirin.descriptor_values({"exactmw"}).at(0) == Approx(180.0423).epsilon(1e-6));
    CHECK(aspirin.descriptor_values({"NumHBD", "NumRotatableBonds"}) == std::vector<double>{1, 2});
    CHECK_THROWS_WITH(aspirin.descriptor_values({"NoSuchDescriptor"}),
                      "RDKit does not compute a descriptor named 'NoSuchDescriptor'");
    CHECK(aspirin.properties["tpsa"].get<double>() == Approx(63.6).epsilon(1e-3));
    CHECK(aspirin.scaffold_smiles == "c1ccccc1");
    CHECK(parse_compound("CCCC").scaffold_smiles.empty());
    const auto features = aspirin.model_features();
    CHECK(features.fingerprint == aspirin.fingerprint);
    REQUIRE(features.descriptors.size() == labelloop::kModelDescriptorNames.size());
    CHECK(features.descriptors.at(0) ==
          aspirin.descriptor_values({std::string(labelloop::kModelDescriptorNames[0])}).at(0));
    // Different molecules, different bits.
    CHECK(aspirin.fingerprint != parse_compound("c1ccccc1").fingerprint);
}

TEST_CASE("unusable SMILES are rejected with the reason", "[chem][errors]") {
    CHECK_THROWS_AS(parse_compound(""), ChemError);
    CHECK_THROWS_WITH(parse_compound("   "), "the SMILES is empty");
    CHECK_THROWS_WITH(parse_compound("C1CC"), Catch::Contains("SMILES 'C1CC' could not be parsed"));
    CHECK_THROWS_WITH(parse_compound("CC(C"), Catch::Contains("could not be parsed"));
    CHECK_THROWS_WITH(parse_compound("C(C)(C)(C)(C)C"),
                      Catch::Contains("is not a valid structure") && Catch::Contains("valence"));
    CHECK_THROWS_WITH(parse_compound("Xx"), Catch::Contains("could not be parsed"));
}

TEST_CASE("molecule graphs come from RDKit's JSON of the parsed SMILES", "[chem][graph]") {
    // Aspirin: 13 heavy atoms, 13 bonds, one aromatic ring of 6 ring bonds.
    const auto aspirin = labelloop::chem::molecule_graph(" CC(=O)Oc1ccccc1C(=O)O\n");
    CHECK(aspirin.n_atoms == 13);
    CHECK(aspirin.n_bonds() == 13);
    int ring_bonds = 0, aromatic_bonds = 0;
    for (std::size_t k = 0; k < aspirin.n_bonds(); ++k) {
        ring_bonds += aspirin.bond_row(k)[5];
        aromatic_bonds += aspirin.bond_row(k)[3];
    }
    CHECK(ring_bonds == 6);
    CHECK(aromatic_bonds == 6);
    // Written hydrogens are atoms in RDKit's JSON only when they must be (isotopes); either
    // way the graph holds heavy atoms.
    CHECK(labelloop::chem::molecule_graph("[2H]OC([H])([H])C").n_atoms == 3);
    CHECK(labelloop::chem::molecule_graph("[Na+].[Cl-]").n_edges() == 0);

    CHECK_THROWS_WITH(labelloop::chem::molecule_graph("C1CC"), Catch::Contains("'C1CC'"));
    std::string long_chain(300, 'C');
    CHECK_THROWS_WITH(labelloop::chem::molecule_graph(long_chain),
                      Catch::Contains("has no usable molecule graph: the molecule has 300 heavy "
                                      "atoms, more than the 256"));
}
