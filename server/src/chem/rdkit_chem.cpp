// RDKit C++ + libinchi implementation of the chemistry seam.
#include "chem/chem.hpp"

#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/Depictor/RDDepictor.h>
#include <GraphMol/Descriptors/Property.h>
#include <GraphMol/FileParsers/MolFileStereochem.h>
#include <GraphMol/Fingerprints/MorganGenerator.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolInterchange/MolInterchange.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/RDLog.h>
#include <RDGeneral/versions.h>
#include <inchi_api.h>

#include <DataStructs/ExplicitBitVect.h>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>

namespace labelloop::chem {
namespace {

// RDKit logs parse problems to stderr; we report them as values instead.
// (A LogStateSetter restores the previous state when destroyed: keep one for the process.)
void silence_rdkit_logs() {
    static const RDLog::LogStateSetter disable_all;
}

const RDKit::Descriptors::Properties& descriptor_calculator() {
    static const RDKit::Descriptors::Properties properties;
    return properties;
}

std::string quoted(std::string_view smiles) {
    constexpr std::size_t kShown = 80;
    std::string s(smiles.substr(0, kShown));
    if (smiles.size() > kShown) {
        s += "...";
    }
    return "'" + s + "'";
}

/// The SMILES without surrounding blanks; throws ChemError when nothing is left.
std::string_view trimmed_smiles(std::string_view smiles) {
    silence_rdkit_logs();
    while (!smiles.empty() && (smiles.front() == ' ' || smiles.front() == '\t')) {
        smiles.remove_prefix(1);
    }
    while (!smiles.empty() && (smiles.back() == ' ' || smiles.back() == '\t' ||
                               smiles.back() == '\r' || smiles.back() == '\n')) {
        smiles.remove_suffix(1);
    }
    if (smiles.empty()) {
        throw ChemError("the SMILES is empty");
    }
    return smiles;
}

std::unique_ptr<RDKit::RWMol> parse_and_sanitize(std::string_view smiles) {
    // The normal path is exactly RDKit's SmilesToMol (sanitize + stereo perception), so
    // descriptors match what RDKit users and MinimalLib compute.
    std::unique_ptr<RDKit::RWMol> mol;
    try {
        mol.reset(RDKit::SmilesToMol(std::string(smiles)));
    } catch (const std::exception& e) {
        throw ChemError("SMILES " + quoted(smiles) + " is not a valid structure: " + e.what());
    }
    if (mol) {
        if (mol->getNumAtoms() == 0) {
            throw ChemError("SMILES " + quoted(smiles) + " contains no atoms");
        }
        return mol;
    }
    // Failed: find out why, for the error message.
    RDKit::SmilesParserParams params;
    params.sanitize = false;
    std::unique_ptr<RDKit::RWMol> raw;
    try {
        raw.reset(RDKit::SmilesToMol(std::string(smiles), params));
    } catch (const std::exception& e) {
        throw ChemError("SMILES " + quoted(smiles) + " could not be parsed: " + e.what());
    }
    if (!raw) {
        throw ChemError("SMILES " + quoted(smiles) +
                        " could not be parsed (syntax error: check brackets, ring closures "
                        "and atom symbols)");
    }
    try {
        RDKit::MolOps::sanitizeMol(*raw);
    } catch (const std::exception& e) {
        throw ChemError("SMILES " + quoted(smiles) + " is not a valid structure: " + e.what());
    }
    throw ChemError("SMILES " + quoted(smiles) + " could not be parsed");
}

Fingerprint morgan_fingerprint(const RDKit::ROMol& mol) {
    thread_local std::unique_ptr<RDKit::FingerprintGenerator<std::uint64_t>> generator(
        RDKit::MorganFingerprint::getMorganGenerator<std::uint64_t>(2, false, false, true, false,
                                                                    nullptr, nullptr, 2048));
    std::unique_ptr<ExplicitBitVect> bits(generator->getFingerprint(mol));
    Fingerprint fp;
    for (unsigned i = 0; i < Fingerprint::kBits; ++i) {
        if (bits->getBit(i)) {
            fp.set(i);
        }
    }
    return fp;
}

/// Standard InChIKey through libinchi's structure API: Kekulé bonds, 2D coordinates and
/// wedge bonds carry stereochemistry exactly as a molfile would.
std::string inchikey_of(const RDKit::ROMol& input, std::string_view smiles) {
    RDKit::RWMol mol(input);
    RDKit::MolOps::Kekulize(mol, true);
    RDDepict::compute2DCoords(mol);
    const RDKit::Conformer& conf = mol.getConformer();
    // Wedge one bond per stereocentre, remembering which end is the stereocentre: InChI
    // reads a wedge from the atom it is listed on.
    std::map<unsigned, unsigned> wedge_start; // bond index -> stereocentre atom index
    for (const auto& [bond_idx, atom_idx] : RDKit::pickBondsToWedge(mol)) {
        RDKit::Bond* bond = mol.getBondWithIdx(static_cast<unsigned>(bond_idx));
        if (bond->getBondType() == RDKit::Bond::SINGLE) {
            RDKit::WedgeBond(bond, static_cast<unsigned>(atom_idx), &conf);
            wedge_start[bond->getIdx()] = static_cast<unsigned>(atom_idx);
        }
    }

    const unsigned n = mol.getNumAtoms();
    if (n >= 1024) {
        throw ChemError("SMILES " + quoted(smiles) + " has " + std::to_string(n) +
                        " atoms; InChI supports at most 1023");
    }
    std::vector<inchi_Atom> atoms(n);
    std::memset(atoms.data(), 0, sizeof(inchi_Atom) * n);
    for (const RDKit::Atom* atom : mol.atoms()) {
        inchi_Atom& a = atoms[atom->getIdx()];
        const auto& pos = conf.getAtomPos(atom->getIdx());
        a.x = pos.x;
        a.y = pos.y;
        a.z = 0.0;
        std::strncpy(a.elname, atom->getSymbol().c_str(), ATOM_EL_LEN - 1);
        a.num_iso_H[0] = static_cast<S_CHAR>(atom->getTotalNumHs());
        a.isotopic_mass = static_cast<AT_NUM>(atom->getIsotope());
        a.charge = static_cast<S_CHAR>(atom->getFormalCharge());
        switch (atom->getNumRadicalElectrons()) {
        case 0:
            a.radical = INCHI_RADICAL_NONE;
            break;
        case 1:
            a.radical = INCHI_RADICAL_DOUBLET;
            break;
        default:
            a.radical = INCHI_RADICAL_TRIPLET;
            break;
        }
    }
    for (const RDKit::Bond* bond : mol.bonds()) {
        // List each bond once: on its stereocentre when wedged, else on its begin atom.
        const auto wedge = wedge_start.find(bond->getIdx());
        const unsigned from = wedge != wedge_start.end() ? wedge->second : bond->getBeginAtomIdx();
        inchi_Atom& a = atoms[from];
        if (a.num_bonds >= MAXVAL) {
            throw ChemError("SMILES " + quoted(smiles) + " has an atom with more than " +
                            std::to_string(MAXVAL) + " bonds");
        }
        const int k = a.num_bonds++;
        a.neighbor[k] = static_cast<AT_NUM>(bond->getOtherAtomIdx(from));
        switch (bond->getBondType()) {
        case RDKit::Bond::SINGLE:
            a.bond_type[k] = INCHI_BOND_TYPE_SINGLE;
            break;
        case RDKit::Bond::DOUBLE:
            a.bond_type[k] = INCHI_BOND_TYPE_DOUBLE;
            break;
        case RDKit::Bond::TRIPLE:
            a.bond_type[k] = INCHI_BOND_TYPE_TRIPLE;
            break;
        case RDKit::Bond::AROMATIC:
            a.bond_type[k] = INCHI_BOND_TYPE_ALTERN;
            break;
        default:
            a.bond_type[k] = INCHI_BOND_TYPE_SINGLE;
            break;
        }
        switch (bond->getBondDir()) {
        case RDKit::Bond::BEGINWEDGE:
            a.bond_stereo[k] = INCHI_BOND_STEREO_SINGLE_1UP;
            break;
        case RDKit::Bond::BEGINDASH:
            a.bond_stereo[k] = INCHI_BOND_STEREO_SINGLE_1DOWN;
            break;
        case RDKit::Bond::UNKNOWN:
            a.bond_stereo[k] = INCHI_BOND_STEREO_SINGLE_1EITHER;
            break;
        default:
            a.bond_stereo[k] = INCHI_BOND_STEREO_NONE;
            break;
        }
        // A double bond whose geometry the SMILES leaves open must not get one from the
        // depiction's coordinates: mark it "either" (crossed), as a molfile would.
        if (bond->getBondType() == RDKit::Bond::DOUBLE &&
            (bond->getStereo() == RDKit::Bond::STEREOANY ||
             bond->getStereo() == RDKit::Bond::STEREONONE)) {
            a.bond_stereo[k] = INCHI_BOND_STEREO_DOUBLE_EITHER;
        }
    }

    inchi_Input in;
    std::memset(&in, 0, sizeof in);
    in.atom = atoms.data();
    in.num_atoms = static_cast<AT_NUM>(n);
    char options[] = "";
    in.szOptions = options;
    inchi_Output out;
    std::memset(&out, 0, sizeof out);

    // libinchi keeps global state: one structure at a time.
    static std::mutex inchi_mutex;
    std::string inchi;
    std::string message;
    int rc = 0;
    {
        std::lock_guard<std::mutex> lock(inchi_mutex);
        rc = GetStdINCHI(&in, &out);
        if (out.szInChI != nullptr) {
            inchi = out.szInChI;
        }
        if (out.szMessage != nullptr) {
            message = out.szMessage;
        }
        FreeStdINCHI(&out);
    }
    if ((rc != inchi_Ret_OKAY && rc != inchi_Ret_WARNING) || inchi.empty()) {
        throw ChemError("SMILES " + quoted(smiles) + ": InChI could not be computed" +
                        (message.empty() ? std::string() : " (" + message + ")"));
    }
    char key[32] = {0};
    char xtra1[72] = {0};
    char xtra2[72] = {0};
    if (GetINCHIKeyFromINCHI(inchi.c_str(), 0, 0, key, xtra1, xtra2) != INCHIKEY_OK) {
        throw ChemError("SMILES " + quoted(smiles) + ": InChIKey could not be computed");
    }
    return key;
}

std::string scaffold_of(const RDKit::ROMol& mol) {
    std::unique_ptr<RDKit::ROMol> scaffold(RDKit::MurckoDecompose(mol));
    if (!scaffold || scaffold->getNumAtoms() == 0) {
        return "";
    }
    return RDKit::MolToSmiles(*scaffold);
}

} // namespace

std::vector<double> ParsedCompound::descriptor_values(const std::vector<std::string>& names) const {
    std::vector<double> values;
    values.reserve(names.size());
    for (const auto& name : names) {
        bool found = false;
        for (const auto& [key, value] : descriptors) {
            if (key == name) {
                values.push_back(value);
                found = true;
                break;
            }
        }
        if (!found) {
            throw ChemError("RDKit does not compute a descriptor named '" + name + "'");
        }
    }
    return values;
}

Features ParsedCompound::model_features() const {
    static const std::vector<std::string> names(kModelDescriptorNames.begin(),
                                                kModelDescriptorNames.end());
    return Features{fingerprint, descriptor_values(names)};
}

const std::vector<std::string>& rdkit_descriptor_names() {
    static const std::vector<std::string> names = descriptor_calculator().getPropertyNames();
    return names;
}

std::string rdkit_version() {
    return RDKit::rdkitVersion;
}

ParsedCompound parse_compound(std::string_view smiles) {
    smiles = trimmed_smiles(smiles);
    const auto mol = parse_and_sanitize(smiles);

    ParsedCompound out;
    out.canonical_smiles = RDKit::MolToSmiles(*mol);
    out.fingerprint = morgan_fingerprint(*mol);
    const auto& names = rdkit_descriptor_names();
    const std::vector<double> values = descriptor_calculator().computeProperties(*mol);
    out.descriptors.reserve(names.size());
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
        out.descriptors.emplace_back(names[i], values[i]);
    }
    out.scaffold_smiles = scaffold_of(*mol);
    out.inchikey = inchikey_of(*mol, smiles);

    const auto value = [&](const char* name) {
        for (const auto& [key, v] : out.descriptors) {
            if (key == name) {
                return v;
            }
        }
        return 0.0;
    };
    out.properties = {{"molecular_weight", value("amw")},
                      {"exact_mass", value("exactmw")},
                      {"clogp", value("CrippenClogP")},
                      {"tpsa", value("tpsa")},
                      {"hbd", value("NumHBD")},
                      {"hba", value("NumHBA")},
                      {"rotatable_bonds", value("NumRotatableBonds")},
                      {"heavy_atoms", value("NumHeavyAtoms")},
                      {"rings", value("NumRings")},
                      {"aromatic_rings", value("NumAromaticRings")}};
    return out;
}

std::string molecule_json(std::string_view smiles) {
    smiles = trimmed_smiles(smiles);
    const auto mol = parse_and_sanitize(smiles);
    return RDKit::MolInterchange::MolToJSONData(*mol);
}

MolGraph molecule_graph(std::string_view smiles) {
    try {
        return mol_graph_from_rdkit_json(molecule_json(smiles));
    } catch (const GraphError& e) {
        throw ChemError("SMILES " + quoted(smiles) + " has no usable molecule graph: " + e.what());
    }
}

} // namespace labelloop::chem
