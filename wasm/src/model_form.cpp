// An admin creates a model from imported labels, with the objective its discovery strategies
// rank toward: a compact modal opened from the header. POST /api/v1/models trains the model
// before it answers, so the form says "Training..." until the new model is there; a refusal
// (422 naming the field) stays in the form, next to what caused it. The member family (boosted
// trees, random trees, message-passing networks) and its sizes are bounded as the server
// bounds them, so the form cannot ask for hours of training.
#include "app.hpp"
#include "labelloop/json_mapping.hpp"

#include <imgui.h>

#include <algorithm>
#include <stdexcept>

namespace labelloop::app {
namespace {

const char* const kTasks[] = {"regression", "classification"};
const char* const kSplits[] = {"random", "scaffold"};
// The objective kinds each task can take (check_objective refuses the others).
const ObjectiveKind kRegressionKinds[] = {ObjectiveKind::None, ObjectiveKind::Maximize,
                                          ObjectiveKind::Minimize, ObjectiveKind::Window};
const ObjectiveKind kClassificationKinds[] = {ObjectiveKind::None, ObjectiveKind::Class};

// The member families POST /models takes (params.member_type), with what each costs.
struct MemberFamily {
    const char* type; // params.member_type
    const char* label;
    const char* cost; // the hint under the combo
    bool network;     // mpnn: depth, hidden width and epochs apply
    int default_members;
    int max_members;
    int members_step;
};
// The server's limits: EnsembleParams::validate (2-10000 members, at most kMaxMpnnMembers
// networks) and its mpnn checks (shared/src/ensemble.cpp: depth 1-6, hidden 8-512, epochs
// 1-500, or 0 here for the server's choice). The form clamps to these and then runs the same
// parse_ensemble_params as the server, so a limit changed there is still named here before anything
// is sent.
constexpr int kMinMembers = 2;
constexpr int kMaxTreeMembers = 10000;
constexpr int kMinDepth = 1, kMaxDepth = 6;
constexpr int kMinHidden = 8, kMaxHidden = 512;
// Epochs 0 sends none: the server's EnsembleParams::recommended picks 120 below 2000 training
// compounds and 60 from 2000 on.
constexpr int kMinEpochs = 0, kMaxEpochs = 500;
const MemberFamily kFamilies[] = {
    {"gradient_boosted", "boosted trees",
     "The default: trains in seconds on the server, scored in the browser.", false,
     static_cast<int>(EnsembleParams::gradient_boosted().n_members), kMaxTreeMembers, 10},
    {"random_tree", "random trees", "Trains in seconds on the server, scored in the browser.",
     false, static_cast<int>(EnsembleParams::random_forest().n_members), kMaxTreeMembers, 10},
    {"mpnn", "message passing (mpnn)",
     "Networks on the molecule graph: train for tens of seconds to minutes on the server, "
     "scored in the browser.",
     true, static_cast<int>(EnsembleParams::mpnn_ensemble().n_members),
     static_cast<int>(EnsembleParams::kMaxMpnnMembers), 1},
};

const char* kind_label(ObjectiveKind k) {
    switch (k) {
    case ObjectiveKind::Maximize:
        return "maximize";
    case ObjectiveKind::Minimize:
        return "minimize";
    case ObjectiveKind::Window:
        return "window [lo, hi]";
    case ObjectiveKind::Class:
        return "class";
    case ObjectiveKind::None:
        break;
    }
    return "none";
}

/// Everything the form holds, to notice an edit (which retires the last refusal).
std::string form_values(const char* name, const char* property, const char* dataset,
                        std::initializer_list<double> numbers) {
    std::string out = std::string(name) + '\n' + property + '\n' + dataset;
    for (const double x : numbers) {
        out += '\n' + std::to_string(x);
    }
    return out;
}

} // namespace

void App::draw_new_model_button() {
    if (!me_.is_admin()) {
        return;
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("New model...")) {
        new_model_.open_requested = true;
    }
    widgets_.record_last_item("new_model_button");
}

void App::draw_new_model_form() {
    NewModelForm& f = new_model_;
    if (f.open_requested) {
        f.open_requested = false;
        if (!f.submitting) {
            f.error.clear();
        }
        ImGui::OpenPopup("New model");
    }
    if (!ImGui::BeginPopupModal("New model", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
        return;
    }
    if (f.close_requested) {
        f.close_requested = false;
        ImGui::CloseCurrentPopup();
    }
    const float field = ImGui::GetFontSize() * 14;
    ImGui::TextDisabled("Trains on the labels imported for the property (optionally one dataset).");
    const auto values = [&f] {
        return form_values(f.name, f.property, f.dataset,
                           {double(f.task), double(f.split), double(f.kind), f.lo, f.hi,
                            double(f.target_class), double(f.use_hit_threshold), f.hit_threshold,
                            double(f.family), double(f.members), double(f.mpnn_depth),
                            double(f.mpnn_hidden), double(f.mpnn_epochs)});
    };
    const std::string before = values();
    ImGui::BeginDisabled(f.submitting);
    ImGui::SetNextItemWidth(field);
    ImGui::InputText("Name", f.name, sizeof f.name);
    widgets_.record_last_item("new_model_name");
    ImGui::SetNextItemWidth(field);
    ImGui::InputText("Property", f.property, sizeof f.property);
    widgets_.record_last_item("new_model_property");
    ImGui::SetNextItemWidth(field);
    ImGui::InputTextWithHint("Dataset", "all imported compounds", f.dataset, sizeof f.dataset);
    widgets_.record_last_item("new_model_dataset");
    ImGui::SetNextItemWidth(field);
    if (ImGui::Combo("Task", &f.task, kTasks, IM_ARRAYSIZE(kTasks))) {
        f.kind = 0; // the other task's objectives do not apply
    }
    widgets_.record_last_item("new_model_task");
    ImGui::SetNextItemWidth(field);
    ImGui::Combo("Validation split", &f.split, kSplits, IM_ARRAYSIZE(kSplits));
    widgets_.record_last_item("new_model_split");

    f.family = std::clamp(f.family, 0, int(IM_ARRAYSIZE(kFamilies)) - 1);
    ImGui::SetNextItemWidth(field);
    if (ImGui::BeginCombo("Model family", kFamilies[f.family].label)) {
        for (int i = 0; i < IM_ARRAYSIZE(kFamilies); ++i) {
            if (ImGui::Selectable(kFamilies[i].label, i == f.family) && i != f.family) {
                f.family = i;
                f.members = kFamilies[i].default_members; // 100 networks would take hours
            }
            widgets_.record_last_item(std::string("new_model_family_") + kFamilies[i].type);
        }
        ImGui::EndCombo();
    }
    widgets_.record_last_item("new_model_family");
    const MemberFamily& family = kFamilies[f.family];
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + field * 1.8F);
    ImGui::TextDisabled("%s", family.cost);
    ImGui::PopTextWrapPos();
    // An integer field held within [lo, hi] whatever is typed, its range in the label (drawn
    // after it, so the recorded rectangle is the input and its step buttons).
    const auto bounded_int = [&](const char* label, const char* id, int* value, int lo, int hi,
                                 int step) {
        ImGui::SetNextItemWidth(field);
        ImGui::InputInt((std::string("##") + id).c_str(), value, step, step * 10);
        *value = std::clamp(*value, lo, hi);
        widgets_.record_last_item(id);
        ImGui::SameLine(0, ImGui::GetStyle().ItemInnerSpacing.x);
        ImGui::Text("%s (%d-%d)", label, lo, hi);
    };
    bounded_int("Members", "new_model_members", &f.members, kMinMembers, family.max_members,
                family.members_step);
    if (family.network) {
        bounded_int("Depth, message steps", "new_model_depth", &f.mpnn_depth, kMinDepth, kMaxDepth,
                    1);
        bounded_int("Hidden width", "new_model_hidden", &f.mpnn_hidden, kMinHidden, kMaxHidden, 8);
        bounded_int("Max epochs, 0 = by set size", "new_model_epochs", &f.mpnn_epochs, kMinEpochs,
                    kMaxEpochs, 10);
        if (ImGui::IsItemHovered()) {
            ImGui::SetTooltip("Each network stops early once its held-out loss stops improving. "
                              "0: 120 epochs below 2000 training compounds, 60 from 2000 on.");
        }
    }

    const bool classification = f.task == 1;
    const ObjectiveKind* kinds = classification ? kClassificationKinds : kRegressionKinds;
    const int n_kinds =
        classification ? IM_ARRAYSIZE(kClassificationKinds) : IM_ARRAYSIZE(kRegressionKinds);
    f.kind = std::min(f.kind, n_kinds - 1);
    const ObjectiveKind kind = kinds[f.kind];
    ImGui::SetNextItemWidth(field);
    if (ImGui::BeginCombo("Objective", kind_label(kind))) {
        for (int i = 0; i < n_kinds; ++i) {
            if (ImGui::Selectable(kind_label(kinds[i]), i == f.kind)) {
                f.kind = i;
            }
            widgets_.record_last_item("new_model_kind_" + to_string(kinds[i]));
        }
        ImGui::EndCombo();
    }
    widgets_.record_last_item("new_model_objective");
    const float half = (field - ImGui::GetStyle().ItemInnerSpacing.x) / 2;
    if (kind == ObjectiveKind::None) {
        ImGui::TextDisabled("Model improvement only: discovery strategies need an objective.");
    } else if (kind == ObjectiveKind::Window) {
        ImGui::SetNextItemWidth(half);
        ImGui::InputFloat("##lo", &f.lo, 0.0F, 0.0F, "%.3g");
        widgets_.record_last_item("new_model_lo");
        ImGui::SameLine(0, ImGui::GetStyle().ItemInnerSpacing.x);
        ImGui::SetNextItemWidth(half);
        ImGui::InputFloat("lo, hi: a hit lies inside", &f.hi, 0.0F, 0.0F, "%.3g");
        widgets_.record_last_item("new_model_hi");
    } else if (kind == ObjectiveKind::Class) {
        ImGui::TextUnformatted("Class sought");
        ImGui::SameLine();
        ImGui::RadioButton("0", &f.target_class, 0);
        widgets_.record_last_item("new_model_class_0");
        ImGui::SameLine();
        ImGui::RadioButton("1", &f.target_class, 1);
        widgets_.record_last_item("new_model_class_1");
    } else if (kind == ObjectiveKind::Maximize || kind == ObjectiveKind::Minimize) {
        ImGui::Checkbox("Hit when", &f.use_hit_threshold);
        widgets_.record_last_item("new_model_use_hit");
        ImGui::SameLine();
        ImGui::TextUnformatted(kind == ObjectiveKind::Maximize ? ">=" : "<=");
        ImGui::SameLine();
        ImGui::BeginDisabled(!f.use_hit_threshold);
        ImGui::SetNextItemWidth(half);
        ImGui::InputFloat("##hit", &f.hit_threshold, 0.0F, 0.0F, "%.3g");
        widgets_.record_last_item("new_model_hit_threshold");
        ImGui::EndDisabled();
        if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
            ImGui::BeginTooltip();
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24);
            ImGui::TextUnformatted(
                "A compound at or beyond this value is a hit: Cycle History counts the hits each "
                "cycle found and those still expected in the pool. Left unticked, the server "
                "takes the best tenth of the labels the model starts from.");
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
    }
    ImGui::EndDisabled();
    if (!f.submitting && values() != before) {
        f.error.clear(); // the refusal was about what the form held before this edit
    }

