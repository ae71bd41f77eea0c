// Compounds: import from CSV / SDF (parse, canonicalize, deduplicate by InChIKey, featurize),
// lookup, similarity search, the unlabeled pool, and CSV / SDF export of labels and queue.
#pragma once

#include "domain/records.hpp"
#include "store/store.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::service {

struct ImportRequest {
    std::string format = "csv"; // csv | sdf
    std::string content;
    std::string smiles_column = "smiles"; // CSV
    std::optional<std::string> id_column;
    std::optional<std::string> name_column;
    std::optional<std::string> label_column; // CSV column or SDF property
    std::optional<std::string> property;     // what the label measures (needed with a label)
    std::optional<std::string> dataset;      // put the compounds into this named dataset
    std::string source = "experimental";
    std::string confidence = "high";
    /// Refuse the whole import (422, nothing written) when any row is bad.
    bool all_or_nothing = false;
};

struct ImportRowError {
    std::int64_t row = 0;
    std::string reason;
};

struct ImportResult {
    std::int64_t rows = 0;
    std::int64_t imported = 0;   // new compounds
    std::int64_t duplicates = 0; // already known (by InChIKey), labels still applied
    std::int64_t labels = 0;
    std::vector<ImportRowError> errors;
    std::vector<std::string> compound_ids; // every good row's compound, in row order
};

struct SimilarCompound {
    domain::Compound compound;
    double similarity = 0.0;
};

class CompoundService {
public:
    explicit CompoundService(store::Store& store) : store_(store) {}

    /// caller nullptr: trusted CLI. Bad rows are reported, good rows kept; a failure of the
    /// store rolls the whole import back.
    ImportResult import(const domain::User* caller, const ImportRequest& request);
    domain::Compound get(const std::string& id);
    std::vector<SimilarCompound> similar(const std::string& id, std::int64_t k);
    /// Unlabeled pool of a model's lineage (or every compound when model_id is empty).
    std::vector<domain::Compound> list(const std::optional<std::string>& unlabeled_for_model,
                                       std::int64_t limit, std::int64_t offset,
                                       std::int64_t* total);
    /// The compounds of a named dataset (an import's `dataset`); NotFound for an unknown name.
    std::vector<domain::Compound> list_dataset(const std::string& dataset, std::int64_t limit,
                                               std::int64_t offset, std::int64_t* total);
    /// Re-encodes each compound's features with its molecule graph (message-passing models
    /// score with it, in the browser too). A compound RDKit or the graph builder refuses keeps
    /// its features without a graph; the result holds the reason at its index ("" for the rest).
    std::vector<std::string> attach_graphs(std::vector<domain::Compound>& compounds) const;
    /// CSV of the queue (every status) of a model lineage, or of labels (training + labeled
    /// queue items).
    std::string export_queue_csv(const std::string& model_id);
    std::string export_labels_csv(const std::string& model_id);
    std::string export_labels_sdf(const std::string& model_id);

private:
    store::Store& store_;
};

/// One CSV field, quoted when needed (RFC 4180).
std::string csv_field(const std::string& text);
/// A CSV field of free text for people (names, notes) in an export: as csv_field, and text a
/// spreadsheet would run as a formula (starting with = + - @, a tab or CR) gets a leading
/// apostrophe, so opening the file cannot run `=HYPERLINK(...)` from a compound name.
std::string csv_text_field(const std::string& text);

} // namespace labelloop::service
