// PostgresStore statements for compounds, data sets and imported labels (tables compounds,
// datasets, dataset_compounds, compound_labels).
#include "store/postgres/rows.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::postgres;

const char* const kCompoundColumns =
    "c.id, c.smiles, c.inchikey, c.name, c.external_id, c.scaffold, c.features, c.properties, "
    "c.created_at";

Compound read_compound(const Row& s) {
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

std::vector<Compound> read_compounds(const Result& r) {
    std::vector<Compound> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back(read_compound(r.row(i)));
    }
    return out;
}

std::optional<Compound> first_compound(const Result& r) {
    if (r.empty()) {
        return std::nullopt;
    }
    return read_compound(r.row(0));
}

// Compounds are listed in insertion order (seq, SQLite's rowid), never by their random
// UUIDs: training sets, splits and pools must come out the same on every run.
const char* const kInsertionOrder = " ORDER BY c.created_at COLLATE \"C\", c.seq";

const char* const kUnlabeledWhere = R"sql(
    WHERE c.id NOT IN (SELECT compound_id FROM model_members WHERE lineage_id = $1)
      AND c.id NOT IN (SELECT q.compound_id FROM label_queue q
                       JOIN ml_models m ON m.id = q.model_id
                       WHERE m.lineage_id = $1 AND q.status IN ('labeled', 'archived'))
)sql";

} // namespace

std::optional<Compound> PostgresStore::find_compound(const std::string& id) {
    return read([&](Connection& db) {
        return first_compound(
            db.exec(std::string("SELECT ") + kCompoundColumns + " FROM compounds c WHERE c.id = $1",
                    Params().text(id)));
    });
}

std::optional<Compound> PostgresStore::find_compound_by_inchikey(const std::string& key) {
    return read([&](Connection& db) {
        return first_compound(db.exec(std::string("SELECT ") + kCompoundColumns +
                                          " FROM compounds c WHERE c.inchikey = $1",
                                      Params().text(key)));
    });
}

void PostgresStore::insert_compound(const Compound& c) {
    write([&](Connection& db) {
        db.exec("INSERT INTO compounds(id, smiles, inchikey, name, external_id, scaffold, "
                "features, properties, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                Params()
                    .text(c.id)
                    .text(c.smiles)
                    .text(c.inchikey)
                    .opt(c.name)
                    .opt(c.external_id)
                    .text(c.scaffold)
                    .blob(c.features)
                    .text(c.properties_json)
                    .text(c.created_at));
    });
}

std::int64_t PostgresStore::count_compounds() {
    return read([&](Connection& db) {
        return db.exec("SELECT COUNT(*) FROM compounds").row(0).column_int(0);
    });
}

std::vector<Compound> PostgresStore::list_unlabeled_compounds(const std::string& lineage_id,
                                                              std::int64_t limit,
                                                              std::int64_t offset) {
    return read([&](Connection& db) {
        return read_compounds(db.exec(std::string("SELECT ") + kCompoundColumns +
                                          " FROM compounds c " + kUnlabeledWhere + kInsertionOrder +
                                          " LIMIT $2 OFFSET $3",
                                      Params().text(lineage_id).num(limit).num(offset)));
    });
}

std::int64_t PostgresStore::count_unlabeled_compounds(const std::string& lineage_id) {
    return read([&](Connection& db) {
        return db
            .exec(std::string("SELECT COUNT(*) FROM compounds c ") + kUnlabeledWhere,
                  Params().text(lineage_id))
            .row(0)
            .column_int(0);
    });
}

std::vector<Compound> PostgresStore::list_compounds(std::int64_t limit, std::int64_t offset) {
    return read([&](Connection& db) {
        return read_compounds(db.exec(std::string("SELECT ") + kCompoundColumns +
                                          " FROM compounds c" + kInsertionOrder +
                                          " LIMIT $1 OFFSET $2",
                                      Params().num(limit).num(offset)));
    });
}

std::string PostgresStore::ensure_dataset(const std::string& name, const std::string& new_id,
                                          const std::string& created_at) {
    return write([&](Connection& db) {
        if (auto id = find_dataset(name)) {
            return *id;
        }
        db.exec("INSERT INTO datasets(id, name, created_at) VALUES ($1, $2, $3)",
                Params().text(new_id).text(name).text(created_at));
        return new_id;
    });
}

std::optional<std::string> PostgresStore::find_dataset(const std::string& name) {
    return read([&](Connection& db) -> std::optional<std::string> {
        auto r = db.exec("SELECT id FROM datasets WHERE name = $1", Params().text(name));
        if (r.empty()) {
            return std::nullopt;
        }
        return r.row(0).column_text(0);
    });
}

void PostgresStore::add_to_dataset(const std::string& dataset_id, const std::string& compound_id) {
    write([&](Connection& db) {
        db.exec("INSERT INTO dataset_compounds(dataset_id, compound_id) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING",
                Params().text(dataset_id).text(compound_id));
    });
}

std::vector<Compound> PostgresStore::dataset_compounds(const std::string& dataset_id) {
    return read([&](Connection& db) {
        return read_compounds(db.exec(std::string("SELECT ") + kCompoundColumns +
                                          " FROM compounds c JOIN dataset_compounds d ON "
                                          "d.compound_id = c.id WHERE d.dataset_id = $1" +
                                          kInsertionOrder,
                                      Params().text(dataset_id)));
    });
}

void PostgresStore::upsert_compound_label(const std::string& compound_id,
                                          const std::string& property, double value,
                                          const std::string& source, const std::string& confidence,
                                          const std::string& created_at) {
    write([&](Connection& db) {
        db.exec("INSERT INTO compound_labels(compound_id, property, value, source, confidence, "
                "created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (compound_id, property) "
                "DO UPDATE SET value = excluded.value, source = excluded.source, "
                "confidence = excluded.confidence",
                Params()
                    .text(compound_id)
                    .text(property)
                    .real(value)
                    .text(source)
                    .text(confidence)
                    .text(created_at));
    });
}

std::vector<LabeledCompound>
PostgresStore::labeled_compounds(const std::string& property,
                                 const std::optional<std::string>& dataset_id) {
    return read([&](Connection& db) {
        auto r = db.exec(std::string("SELECT c.id, c.smiles, c.name, c.scaffold, c.features, "
                                     "l.value, l.source, l.confidence, '', 0 FROM "
                                     "compound_labels l JOIN compounds c ON c.id = l.compound_id "
                                     "WHERE l.property = $1 AND ($2 IS NULL OR c.id IN (SELECT "
                                     "compound_id FROM dataset_compounds WHERE dataset_id = $2))") +
                             kInsertionOrder,
                         Params().text(property).opt(dataset_id));
        std::vector<LabeledCompound> out;
        for (int i = 0; i < r.rows(); ++i) {
            out.push_back(read_labeled(r.row(i)));
        }
        return out;
    });
}

} // namespace labelloop::store
