// PostgresStore statements for models, their artifacts and their training / validation
// members (tables ml_models, model_members).
#include "store/postgres/rows.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::postgres;

const char* const kModelColumns =
    "m.id, m.lineage_id, m.name, m.property, m.task, m.version, m.status, m.parent_id, "
    "m.params, m.metrics, m.n_train, m.n_validation, m.created_at, m.objective_kind, "
    "m.objective_lo, m.objective_hi, m.objective_class, m.objective_hit_threshold";

// The objective columns hold only what the kind uses (NULL elsewhere).
Objective read_objective(const Row& s, int first) {
    Objective o;
    o.kind = parse_objective_kind(s.column_text(first));
    if (o.kind == ObjectiveKind::Window) {
        o.lo = s.column_double(first + 1);
        o.hi = s.column_double(first + 2);
    }
    if (o.kind == ObjectiveKind::Class) {
        o.target_class = static_cast<int>(s.column_int(first + 3));
    }
    if (o.kind == ObjectiveKind::Maximize || o.kind == ObjectiveKind::Minimize) {
        o.hit_threshold = s.column_optional_double(first + 4);
    }
    return o;
}

void bind_objective(Params& p, const Objective& o) {
    p.text(to_string(o.kind));
    const bool window = o.kind == ObjectiveKind::Window;
    p.opt_real(window ? std::optional<double>(o.lo) : std::nullopt);
    p.opt_real(window ? std::optional<double>(o.hi) : std::nullopt);
    p.opt_num(o.kind == ObjectiveKind::Class
                  ? std::optional<std::int64_t>(static_cast<std::int64_t>(o.target_class))
                  : std::nullopt);
    const bool threshold = o.kind == ObjectiveKind::Maximize || o.kind == ObjectiveKind::Minimize;
    p.opt_real(threshold ? o.hit_threshold : std::nullopt);
}

Model read_model(const Row& s) {
    Model m;
    m.id = s.column_text(0);
    m.lineage_id = s.column_text(1);
    m.name = s.column_text(2);
    m.property = s.column_text(3);
    m.task = s.column_text(4);
    m.version = s.column_int(5);
    m.status = s.column_text(6);
    m.parent_id = s.column_optional_text(7);
    m.params_json = s.column_text(8);
    m.metrics_json = s.column_text(9);
    m.n_train = s.column_int(10);
    m.n_validation = s.column_int(11);
    m.created_at = s.column_text(12);
    m.objective = read_objective(s, 13);
    return m;
}

std::vector<Model> read_models(const Result& r) {
    std::vector<Model> out;
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back(read_model(r.row(i)));
    }
    return out;
}

std::optional<Model> first_model(const Result& r) {
    if (r.empty()) {
        return std::nullopt;
    }
    return read_model(r.row(0));
}

} // namespace

void PostgresStore::insert_model(const Model& m, const std::vector<std::uint8_t>& artifact) {
    Params p;
    p.text(m.id)
        .text(m.lineage_id)
        .text(m.name)
        .text(m.property)
        .text(m.task)
        .num(m.version)
        .text(m.status)
        .opt(m.parent_id)
        .text(m.params_json)
        .text(m.metrics_json)
        .blob(artifact)
        .num(m.n_train)
        .num(m.n_validation)
        .text(m.created_at);
    bind_objective(p, m.objective);
    write([&](Connection& db) {
        db.exec("INSERT INTO ml_models(id, lineage_id, name, property, task, version, status, "
                "parent_id, params, metrics, artifact, n_train, n_validation, created_at, "
                "objective_kind, objective_lo, objective_hi, objective_class, "
                "objective_hit_threshold) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                "$12, $13, $14, $15, $16, $17, $18, $19)",
                p);
    });
}

std::optional<Model> PostgresStore::find_model(const std::string& id) {
    return read([&](Connection& db) {
        return first_model(
            db.exec(std::string("SELECT ") + kModelColumns + " FROM ml_models m WHERE m.id = $1",
                    Params().text(id)));
    });
}

std::vector<std::uint8_t> PostgresStore::model_artifact(const std::string& id) {
    return read([&](Connection& db) {
        auto r = db.exec("SELECT artifact FROM ml_models WHERE id = $1", Params().text(id));
        if (r.empty()) {
            return std::vector<std::uint8_t>{};
        }
        return r.row(0).column_blob(0);
    });
}

std::vector<Model> PostgresStore::list_models() {
    return read([&](Connection& db) {
        return read_models(db.exec(std::string("SELECT ") + kModelColumns +
                                   " FROM ml_models m ORDER BY m.created_at COLLATE \"C\" DESC, "
                                   "m.version DESC"));
    });
}

std::vector<Model> PostgresStore::list_versions(const std::string& lineage_id) {
    return read([&](Connection& db) {
        return read_models(db.exec(std::string("SELECT ") + kModelColumns +
                                       " FROM ml_models m WHERE m.lineage_id = $1 "
                                       "ORDER BY m.version",
                                   Params().text(lineage_id)));
    });
}

std::optional<Model> PostgresStore::active_model(const std::string& lineage_id) {
    return read([&](Connection& db) {
        return first_model(db.exec(std::string("SELECT ") + kModelColumns +
                                       " FROM ml_models m WHERE m.lineage_id = $1 AND "
                                       "m.status = 'active' ORDER BY m.version DESC LIMIT 1",
                                   Params().text(lineage_id)));
    });
}

void PostgresStore::set_model_status(const std::string& id, const std::string& status) {
    write([&](Connection& db) {
        db.exec("UPDATE ml_models SET status = $1 WHERE id = $2", Params().text(status).text(id));
    });
}

void PostgresStore::add_member(const std::string& lineage_id, const LabeledCompound& m,
                               std::int64_t added_version) {
    write([&](Connection& db) {
        // A validation member never changes; a training member takes the newest label.
        db.exec("INSERT INTO model_members(lineage_id, compound_id, role, label, source, "
                "confidence, added_version) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                "ON CONFLICT (lineage_id, compound_id) DO UPDATE SET label = excluded.label, "
                "source = excluded.source, confidence = excluded.confidence "
                "WHERE model_members.role = 'train' AND excluded.role = 'train'",
                Params()
                    .text(lineage_id)
                    .text(m.compound_id)
                    .text(m.role)
                    .real(m.label)
                    .text(m.source)
                    .text(m.confidence)
                    .num(added_version));
    });
}

std::vector<LabeledCompound> PostgresStore::members(const std::string& lineage_id,
                                                    const std::string& role) {
    return read([&](Connection& db) {
        auto r = db.exec("SELECT c.id, c.smiles, c.name, c.scaffold, c.features, mm.label, "
                         "mm.source, mm.confidence, mm.role, mm.added_version FROM model_members "
                         "mm JOIN compounds c ON c.id = mm.compound_id WHERE mm.lineage_id = $1 "
                         "AND ($2 = '' OR mm.role = $2) "
                         "ORDER BY mm.added_version, c.created_at COLLATE \"C\", c.seq",
                         Params().text(lineage_id).text(role));
        std::vector<LabeledCompound> out;
        for (int i = 0; i < r.rows(); ++i) {
            out.push_back(read_labeled(r.row(i)));
        }
        return out;
    });
}

void PostgresStore::update_member_label(const std::string& lineage_id,
                                        const std::string& compound_id, double label) {
    write([&](Connection& db) {
        db.exec("UPDATE model_members SET label = $1 WHERE lineage_id = $2 AND compound_id = $3",
                Params().real(label).text(lineage_id).text(compound_id));
    });
}

} // namespace labelloop::store
