// SqliteStore statements for compounds, data sets and imported labels (tables compounds, datasets,
// dataset_compounds, compound_labels).
#include "store/sqlite/rows.hpp"
#include "store/sqlite_store.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::sqlite;

const char* const kCompoundColumns =
    "c.id, c.smiles, c.inchikey, c.name, c.external_id, c.scaffold, c.features, c.properties, "
    "c.created_at";

Compound read_compound(const Statement& s) {
    Compound c;
    c.id = s.column_text(0);
    c.smiles = s.column_text(1);
    c.inchikey = s.column_text(2);
    c.name = s.column_optional_text(3);
    c.external_id = s.column_optional_text(4);
    c.scaffold = s.column_text(5);
    c.features = s.column_blob(6);
    c.properties_json = s.column_text(7);
    c.created_at = s.column_text(8);
    return c;
}

} // namespace

std::optional<Compound> SqliteStore::find_compound(const std::string& id) {
    auto s = connection().prepare(std::string("SELECT ") + kCompoundColumns +
                                  " FROM compounds c WHERE c.id = ?");
    s.bind(1, id);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_compound(s);
}

std::optional<Compound> SqliteStore::find_compound_by_inchikey(const std::string& key) {
    auto s = connection().prepare(std::string("SELECT ") + kCompoundColumns +
                                  " FROM compounds c WHERE c.inchikey = ?");
    s.bind(1, key);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_compound(s);
}

void SqliteStore::insert_compound(const Compound& c) {
    auto s = connection().prepare(
        "INSERT INTO compounds(id, smiles, inchikey, name, external_id, scaffold, features, "
        "properties, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, c.id).bind(2, c.smiles).bind(3, c.inchikey);
    bind_opt(s, 4, c.name);
    bind_opt(s, 5, c.external_id);
    s.bind(6, c.scaffold)
        .bind_blob(7, c.features.data(), c.features.size())
        .bind(8, c.properties_json)
        .bind(9, c.created_at)
        .run();
}

std::int64_t SqliteStore::count_compounds() {
    auto s = connection().prepare("SELECT COUNT(*) FROM compounds");
    s.step();
    return s.column_int(0);
}

// Compounds are listed in insertion order (rowid), never by their random UUIDs: training
// sets, splits and pools must come out the same on every run for seeded models to repeat.
namespace {
const char* const kUnlabeledWhere = R"sql(
    WHERE c.id NOT IN (SELECT compound_id FROM model_members WHERE lineage_id = ?1)
      AND c.id NOT IN (SELECT q.compound_id FROM label_queue q
                       JOIN ml_models m ON m.id = q.model_id
                       WHERE m.lineage_id = ?1 AND q.status IN ('labeled', 'archived'))
)sql";
}

std::vector<Compound> SqliteStore::list_unlabeled_compounds(const std::string& lineage_id,
                                                            std::int64_t limit,
                                                            std::int64_t offset) {
    auto s = connection().prepare(std::string("SELECT ") + kCompoundColumns + " FROM compounds c " +
                                  kUnlabeledWhere +
                                  " ORDER BY c.created_at, c.rowid LIMIT ?2 OFFSET ?3");
    s.bind(1, lineage_id).bind(2, limit).bind(3, offset);
    std::vector<Compound> out;
    while (s.step()) {
        out.push_back(read_compound(s));
    }
    return out;
}

std::int64_t SqliteStore::count_unlabeled_compounds(const std::string& lineage_id) {
    auto s =
        connection().prepare(std::string("SELECT COUNT(*) FROM compounds c ") + kUnlabeledWhere);
    s.bind(1, lineage_id);
    s.step();
    return s.column_int(0);
}

std::vector<Compound> SqliteStore::list_compounds(std::int64_t limit, std::int64_t offset) {
    auto s =
        connection().prepare(std::string("SELECT ") + kCompoundColumns +
                             " FROM compounds c ORDER BY c.created_at, c.rowid LIMIT ? OFFSET ?");
    s.bind(1, limit).bind(2, offset);
    std::vector<Compound> out;
    while (s.step()) {
        out.push_back(read_compound(s));
    }
    return out;
}

std::string SqliteStore::ensure_dataset(const std::string& name, const std::string& new_id,
                                        const std::string& created_at) {
    if (auto id = find_dataset(name)) {
        return *id;
    }
    connection()
        .prepare("INSERT INTO datasets(id, name, created_at) VALUES (?, ?, ?)")
        .bind(1, new_id)
        .bind(2, name)
        .bind(3, created_at)
        .run();
    return new_id;
}

std::optional<std::string> SqliteStore::find_dataset(const std::string& name) {
    auto s = connection().prepare("SELECT id FROM datasets WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) {
        return std::nullopt;
    }
    return s.column_text(0);
}

void SqliteStore::add_to_dataset(const std::string& dataset_id, const std::string& compound_id) {
    connection()
        .prepare("INSERT OR IGNORE INTO dataset_compounds(dataset_id, compound_id) VALUES (?, ?)")
        .bind(1, dataset_id)
        .bind(2, compound_id)
        .run();
}

std::vector<Compound> SqliteStore::dataset_compounds(const std::string& dataset_id) {
    auto s = connection().prepare(std::string("SELECT ") + kCompoundColumns +
                                  " FROM compounds c JOIN dataset_compounds d ON "
                                  "d.compound_id = c.id WHERE d.dataset_id = ? "
                                  "ORDER BY c.created_at, c.rowid");
    s.bind(1, dataset_id);
    std::vector<Compound> out;
    while (s.step()) {
        out.push_back(read_compound(s));
    }
    return out;
}

void SqliteStore::upsert_compound_label(const std::string& compound_id, const std::string& property,
                                        double value, const std::string& source,
                                        const std::string& confidence,
                                        const std::string& created_at) {
    connection()
        .prepare("INSERT INTO compound_labels(compound_id, property, value, source, confidence, "
                 "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(compound_id, property) DO "
                 "UPDATE SET value = excluded.value, source = excluded.source, "
                 "confidence = excluded.confidence")
        .bind(1, compound_id)
        .bind(2, property)
        .bind(3, value)
        .bind(4, source)
        .bind(5, confidence)
        .bind(6, created_at)
        .run();
}

std::vector<LabeledCompound>
SqliteStore::labeled_compounds(const std::string& property,
                               const std::optional<std::string>& dataset_id) {
    auto s = connection().prepare(
        "SELECT c.id, c.smiles, c.name, c.scaffold, c.features, l.value, l.source, "
        "l.confidence, '', 0 FROM compound_labels l JOIN compounds c ON c.id = l.compound_id "
        "WHERE l.property = ?1 AND (?2 IS NULL OR c.id IN (SELECT compound_id FROM "
        "dataset_compounds WHERE dataset_id = ?2)) ORDER BY c.created_at, c.rowid");
    s.bind(1, property);
    bind_opt(s, 2, dataset_id);
    std::vector<LabeledCompound> out;
    while (s.step()) {
        out.push_back(read_labeled(s));
    }
    return out;
}

} // namespace labelloop::store
