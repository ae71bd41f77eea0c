#include "api/types.hpp"

namespace labelloop::app {
namespace {

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<double> num(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? std::optional<double>(it->get<double>())
                                            : std::nullopt;
}

std::int64_t integer(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<std::int64_t>() : 0;
}

json object(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end()) {
        return json::object();
    }
    if (it->is_string()) { // some fields travel as JSON text
        auto parsed = json::parse(it->get<std::string>(), nullptr, false);
        return parsed.is_object() ? parsed : json::object();
    }
    return it->is_object() ? *it : json::object();
}

} // namespace

QueueItem parse_queue_item(const json& j) {
    QueueItem q;
    q.id = str(j, "id");
    q.compound_id = str(j, "compound_id");
    q.model_id = str(j, "model_id");
    q.smiles = str(j, "smiles");
    q.compound_name = str(j, "compound_name");
    q.prediction = num(j, "prediction");
    q.uncertainty = num(j, "uncertainty");
    q.applicability_distance = num(j, "applicability_distance");
    auto in_domain = j.find("in_domain");
    q.in_domain = in_domain == j.end() || !in_domain->is_boolean() || in_domain->get<bool>();
    q.selection_strategy = str(j, "selection_strategy");
    q.selection_batch = str(j, "selection_batch");
    q.priority_score = num(j, "priority_score").value_or(0.0);
    q.status = str(j, "status");
    q.assigned_to = str(j, "assigned_to");
    q.assigned_to_name = str(j, "assigned_to_name");
    q.label = num(j, "label");
    q.label_source = str(j, "label_source");
    q.label_confidence = str(j, "label_confidence");
    q.labeled_by = str(j, "labeled_by");
    q.labeled_by_name = str(j, "labeled_by_name");
    q.labeled_at = str(j, "labeled_at");
    q.notes = str(j, "notes");
    q.created_at = str(j, "created_at");
    q.version = integer(j, "version");
    return q;
}

ModelInfo parse_model(const json& j) {
    ModelInfo m;
    m.id = str(j, "id");
    m.lineage_id = str(j, "lineage_id");
    m.name = str(j, "name");
    m.property = str(j, "property");
    m.task = str(j, "task");
    m.version = integer(j, "version");
    m.status = str(j, "status");
    m.metrics = object(j, "metrics");
    m.n_train = integer(j, "n_train");
    m.n_validation = integer(j, "n_validation");
    m.created_at = str(j, "created_at");
    m.objective = parse_objective(object(j, "objective"));
    m.objective_text = str(j, "objective_text");
    return m;
}

Objective parse_objective(const json& j) {
    Objective o;
    try {
        o.kind = parse_objective_kind(str(j, "kind"));
    } catch (const std::exception&) {
        return Objective{}; // absent or a kind this app does not know: no objective
    }
    o.lo = num(j, "lo").value_or(0.0);
    o.hi = num(j, "hi").value_or(0.0);
    o.target_class = static_cast<int>(num(j, "class").value_or(1.0));
    o.hit_threshold = num(j, "hit_threshold");
    return o;
}

json objective_json(const Objective& objective) {
    json j = {{"kind", to_string(objective.kind)}};
    switch (objective.kind) {
    case ObjectiveKind::Window:
        j["lo"] = objective.lo;
        j["hi"] = objective.hi;
        break;
    case ObjectiveKind::Class:
        j["class"] = objective.target_class;
        break;
    case ObjectiveKind::Maximize:
    case ObjectiveKind::Minimize:
        if (objective.hit_threshold) {
            j["hit_threshold"] = *objective.hit_threshold;
        }
        break;
    case ObjectiveKind::None:
        break;
    }
    return j;
}

std::string objective_label(const ModelInfo& model) {
    if (!model.has_objective()) {
        return "";
    }
    return model.objective_text.empty() ? describe(model.objective) : model.objective_text;
}

Cycle parse_cycle(const json& j) {
    Cycle c;
    c.id = str(j, "id");
    c.model_id = str(j, "model_id");
    c.cycle_number = integer(j, "cycle_number");
    c.selection_strategy = str(j, "selection_strategy");
    c.batch_size = integer(j, "batch_size");
    c.status = str(j, "status");
    c.metrics_before = object(j, "metrics_before");
    c.metrics_after = object(j, "metrics_after");
    c.items_selected = integer(j, "items_selected");
    c.items_labeled = integer(j, "items_labeled");
    c.items_skipped = integer(j, "items_skipped");
    c.hits_found = num(j, "hits_found");
    c.hits_found_total = num(j, "hits_found_total");
    c.expected_hits_remaining = num(j, "expected_hits_remaining");
    c.started_at = str(j, "started_at");
    c.completed_at = str(j, "completed_at");
    return c;
}

Job parse_job(const json& j) {
    Job job;
    job.id = str(j, "id");
    job.status = str(j, "status");
    job.progress = num(j, "progress").value_or(0.0);
    job.message = str(j, "message");
    job.error = str(j, "error");
    job.result = object(j, "result");
    return job;
}

User parse_user(const json& j) {
    return User{str(j, "id"), str(j, "name"), str(j, "role")};
}

std::string describe_error(int status, const std::string& body,
                           const std::string& transport_error) {
    if (status == 0) {
        return transport_error.empty() ? "The server could not be reached." : transport_error;
    }
    const auto parsed = json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
        const std::string message = str(parsed["error"], "message");
        if (!message.empty()) {
            return message;
        }
    }
    switch (status) {
    case 401:
        return "Your sign-in token is missing or no longer valid: sign in again.";
    case 403:
        return "You are not allowed to do this.";
    case 404:
        return "The server does not know this item (it may have been removed).";
    case 409:
        return "Someone else changed this item meanwhile: it was refreshed.";
    default:
        return "The server answered with status " + std::to_string(status) + ".";
    }
}

} // namespace labelloop::app
