#include "service/model_service.hpp"

#include "service/auth_service.hpp"
#include "service/errors.hpp"
#include "service/model_engine.hpp"
#include "util/ids.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

namespace labelloop::service {
namespace {

/// Marks the validation compounds: a seeded shuffle (random) or whole Bemis-Murcko scaffold
/// groups, largest first into training, so that validation holds unseen scaffolds.
std::vector<bool> validation_mask(const std::vector<domain::LabeledCompound>& rows,
                                  const std::string& split, double fraction, std::uint64_t seed) {
    const std::size_t n = rows.size();
    const auto n_val = static_cast<std::size_t>(static_cast<double>(n) * fraction + 0.5);
    std::vector<bool> mask(n, false);
    std::mt19937_64 rng(seed);
    if (split == "random") {
        std::vector<std::size_t> order(n);
        for (std::size_t i = 0; i < n; ++i) {
            order[i] = i;
        }
        std::shuffle(order.begin(), order.end(), rng);
        for (std::size_t i = 0; i < n_val; ++i) {
            mask[order[i]] = true;
        }
        return mask;
    }
    std::map<std::string, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < n; ++i) {
        // Acyclic compounds have an empty scaffold: each forms its own group.
        const std::string key =
            rows[i].scaffold.empty() ? "acyclic:" + rows[i].compound_id : rows[i].scaffold;
        groups[key].push_back(i);
    }
    std::vector<std::vector<std::size_t>> ordered;
    for (auto& g : groups) {
        ordered.push_back(std::move(g.second));
    }
    std::shuffle(ordered.begin(), ordered.end(), rng);
    // Small groups go to validation first (deterministic given the seed), as in scaffold
    // splits where big scaffold families stay in training.
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto& a, const auto& b) { return a.size() < b.size(); });
    std::size_t taken = 0;
    for (const auto& g : ordered) {
        if (taken >= n_val) {
            break;
        }
        for (std::size_t i : g) {
            mask[i] = true;
        }
        taken += g.size();
    }
    return mask;
}

using json = nlohmann::json;

[[noreturn]] void bad_objective(const std::string& field, const std::string& message) {
    fail(ErrorKind::InvalidValue, message, {{"field", field}});
}

double objective_number(const json& j, const char* key) {
    const std::string field = std::string("objective.") + key;
    const json& v = j.at(key);
    if (!v.is_number()) {
        bad_objective(field, "Field '" + field + "' must be a number.");
    }
    const double x = v.get<double>();
    if (!std::isfinite(x)) {
        bad_objective(field, "Field '" + field + "' must be a finite number.");
    }
    return x;
}

// Which members an objective kind reads ("kind" aside).
bool member_applies(ObjectiveKind kind, const std::string& key) {
    if (key == "lo" || key == "hi") {
        return kind == ObjectiveKind::Window;
    }
    if (key == "class") {
        return kind == ObjectiveKind::Class;
    }
    return kind == ObjectiveKind::Maximize || kind == ObjectiveKind::Minimize; // hit_threshold
}

const char* member_kinds(const std::string& key) {
    if (key == "lo" || key == "hi") {
        return "a window objective";
    }
    if (key == "class") {
        return "a class objective";
    }
    return "a maximize or minimize objective";
}

} // namespace

json objective_json(const Objective& o) {
    json j = {{"kind", to_string(o.kind)}};
    switch (o.kind) {
    case ObjectiveKind::Window:
        j["lo"] = o.lo;
        j["hi"] = o.hi;
        break;
    case ObjectiveKind::Class:
        j["class"] = o.target_class;
        break;
    case ObjectiveKind::Maximize:
    case ObjectiveKind::Minimize:
        if (o.hit_threshold) {
            j["hit_threshold"] = *o.hit_threshold;
        }
        break;
    case ObjectiveKind::None:
        break;
    }
    return j;
}

