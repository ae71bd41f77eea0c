// Import: read CSV / SDF (chem readers), parse and featurize every row with RDKit, then write
// the good rows in one transaction. Bad rows are reported with their row number and reason.
#include "chem/chem.hpp"
#include "chem/readers.hpp"
#include "service/auth_service.hpp"
#include "service/compound_service.hpp"
#include "service/errors.hpp"
#include "service/model_engine.hpp"
#include "util/ids.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace labelloop::service {
namespace {

struct GoodRow {
    std::int64_t row = 0;
    chem::ParsedCompound parsed;
    std::vector<std::uint8_t> features;
    std::string external_id;
    std::optional<double> label;
};

} // namespace

ImportResult CompoundService::import(const domain::User* caller, const ImportRequest& request) {
    if (caller != nullptr) {
        require_admin(*caller, "import compounds");
    }
    if (request.format != "csv" && request.format != "sdf") {
        fail(ErrorKind::InvalidValue, "Unknown format '" + request.format + "': use csv or sdf.",
             {{"field", "format"}});
    }
    if (request.label_column && (!request.property || request.property->empty())) {
        fail(ErrorKind::InvalidValue,
             "A label column needs 'property': the name of what the labels measure (e.g. logS).",
             {{"field", "property"}});
    }
    if (request.source != "experimental" && request.source != "literature" &&
        request.source != "expert_estimate") {
        fail(ErrorKind::InvalidValue,
             "Unknown label source '" + request.source +
                 "': use experimental, literature or expert_estimate.",
             {{"field", "source"}});
    }
    if (request.confidence != "high" && request.confidence != "medium" &&
        request.confidence != "low") {
        fail(ErrorKind::InvalidValue,
             "Unknown label confidence '" + request.confidence + "': use high, medium or low.",
             {{"field", "confidence"}});
    }

    chem::ReadResult read;
    try {
        if (request.format == "csv") {
            chem::CsvColumns columns;
            columns.smiles = request.smiles_column;
            columns.id = request.id_column.value_or(request.name_column.value_or(""));
            columns.label = request.label_column.value_or("");
            read = chem::read_csv(request.content, columns);
        } else {
            chem::SdfFields fields;
            fields.id_property = request.id_column.value_or(request.name_column.value_or(""));
            fields.label_property = request.label_column.value_or("");
            read = chem::read_sdf(request.content, fields);
        }
    } catch (const chem::ImportFileError& e) {
        fail(ErrorKind::InvalidValue, std::string("Cannot import: ") + e.what());
    }

    ImportResult result;
    result.rows = static_cast<std::int64_t>(read.records.size() + read.errors.size());
    for (const auto& e : read.errors) {
        result.errors.push_back({e.row, e.reason});
    }
    // Parsing is the slow part: done before the write transaction.
    std::vector<GoodRow> good;
    for (const auto& record : read.records) {
        try {
            GoodRow g;
            g.row = record.row;
            g.parsed = chem::parse_compound(record.smiles);
            const std::map<std::string, double> descriptors(g.parsed.descriptors.begin(),
                                                            g.parsed.descriptors.end());
            g.features = engine::encode_features(g.parsed.fingerprint, descriptors);
            g.external_id = record.external_id;
            g.label = record.label;
            good.push_back(std::move(g));
        } catch (const chem::ChemError& e) {
            result.errors.push_back({record.row, e.what()});
        } catch (const std::invalid_argument& e) {
            result.errors.push_back({record.row, e.what()});
        }
    }
    std::sort(result.errors.begin(), result.errors.end(),
              [](const ImportRowError& a, const ImportRowError& b) { return a.row < b.row; });

    if (request.all_or_nothing && !result.errors.empty()) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& e : result.errors) {
            rows.push_back({{"row", e.row}, {"reason", e.reason}});
        }
        fail(ErrorKind::InvalidValue,
             "Row " + std::to_string(result.errors[0].row) + ": " + result.errors[0].reason,
             {{"errors", rows}});
    }
    const std::string now = util::utc_now();
    store_.transaction([&] {
        std::optional<std::string> dataset_id;
        if (request.dataset && !request.dataset->empty()) {
            dataset_id = store_.ensure_dataset(*request.dataset, util::new_uuid(), now);
        }
        for (const auto& g : good) {
            std::string id;
            if (auto existing = store_.find_compound_by_inchikey(g.parsed.inchikey)) {
                id = existing->id;
                ++result.duplicates;
            } else {
                domain::Compound c;
                c.id = util::new_uuid();
                c.smiles = g.parsed.canonical_smiles;
                c.inchikey = g.parsed.inchikey;
                if (!g.external_id.empty()) {
                    c.name = g.external_id;
                    c.external_id = g.external_id;
                }
                c.scaffold = g.parsed.scaffold_smiles;
                c.features = g.features;
                c.properties_json = g.parsed.properties.dump();
                c.created_at = now;
                store_.insert_compound(c);
                id = c.id;
                ++result.imported;
            }
            if (dataset_id) {
                store_.add_to_dataset(*dataset_id, id);
            }
            if (g.label && request.property) {
                store_.upsert_compound_label(id, *request.property, *g.label, request.source,
                                             request.confidence, now);
                ++result.labels;
            }
            result.compound_ids.push_back(id);
        }
        store_.insert_audit({0, caller ? std::optional<std::string>(caller->id) : std::nullopt,
                             "import", "dataset", request.dataset.value_or(""), std::nullopt,
                             nlohmann::json{{"rows", result.rows},
                                            {"imported", result.imported},
                                            {"duplicates", result.duplicates},
                                            {"errors", result.errors.size()}}
                                 .dump(),
                             now});
    });
    return result;
}

} // namespace labelloop::service
