// SqliteStore statements for models, their artifacts and their training / validation members
// (tables ml_models, model_members).
#include "store/sqlite/rows.hpp"
#include "store/sqlite_store.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::sqlite;

const char* const kModelColumns =
    "m.id, m.lineage_id, m.name, m.property, m.task, m.version, m.status, m.parent_id, "
    "m.params, m.metrics, m.n_train, m.n_validation, m.created_at, m.objective_kind, "
    "m.objective_lo, m.objective_hi, m.objective_class, m.objective_hit_threshold";

// The objective columns hold only what the kind uses (NULL elsewhere).
Objective read_objective(const Statement& s, int first) {
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
        o.hit_threshold = opt_double(s, first + 4);
    }
    return o;
}

void bind_objective(Statement& s, int first, const Objective& o) {
    s.bind(first, to_string(o.kind));
    const bool window = o.kind == ObjectiveKind::Window;
    bind_opt(s, first + 1, window ? std::optional<double>(o.lo) : std::nullopt);
    bind_opt(s, first + 2, window ? std::optional<double>(o.hi) : std::nullopt);
    if (o.kind == ObjectiveKind::Class) {
        s.bind(first + 3, static_cast<std::int64_t>(o.target_class));
    } else {
        s.bind_null(first + 3);
    }
    const bool threshold = o.kind == ObjectiveKind::Maximize || o.kind == ObjectiveKind::Minimize;
    bind_opt(s, first + 4, threshold ? o.hit_threshold : std::nullopt);
}

Model read_model(const Statement& s) {
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

} // namespace

void SqliteStore::insert_model(const Model& m, const std::vector<std::uint8_t>& artifact) {
    auto s = connection().prepare(
        "INSERT INTO ml_models(id, lineage_id, name, property, task, version, status, "
        "parent_id, params, metrics, artifact, n_train, n_validation, created_at, "
        "objective_kind, objective_lo, objective_hi, objective_class, objective_hit_threshold) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, m.id)
        .bind(2, m.lineage_id)
        .bind(3, m.name)
        .bind(4, m.property)
        .bind(5, m.task)
        .bind(6, m.version)
        .bind(7, m.status);
    bind_opt(s, 8, m.parent_id);
    s.bind(9, m.params_json).bind(10, m.metrics_json);
    s.bind_blob(11, artifact.data(), artifact.size());
    s.bind(12, m.n_train).bind(13, m.n_validation).bind(14, m.created_at);
    bind_objective(s, 15, m.objective);
    s.run();
}

std::optional<Model> SqliteStore::find_model(const std::string& id) {
    auto s = connection().prepare(std::string("SELECT ") + kModelColumns +
                                  " FROM ml_models m WHERE m.id = ?");
    s.bind(1, id);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_model(s);
}

std::vector<std::uint8_t> SqliteStore::model_artifact(const std::string& id) {
    auto s = connection().prepare("SELECT artifact FROM ml_models WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) {
        return {};
    }
    return s.column_blob(0);
}

std::vector<Model> SqliteStore::list_models() {
    auto s = connection().prepare(std::string("SELECT ") + kModelColumns +
                                  " FROM ml_models m ORDER BY m.created_at DESC, m.version DESC");
    std::vector<Model> out;
    while (s.step()) {
        out.push_back(read_model(s));
    }
    return out;
}

std::vector<Model> SqliteStore::list_versions(const std::string& lineage_id) {
    auto s = connection().prepare(std::string("SELECT ") + kModelColumns +
                                  " FROM ml_models m WHERE m.lineage_id = ? ORDER BY m.version");
    s.bind(1, lineage_id);
    std::vector<Model> out;
    while (s.step()) {
        out.push_back(read_model(s));
    }
    return out;
}

std::optional<Model> SqliteStore::active_model(const std::string& lineage_id) {
    auto s = connection().prepare(std::string("SELECT ") + kModelColumns +
                                  " FROM ml_models m WHERE m.lineage_id = ? AND "
                                  "m.status = 'active' ORDER BY m.version DESC LIMIT 1");
    s.bind(1, lineage_id);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_model(s);
}

void SqliteStore::set_model_status(const std::string& id, const std::string& status) {
    connection()
        .prepare("UPDATE ml_models SET status = ? WHERE id = ?")
        .bind(1, status)
        .bind(2, id)
        .run();
}

void SqliteStore::add_member(const std::string& lineage_id, const LabeledCompound& m,
                             std::int64_t added_version) {
    connection()
        // A validation member never changes; a training member takes the newest label.
        .prepare("INSERT INTO model_members(lineage_id, compound_id, role, label, source, "
                 "confidence, added_version) VALUES (?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT(lineage_id, compound_id) DO UPDATE SET label = excluded.label, "
                 "source = excluded.source, confidence = excluded.confidence "
                 "WHERE model_members.role = 'train' AND excluded.role = 'train'")
        .bind(1, lineage_id)
        .bind(2, m.compound_id)
        .bind(3, m.role)
        .bind(4, m.label)
        .bind(5, m.source)
        .bind(6, m.confidence)
        .bind(7, added_version)
        .run();
}

std::vector<LabeledCompound> SqliteStore::members(const std::string& lineage_id,
                                                  const std::string& role) {
    auto s = connection().prepare(
        "SELECT c.id, c.smiles, c.name, c.scaffold, c.features, mm.label, mm.source, "
        "mm.confidence, mm.role, mm.added_version FROM model_members mm JOIN compounds c ON c.id = "
        "mm.compound_id WHERE mm.lineage_id = ?1 AND (?2 = '' OR mm.role = ?2) "
        "ORDER BY mm.added_version, c.created_at, c.rowid");
    s.bind(1, lineage_id).bind(2, role);
    std::vector<LabeledCompound> out;
    while (s.step()) {
        out.push_back(read_labeled(s));
    }
    return out;
}

void SqliteStore::update_member_label(const std::string& lineage_id, const std::string& compound_id,
                                      double label) {
    connection()
        .prepare("UPDATE model_members SET label = ? WHERE lineage_id = ? AND compound_id = ?")
        .bind(1, label)
        .bind(2, lineage_id)
        .bind(3, compound_id)
        .run();
}

} // namespace labelloop::store
