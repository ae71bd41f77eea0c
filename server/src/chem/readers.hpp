// Reading compound files for import: CSV (RFC 4180, header row, columns chosen by name) and
// SDF (RDKit). Each good record keeps its row number; each bad one becomes an error with its
// row number and reason, and the rest of the file is still read.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace labelloop::chem {

/// A problem with the whole file (missing column, not a CSV...): nothing can be imported.
class ImportFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct InputRecord {
    int row = 0;             // CSV: line number in the file (header = 1); SDF: record number
    std::string smiles;      // as given (CSV) or written by RDKit (SDF)
    std::string external_id; // name / id column ("" if none)
    std::optional<double> label;
};

struct RowError {
    int row = 0;
    std::string reason;
};

struct ReadResult {
    std::vector<InputRecord> records;
    std::vector<RowError> errors;
};

struct CsvColumns {
    std::string smiles = "smiles";
    std::string id;    // optional
    std::string label; // optional; an empty cell means "not measured"
};

/// Parses CSV text. Column names match exactly, else case-insensitively. Throws
/// ImportFileError when a named column is missing (listing the columns that exist).
ReadResult read_csv(std::string_view text, const CsvColumns& columns);

struct SdfFields {
    std::string id_property;    // "" = the title line (_Name)
    std::string label_property; // "" = no label
};

/// Parses SDF text with RDKit. Records RDKit cannot read become row errors.
ReadResult read_sdf(std::string_view text, const SdfFields& fields);

/// Splits CSV text into rows of fields (RFC 4180: quotes, "" escapes, CRLF or LF). Each row
/// carries the line number where it starts. Throws ImportFileError on an unclosed quote.
struct CsvRow {
    int line = 0;
    std::vector<std::string> fields;
};
std::vector<CsvRow> split_csv(std::string_view text);

/// Parses a label cell: a finite number, or an error reason.
std::optional<double> parse_label(std::string_view cell, std::string& reason);

} // namespace labelloop::chem