    if (!f.error.empty()) {
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + field * 1.8F);
        ImGui::TextColored(ImVec4(0.95F, 0.45F, 0.35F, 1), "%s", f.error.c_str());
        ImGui::PopTextWrapPos();
        widgets_.record_last_item("new_model_error");
    }
    ImGui::BeginDisabled(f.submitting);
    if (ImGui::Button(f.submitting ? "Training...###new_model_create"
                                   : "Create###new_model_create")) {
        submit_new_model();
    }
    widgets_.record_last_item("new_model_create");
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button(f.submitting ? "Close###new_model_cancel" : "Cancel###new_model_cancel")) {
        ImGui::CloseCurrentPopup(); // a running request still reports in a notice
    }
    widgets_.record_last_item("new_model_cancel");
    if (f.submitting) {
        ImGui::SameLine();
        ImGui::TextDisabled("training on the server... %d s",
                            static_cast<int>(std::max(0.0, now_ - f.sent_at)));
    }
    ImGui::EndPopup();
}

void App::submit_new_model() {
    NewModelForm& f = new_model_;
    const std::string name = f.name;
    const std::string property = f.property;
    if (name.empty() || property.empty()) {
        f.error = name.empty() ? "name: give the model a name."
                               : "property: name the imported property to train on.";
        return;
    }
    const bool classification = f.task == 1;
    Objective objective;
    objective.kind = classification ? kClassificationKinds[f.kind] : kRegressionKinds[f.kind];
    objective.lo = f.lo;
    objective.hi = f.hi;
    objective.target_class = f.target_class;
    if (f.use_hit_threshold) {
        objective.hit_threshold = f.hit_threshold;
    }
    try {
        // The same check the server runs: a bad window is named before any training.
        check_objective(objective, classification ? Task::Classification : Task::Regression);
    } catch (const ObjectiveError& e) {
        f.error = e.field() + ": " + e.what();
        return;
    }
    json body = {{"name", name},
                 {"property", property},
                 {"task", kTasks[f.task]},
                 {"split", kSplits[f.split]}};
    if (f.dataset[0] != '\0') {
        body["dataset"] = std::string(f.dataset);
    }
    if (objective.active()) {
        body["objective"] = objective_json(objective);
    }
    const MemberFamily& family = kFamilies[f.family];
    json params = {{"member_type", family.type}, {"n_members", f.members}};
    if (family.network) {
        params["mpnn"] = {{"depth", f.mpnn_depth}, {"hidden", f.mpnn_hidden}};
        if (f.mpnn_epochs > 0) {
            params["mpnn"]["epochs"] = f.mpnn_epochs;
        }
    }
    try {
        // The server's own parameter check: a size it would refuse is named before training.
        parse_ensemble_params(params, EnsembleParams::recommended(0));
    } catch (const std::invalid_argument& e) {
        f.error = e.what();
        return;
    }
    body["params"] = params;
    f.error.clear();
    f.sent = body;
    f.sent_at = now_;
    f.submitting = true;
    api_.post(
        "/api/v1/models", body,
        [this](const json& answer) {
            new_model_.submitting = false;
            new_model_.close_requested = true;
            const ModelInfo created = parse_model(answer);
            const std::string goal = objective_label(created);
            notify("Model '" + created.name + "' v" + std::to_string(created.version) +
                       " trained on " + std::to_string(created.n_train) + " compounds" +
                       (goal.empty() ? "" : ", objective " + goal) +
                       ": it is now the active model.",
                   false);
            // Switch to it: refresh_models keeps the active model's lineage.
            models_.insert(models_.begin(), created);
            active_model_id_ = created.id;
            current_ = -1;
            preview_.clear();
            refresh_models();
        },
        [this](int status, const std::string& message) {
            new_model_.submitting = false;
            new_model_.error =
                (status == 0 ? "" : "Refused (" + std::to_string(status) + "): ") + message;
        });
}

} // namespace labelloop::app
