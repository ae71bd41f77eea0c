#include "chem/readers.hpp"

#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/RDLog.h>

#include <map>
#include <memory>

namespace labelloop::chem {
namespace {

struct SdfRecord {
    int number = 0;
    std::string molblock;
    std::map<std::string, std::string> properties;
};

std::string_view next_line(std::string_view text, std::size_t& pos) {
    const std::size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? end : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return line;
}

// Splits an SD file into records at "$$$$" lines; data items ("> <NAME>" + value lines up to
// a blank line) are collected separately from the molblock, which ends at "M  END".
std::vector<SdfRecord> split_sdf(std::string_view text) {
    std::vector<SdfRecord> records;
    SdfRecord current;
    current.number = 1;
    bool in_block = true;
    std::string pending_name;
    std::string pending_value;
    bool in_value = false;
    bool has_content = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::string_view line = next_line(text, pos);
        if (line.substr(0, 4) == "$$$$") {
            if (in_value) {
                current.properties[pending_name] = pending_value;
            }
            records.push_back(std::move(current));
            current = SdfRecord{};
            current.number = static_cast<int>(records.size()) + 1;
            in_block = true;
            in_value = false;
            has_content = false;
            continue;
        }
        if (in_block) {
            current.molblock.append(line).push_back('\n');
            if (line.find_first_not_of(" \t") != std::string_view::npos) {
                has_content = true;
            }
            if (line.substr(0, 6) == "M  END") {
                in_block = false;
            }
            continue;
        }
        if (!line.empty() && line.front() == '>') {
            if (in_value) {
                current.properties[pending_name] = pending_value;
            }
            const auto open = line.find('<');
            const auto close = line.find('>', open == std::string_view::npos ? 1 : open);
            pending_name = open != std::string_view::npos && close != std::string_view::npos
                               ? std::string(line.substr(open + 1, close - open - 1))
                               : std::string();
            pending_value.clear();
            in_value = true;
        } else if (in_value) {
            if (line.empty()) {
                current.properties[pending_name] = pending_value;
                in_value = false;
            } else {
                pending_value += (pending_value.empty() ? "" : "\n") + std::string(line);
            }
        }
    }
    if (in_value) {
        current.properties[pending_name] = pending_value;
    }
    if (has_content) {
        records.push_back(std::move(current));
    }
    return records;
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

} // namespace

ReadResult read_sdf(std::string_view text, const SdfFields& fields) {
    static const RDLog::LogStateSetter quiet; // problems are reported per record instead
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        throw ImportFileError("the SDF file is empty");
    }
    ReadResult result;
    for (auto& rec : split_sdf(text)) {
        std::unique_ptr<RDKit::RWMol> mol;
        try {
            mol.reset(RDKit::MolBlockToMol(rec.molblock, /*sanitize=*/true, /*removeHs=*/true));
        } catch (const std::exception& e) {
            result.errors.push_back(
                {rec.number, std::string("the molecule could not be read: ") + e.what()});
            continue;
        }
        if (!mol || mol->getNumAtoms() == 0) {
            result.errors.push_back(
                {rec.number, "the molecule could not be read (invalid or empty molblock)"});
            continue;
        }
        InputRecord out;
        out.row = rec.number;
        out.smiles = RDKit::MolToSmiles(*mol);
        if (fields.id_property.empty()) {
            out.external_id = first_line(rec.molblock);
        } else if (auto it = rec.properties.find(fields.id_property); it != rec.properties.end()) {
            out.external_id = it->second;
        }
        if (!fields.label_property.empty()) {
            if (auto it = rec.properties.find(fields.label_property); it != rec.properties.end()) {
                std::string reason;
                out.label = parse_label(it->second, reason);
                if (!reason.empty()) {
                    result.errors.push_back({rec.number, reason});
                    continue;
                }
            }
        }
        result.records.push_back(std::move(out));
    }
    return result;
}

} // namespace labelloop::chem
