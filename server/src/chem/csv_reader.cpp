#include "chem/readers.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace labelloop::chem {
namespace {

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
    }
    return std::string(s);
}

std::string lower(std::string s) {
    for (auto& c : s) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
}

int find_column(const std::vector<std::string>& header, const std::string& wanted) {
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] == wanted) {
            return static_cast<int>(i);
        }
    }
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (lower(header[i]) == lower(wanted)) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

std::string column_list(const std::vector<std::string>& header) {
    std::string out;
    for (const auto& h : header) {
        out += (out.empty() ? "'" : ", '") + h + "'";
    }
    return out;
}

} // namespace

std::vector<CsvRow> split_csv(std::string_view text) {
    std::vector<CsvRow> rows;
    if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") { // UTF-8 byte-order mark
        text.remove_prefix(3);
    }
    CsvRow row;
    std::string field;
    int line = 1;
    row.line = 1;
    bool in_quotes = false;
    bool any = false;
    int quote_line = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_quotes) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    in_quotes = false;
                }
            } else {
                if (c == '\n') {
                    ++line;
                }
                field += c;
            }
            continue;
        }
        if (c == '"') {
            in_quotes = true;
            quote_line = line;
            any = true;
        } else if (c == ',') {
            row.fields.push_back(std::move(field));
            field.clear();
            any = true;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
            if (any || !field.empty()) {
                row.fields.push_back(std::move(field));
                rows.push_back(std::move(row));
            }
            field.clear();
            row = CsvRow{};
            ++line;
            row.line = line;
            any = false;
        } else {
            field += c;
            any = true;
        }
    }
    if (in_quotes) {
        throw ImportFileError("line " + std::to_string(quote_line) +
                              ": a quoted field is never closed (missing '\"')");
    }
    if (any || !field.empty()) {
        row.fields.push_back(std::move(field));
        rows.push_back(std::move(row));
    }
    return rows;
}

std::optional<double> parse_label(std::string_view cell, std::string& reason) {
    const std::string text = trim(cell);
    if (text.empty()) {
        reason.clear();
        return std::nullopt;
    }
    errno = 0;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || errno == ERANGE) {
        reason = "label '" + text + "' is not a number";
        return std::nullopt;
    }
    if (!std::isfinite(value)) {
        reason = "label '" + text + "' is not a finite number";
        return std::nullopt;
    }
    reason.clear();
    return value;
}

ReadResult read_csv(std::string_view text, const CsvColumns& columns) {
    const auto rows = split_csv(text);
    if (rows.empty()) {
        throw ImportFileError("the CSV file is empty (expected a header row and data rows)");
    }
    std::vector<std::string> header;
    for (const auto& h : rows.front().fields) {
        header.push_back(trim(h));
    }
    const auto require = [&](const std::string& name, const char* role) {
        const int idx = find_column(header, name);
        if (idx < 0) {
            throw ImportFileError(std::string("the ") + role + " column '" + name +
                                  "' is not in the CSV header; the columns are " +
                                  column_list(header));
        }
        return idx;
    };
    const int smiles_col = require(columns.smiles, "SMILES");
    const int id_col = columns.id.empty() ? -1 : require(columns.id, "id");
    const int label_col = columns.label.empty() ? -1 : require(columns.label, "label");

    ReadResult result;
    for (std::size_t r = 1; r < rows.size(); ++r) {
        const auto& row = rows[r];
        const auto cell = [&](int idx) -> std::string {
            return idx >= 0 && static_cast<std::size_t>(idx) < row.fields.size()
                       ? trim(row.fields[static_cast<std::size_t>(idx)])
                       : std::string();
        };
        if (row.fields.size() != header.size()) {
            result.errors.push_back({row.line, "has " + std::to_string(row.fields.size()) +
                                                   " fields but the header has " +
                                                   std::to_string(header.size())});
            continue;
        }
        InputRecord rec;
        rec.row = row.line;
        rec.smiles = cell(smiles_col);
        rec.external_id = cell(id_col);
        if (rec.smiles.empty()) {
            result.errors.push_back({row.line, "the SMILES cell is empty"});
            continue;
        }
        if (label_col >= 0) {
            std::string reason;
            rec.label = parse_label(cell(label_col), reason);
            if (!reason.empty()) {
                result.errors.push_back({row.line, reason});
                continue;
            }
        }
        result.records.push_back(std::move(rec));
    }
    return result;
}

} // namespace labelloop::chem