Objective parse_objective(const json& j) {
    if (j.is_null()) {
        return {};
    }
    if (!j.is_object()) {
        fail(ErrorKind::BadRequest,
             "Field 'objective' must be an object {kind, lo?, hi?, class?, hit_threshold?}.",
             {{"field", "objective"}});
    }
    static const char* const kMembers[] = {"kind", "lo", "hi", "class", "hit_threshold"};
    for (const auto& item : j.items()) {
        if (std::none_of(std::begin(kMembers), std::end(kMembers),
                         [&](const char* m) { return item.key() == m; })) {
            bad_objective("objective." + item.key(),
                          "Unknown field 'objective." + item.key() +
                              "': use kind, lo and hi (window), class (class) or hit_threshold "
                              "(maximize, minimize).");
        }
    }
    const auto present = [&](const char* key) { return j.contains(key) && !j.at(key).is_null(); };
    if (!present("kind")) {
        bad_objective("objective.kind", "An objective needs 'kind': none, maximize, minimize, "
                                        "window or class.");
    }
    if (!j.at("kind").is_string()) {
        bad_objective("objective.kind", "Field 'objective.kind' must be a string: none, "
                                        "maximize, minimize, window or class.");
    }
    Objective o;
    try {
        o.kind = parse_objective_kind(j.at("kind").get<std::string>());
    } catch (const ObjectiveError& e) {
        bad_objective(e.field(), std::string("Invalid objective: ") + e.what() + ".");
    }
    for (const char* key : {"lo", "hi", "class", "hit_threshold"}) {
        if (present(key) && !member_applies(o.kind, key)) {
            bad_objective(std::string("objective.") + key,
                          std::string("Field 'objective.") + key + "' applies only to " +
                              member_kinds(key) + ", not to '" + to_string(o.kind) + "'.");
        }
    }
    switch (o.kind) {
    case ObjectiveKind::Window:
        for (const char* key : {"lo", "hi"}) {
            if (!present(key)) {
                bad_objective(std::string("objective.") + key,
                              "A window objective needs 'lo' and 'hi' (the range of a hit).");
            }
        }
        o.lo = objective_number(j, "lo");
        o.hi = objective_number(j, "hi");
        break;
    case ObjectiveKind::Class: {
        if (!present("class")) {
            bad_objective("objective.class", "A class objective needs 'class': the class "
                                             "sought, 0 or 1.");
        }
        const double c = objective_number(j, "class");
        if (c != 0.0 && c != 1.0) {
            bad_objective("objective.class", "Field 'objective.class' must be 0 or 1.");
        }
        o.target_class = static_cast<int>(c);
        break;
    }
    case ObjectiveKind::Maximize:
    case ObjectiveKind::Minimize:
        if (present("hit_threshold")) {
            o.hit_threshold = objective_number(j, "hit_threshold");
        }
        break;
    case ObjectiveKind::None:
        break;
    }
    return o;
}

double percentile(std::vector<double> values, double pct) {
    std::sort(values.begin(), values.end());
    const double pos = pct / 100.0 * static_cast<double>(values.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(pos));
    const std::size_t above = std::min(below + 1, values.size() - 1);
    const double frac = pos - static_cast<double>(below);
    return values[below] + frac * (values[above] - values[below]);
}

