#include "service/molblock.hpp"

#include <GraphMol/Depictor/RDDepictor.h>
#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <memory>
#include <stdexcept>

namespace labelloop::service {

std::string molblock_for(const std::string& smiles, const std::string& title) {
    std::unique_ptr<RDKit::ROMol> mol;
    try {
        mol.reset(RDKit::SmilesToMol(smiles));
    } catch (const std::exception&) {
        mol.reset();
    }
    if (!mol) {
        throw std::invalid_argument("RDKit cannot parse SMILES '" + smiles + "'");
    }
    RDDepict::compute2DCoords(*mol);
    mol->setProp("_Name", title);
    return RDKit::MolToMolBlock(*mol);
}

} // namespace labelloop::service