domain::Model ModelService::create_model(const domain::User* caller,
                                         const CreateModelRequest& request,
                                         const ProgressCallback& progress) {
    if (caller != nullptr) {
        require_admin(*caller, "create models");
    }
    if (request.name.empty()) {
        fail(ErrorKind::InvalidValue, "A model needs a name.", {{"field", "name"}});
    }
    if (request.property.empty()) {
        fail(ErrorKind::InvalidValue, "A model needs the property it predicts.",
             {{"field", "property"}});
    }
    if (request.task != "regression" && request.task != "classification") {
        fail(ErrorKind::InvalidValue,
             "Unknown task '" + request.task + "': use regression or classification.",
             {{"field", "task"}});
    }
    Objective objective = request.objective;
    try {
        check_objective(objective,
                        request.task == "classification" ? Task::Classification : Task::Regression);
    } catch (const ObjectiveError& e) {
        fail(ErrorKind::InvalidValue,
             "Objective '" + describe(objective) + "' does not fit this " + request.task +
                 " model: " + e.what() + ".",
             {{"field", e.field()}});
    }
    if (request.split != "random" && request.split != "scaffold") {
        fail(ErrorKind::InvalidValue,
             "Unknown split '" + request.split + "': use random or scaffold.",
             {{"field", "split"}});
    }
    if (!(request.validation_fraction > 0.0 && request.validation_fraction < 0.9)) {
        fail(ErrorKind::InvalidValue, "validation_fraction must be above 0 and below 0.9.",
             {{"field", "validation_fraction"}});
    }
    for (const auto& m : store_.list_models()) {
        if (m.name == request.name) {
            fail(ErrorKind::Conflict, "A model named '" + request.name + "' already exists.");
        }
    }
    std::optional<std::string> dataset_id;
    if (request.dataset) {
        dataset_id = store_.find_dataset(*request.dataset);
        if (!dataset_id) {
            fail(ErrorKind::NotFound, "There is no dataset named '" + *request.dataset + "'.");
        }
    }
    auto labeled = store_.labeled_compounds(request.property, dataset_id);
    if (!request.compound_ids.empty()) {
        const std::set<std::string> wanted(request.compound_ids.begin(),
                                           request.compound_ids.end());
        labeled.erase(
            std::remove_if(labeled.begin(), labeled.end(),
                           [&](const auto& c) { return wanted.count(c.compound_id) == 0; }),
            labeled.end());
    }
    if (labeled.size() < 10) {
        fail(ErrorKind::InvalidValue,
             "A model needs at least 10 compounds labeled with '" + request.property + "'; " +
                 std::to_string(labeled.size()) + " found. Import labels first.",
             {{"field", "property"}, {"labeled", labeled.size()}});
    }
    if ((objective.kind == ObjectiveKind::Maximize || objective.kind == ObjectiveKind::Minimize) &&
        !objective.hit_threshold) {
        // Every objective model defines a hit, so cycles can count them: the best tenth of
        // the values the model starts from (training and validation alike).
        std::vector<double> values;
        values.reserve(labeled.size());
        for (const auto& c : labeled) {
            values.push_back(c.label);
        }
        objective.hit_threshold =
            percentile(values, objective.kind == ObjectiveKind::Maximize ? 90.0 : 10.0);
    }
    std::vector<bool> mask;
    if (request.validation_compound_ids.empty()) {
        mask = validation_mask(labeled, request.split, request.validation_fraction, request.seed);
    } else {
        const std::set<std::string> validation(request.validation_compound_ids.begin(),
                                               request.validation_compound_ids.end());
        for (const auto& c : labeled) {
            mask.push_back(validation.count(c.compound_id) != 0);
        }
        const auto n_val = static_cast<std::size_t>(std::count(mask.begin(), mask.end(), true));
        if (n_val != validation.size() || n_val == labeled.size()) {
            fail(ErrorKind::InvalidValue,
                 "validation_compound_ids must all be labeled compounds of the model and leave "
                 "some for training.",
                 {{"field", "validation_compound_ids"}});
        }
    }
    std::vector<engine::TrainingRow> train_rows;
    std::vector<engine::TrainingRow> validation_rows;
    for (std::size_t i = 0; i < labeled.size(); ++i) {
        labeled[i].role = mask[i] ? "validation" : "train";
        (mask[i] ? validation_rows : train_rows)
            .push_back({labeled[i].features, labeled[i].label, labeled[i].source,
                        labeled[i].confidence, labeled[i].smiles});
    }
    engine::TrainResult trained;
    try {
        trained = engine::train(request.task, train_rows, validation_rows, request.params, progress,
                                objective);
    } catch (const std::invalid_argument& e) {
        fail(ErrorKind::InvalidValue, std::string("Cannot train the model: ") + e.what());
    }
    domain::Model model;
    model.id = util::new_uuid();
    model.lineage_id = model.id;
    model.name = request.name;
    model.property = request.property;
    model.task = request.task;
    model.version = 1;
    model.status = "active";
    trained.params["split"] = request.split;
    trained.params["validation_fraction"] = request.validation_fraction;
    trained.params["split_seed"] = request.seed;
    model.params_json = trained.params.dump();
    model.metrics_json = trained.metrics.dump();
    model.n_train = static_cast<std::int64_t>(train_rows.size());
    model.n_validation = static_cast<std::int64_t>(validation_rows.size());
    model.created_at = util::utc_now();
    model.objective = objective;
    store_.transaction([&] {
        store_.insert_model(model, trained.artifact);
        for (const auto& m : labeled) {
            store_.add_member(model.lineage_id, m, 1);
        }
        store_.insert_audit({0, caller ? std::optional<std::string>(caller->id) : std::nullopt,
                             "model.create", "model", model.id, std::nullopt,
                             nlohmann::json{{"name", model.name},
                                            {"objective", objective_json(objective)},
                                            {"n_train", model.n_train},
                                            {"n_validation", model.n_validation}}
                                 .dump(),
                             model.created_at});
    });
    return model;
}

std::vector<domain::Model> ModelService::list_models() {
    return store_.list_models();
}

domain::Model ModelService::get_model(const std::string& id) {
    return found_or_not_found(store_.find_model(id), "model", id);
}

std::vector<domain::Model> ModelService::versions(const std::string& id) {
    return store_.list_versions(get_model(id).lineage_id);
}

std::vector<std::uint8_t> ModelService::artifact(const std::string& id) {
    get_model(id);
    return store_.model_artifact(id);
}

std::vector<domain::LabeledCompound> ModelService::training_set(const std::string& id) {
    const auto model = get_model(id);
    auto rows = store_.members(model.lineage_id, "");
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const auto& r) { return r.added_version > model.version; }),
               rows.end());
    return rows;
}

} // namespace labelloop::service
