// Tab 1, Label Queue: every item of the active model with its structure, prediction,
// uncertainty, applicability flag, priority, status and assignee; filters, sorting,
// multi-select with bulk assign / bulk skip for admins. Only visible rows are drawn
// (ImGuiListClipper) and filtering/sorting runs only when something changed.
#include "app.hpp"

#include "ui/keys.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdint>

namespace labelloop::app {
namespace {

constexpr float kThumbnail = 56.0F; // CSS pixels
const char* const kStatusFilters[] = {
    "all",     "open (pending + in progress)", "pending", "in_progress", "labeled", "skipped",
    "archived"};

ImTextureID as_texture(unsigned t) {
    return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(t));
}

std::string fmt(const std::optional<double>& v, const char* format = "%.2f") {
    if (!v) {
        return "-";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, format, *v);
    return buf;
}

} // namespace

void App::rebuild_visible_rows() {
    visible_.clear();
    for (std::size_t i = 0; i < queue_.size(); ++i) {
        const auto& q = queue_[i];
        bool keep = true;
        switch (status_filter_) {
        case 0:
            break;
        case 1:
            keep = q.is_open();
            break;
        default:
            keep = q.status == kStatusFilters[status_filter_];
        }
        if (keep && assignee_filter_ == 1) {
            keep = q.assigned_to == me_.id;
        } else if (keep && assignee_filter_ == 2) {
            keep = q.assigned_to.empty();
        } else if (keep && assignee_filter_ >= 3) {
            keep = static_cast<std::size_t>(assignee_filter_ - 3) < users_.size() &&
                   q.assigned_to == users_[static_cast<std::size_t>(assignee_filter_ - 3)].id;
        }
        if (keep) {
            visible_.push_back(i);
        }
    }
    const auto key = [this](std::size_t i, int column) -> double {
        const auto& q = queue_[i];
        switch (column) {
        case 2:
            return q.prediction.value_or(-1e300);
        case 3:
            return q.uncertainty.value_or(-1e300);
        case 4:
            return q.applicability_distance.value_or(-1e300);
        default:
            return q.priority_score;
        }
    };
    const bool descending = sort_descending_;
    const int column = sort_column_;
    std::stable_sort(visible_.begin(), visible_.end(), [&](std::size_t a, std::size_t b) {
        const auto& qa = queue_[a];
        const auto& qb = queue_[b];
        int cmp = 0;
        if (column == 1) {
            cmp = qa.compound_name.compare(qb.compound_name);
        } else if (column == 6) {
            cmp = qa.status.compare(qb.status);
        } else if (column == 7) {
            cmp = qa.assigned_to_name.compare(qb.assigned_to_name);
        } else {
            const double ka = key(a, column);
            const double kb = key(b, column);
            cmp = ka < kb ? -1 : (ka > kb ? 1 : 0);
        }
        return descending ? cmp > 0 : cmp < 0;
    });
    visible_dirty_ = false;
}

void App::open_item(std::size_t index) {
    if (index >= queue_.size()) {
        return;
    }
    current_ = static_cast<int>(index);
    label_text_[0] = '\0';
    label_class_ = -1;
    notes_[0] = '\0';
    form_error_.clear();
    requested_tab_ = Tab::Labeling;
}

void App::draw_model_picker(const char* widget) {
    const ModelInfo* current_model = active_model();
    const std::string shown = current_model != nullptr ? current_model->name + " v" +
                                                             std::to_string(current_model->version)
                                                       : "-";
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
    if (ImGui::BeginCombo("Model", shown.c_str())) {
        for (const ModelInfo& m : models_) {
            if (m.status != "active") {
                continue; // one entry per lineage: its active version
            }
            const std::string label = m.name + " v" + std::to_string(m.version);
            if (ImGui::Selectable(label.c_str(), &m == current_model)) {
                active_model_id_ = m.id;
                current_ = -1;
                preview_.clear();
                refresh_queue();
                refresh_cycles();
            }
        }
        ImGui::EndCombo();
    }
    widgets_.record_last_item(widget);
    draw_new_model_button(); // admins: next to the models it adds to
}

void App::draw_queue_tab() {
    if (visible_dirty_) {
        rebuild_visible_rows();
    }
    draw_conflicts();
    // Filters; the status combo is wide enough for its longest entry in full.
    float status_width = 0.0F;
    for (const char* f : kStatusFilters) {
        status_width = std::max(status_width, ImGui::CalcTextSize(f).x);
    }
    ImGui::SetNextItemWidth(status_width + ImGui::GetFrameHeight() +
                            ImGui::GetStyle().FramePadding.x * 3);
    if (ImGui::Combo("Status", &status_filter_, kStatusFilters, IM_ARRAYSIZE(kStatusFilters))) {
        visible_dirty_ = true;
    }
    widgets_.record_last_item("filter_status");
    ImGui::SameLine();
    std::vector<std::string> assignees = {"anyone", "me", "unassigned"};
    for (const auto& u : users_) {
        assignees.push_back(u.name);
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    if (ImGui::BeginCombo("Assignee",
                          assignees[static_cast<std::size_t>(std::min<int>(
                                        assignee_filter_, static_cast<int>(assignees.size()) - 1))]
                              .c_str())) {
        for (std::size_t i = 0; i < assignees.size(); ++i) {
            if (ImGui::Selectable(assignees[i].c_str(), static_cast<int>(i) == assignee_filter_)) {
                assignee_filter_ = static_cast<int>(i);
                visible_dirty_ = true;
            }
        }
        ImGui::EndCombo();
    }
    widgets_.record_last_item("filter_assignee");
    ImGui::SameLine();
    draw_model_picker("filter_model");
    ImGui::SameLine();
    if (ImGui::Button("Refresh")) {
        refresh_queue();
    }
    widgets_.record_last_item("queue_refresh");

    if (selection_changed_) { // counted on change, not every frame
        selected_count_ =
            static_cast<std::size_t>(std::count(selected_.begin(), selected_.end(), true));
        selection_changed_ = false;
    }
    const std::size_t n_selected = selected_count_;
    ImGui::Text("%zu of %zu items shown%s, %zu selected", visible_.size(), queue_.size(),
                sync_in_flight_ && syncs_done_ == 0 ? " (loading...)" : "", n_selected);
    widgets_.record_last_item("queue_summary");
    if (me_.is_admin()) {
        ImGui::SameLine(0.0F, ImGui::GetFontSize() * 2);
        std::vector<std::string> names;
        for (const auto& u : users_) {
            names.push_back(u.name + " (" + u.role + ")");
        }
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
        if (ImGui::BeginCombo("##bulk_user",
                              names.empty()
                                  ? "-"
                                  : names[static_cast<std::size_t>(std::min<int>(
                                              bulk_user_, static_cast<int>(names.size()) - 1))]
                                        .c_str())) {
            for (std::size_t i = 0; i < names.size(); ++i) {
                if (ImGui::Selectable(names[i].c_str(), static_cast<int>(i) == bulk_user_)) {
                    bulk_user_ = static_cast<int>(i);
                }
            }
            ImGui::EndCombo();
        }
        widgets_.record_last_item("bulk_user");
        ImGui::SameLine();
        ImGui::BeginDisabled(n_selected == 0 || users_.empty());
        if (ImGui::Button("Assign selected")) {
            bulk_assign(users_[static_cast<std::size_t>(bulk_user_)].id);
        }
        widgets_.record_last_item("bulk_assign");
        ImGui::SameLine();
        if (ImGui::Button("Skip selected")) {
            bulk_skip();
        }
        widgets_.record_last_item("bulk_skip");
        ImGui::EndDisabled();
    } else {
        ImGui::SameLine(0.0F, ImGui::GetFontSize() * 2);
        ImGui::TextDisabled("Bulk assign / skip: admins only");
        widgets_.record_last_item("bulk_admin_only");
    }

    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders |
                                  ImGuiTableFlags_ScrollY | ImGuiTableFlags_Sortable |
                                  ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp;
    const float thumb = kThumbnail * dpr_;
    if (ImGui::BeginTable("queue", 8, flags, ImVec2(0, ImGui::GetContentRegionAvail().y))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("Structure",
                                ImGuiTableColumnFlags_NoSort | ImGuiTableColumnFlags_WidthFixed,
                                std::max(thumb, ImGui::CalcTextSize("Structure").x));
        ImGui::TableSetupColumn("Compound", 0, 2.0F);
        ImGui::TableSetupColumn("Prediction", 0, 1.0F);
        ImGui::TableSetupColumn("Uncertainty", 0, 1.0F);
        ImGui::TableSetupColumn("AD distance", 0, 1.0F);
        ImGui::TableSetupColumn(
            "Priority",
            ImGuiTableColumnFlags_DefaultSort | ImGuiTableColumnFlags_PreferSortDescending, 1.0F);
        ImGui::TableSetupColumn("Status", 0, 1.0F);
        ImGui::TableSetupColumn("Assignee", 0, 1.2F);
        ImGui::TableHeadersRow();
        widgets_.record_last_item("queue_header");
        if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs()) {
            if (specs->SpecsDirty && specs->SpecsCount > 0) {
                sort_column_ = specs->Specs[0].ColumnIndex;
                sort_descending_ = specs->Specs[0].SortDirection == ImGuiSortDirection_Descending;
                specs->SpecsDirty = false;
                visible_dirty_ = true;
            }
        }
        // Keyboard: up/down move the cursor, Enter opens the item.
        if (ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows) &&
            !ImGui::GetIO().WantTextInput && !visible_.empty()) {
            if (key_pressed(ImGuiKey_DownArrow)) {
                queue_cursor_ =
                    std::min<int>(queue_cursor_ + 1, static_cast<int>(visible_.size()) - 1);
            }
            if (key_pressed(ImGuiKey_UpArrow)) {
                queue_cursor_ = std::max(queue_cursor_ - 1, 0);
            }
            if (enter_pressed() && queue_cursor_ >= 0 &&
                static_cast<std::size_t>(queue_cursor_) < visible_.size()) {
                open_item(visible_[static_cast<std::size_t>(queue_cursor_)]);
            }
        }
        ImGuiListClipper clipper;
        clipper.Begin(static_cast<int>(visible_.size()),
                      thumb + ImGui::GetStyle().CellPadding.y * 2);
        while (clipper.Step()) {
            for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
                const std::size_t index = visible_[static_cast<std::size_t>(row)];
                const QueueItem& q = queue_[index];
                ImGui::TableNextRow(0, thumb);
                ImGui::PushID(static_cast<int>(index));
                ImGui::TableSetColumnIndex(0);
                bool invalid = false;
                const unsigned tex =
                    depictions_.texture(q.smiles, static_cast<int>(thumb), &invalid);
                if (tex != 0) {
                    ImGui::Image(as_texture(tex), ImVec2(thumb, thumb));
                } else {
                    ImGui::Dummy(ImVec2(thumb, thumb));
                }
                ImGui::TableSetColumnIndex(1);
                const bool is_selected = selected_[index];
                const bool cursor = row == queue_cursor_;
                const std::string label = (q.compound_name.empty() ? q.smiles : q.compound_name);
                if (ImGui::Selectable(label.c_str(), is_selected || cursor,
                                      ImGuiSelectableFlags_SpanAllColumns |
                                          ImGuiSelectableFlags_AllowDoubleClick,
                                      ImVec2(0, thumb))) {
                    // Click opens the item; Ctrl+click toggles it in the selection,
                    // Shift+click extends the selection from the cursor.
                    const ImGuiIO& io = ImGui::GetIO();
                    if (io.KeyCtrl) {
                        selected_[index] = !selected_[index];
                    } else if (io.KeyShift && queue_cursor_ >= 0) {
                        const int lo = std::min(queue_cursor_, row),
                                  hi = std::max(queue_cursor_, row);
                        for (int r = lo; r <= hi; ++r) {
                            selected_[visible_[static_cast<std::size_t>(r)]] = true;
                        }
                    } else {
                        std::fill(selected_.begin(), selected_.end(), false);
                        open_item(index);
                    }
                    queue_cursor_ = row;
                    selection_changed_ = true;
                }
                if (ImGui::IsItemHovered()) {
                    // A larger structure, the whole name and the SMILES, which the row clips.
                    ImGui::BeginTooltip();
                    const float big = 220.0F * dpr_;
                    const unsigned big_tex =
                        depictions_.texture(q.smiles, static_cast<int>(big), nullptr);
                    if (big_tex != 0) {
                        ImGui::Image(as_texture(big_tex), ImVec2(big, big));
                    } else {
                        ImGui::Dummy(ImVec2(big, big));
                    }
                    ImGui::PushTextWrapPos(big * 1.6F);
                    ImGui::TextUnformatted(label.c_str());
                    ImGui::TextDisabled("%s", q.smiles.c_str());
                    ImGui::PopTextWrapPos();
                    ImGui::EndTooltip();
                    widgets_.record_last_item("queue_row_tooltip");
                }
                if (row < 20) {
                    widgets_.record_last_item("queue_row_" + std::to_string(row));
                }
                ImGui::TableSetColumnIndex(2);
                ImGui::TextUnformatted(fmt(q.prediction).c_str());
                ImGui::TableSetColumnIndex(3);
                ImGui::TextUnformatted(fmt(q.uncertainty, "%.3f").c_str());
                ImGui::TableSetColumnIndex(4);
                if (q.applicability_distance) {
                    ImGui::TextColored(
                        q.in_domain ? ImVec4(0.7F, 0.85F, 0.7F, 1) : ImVec4(0.95F, 0.6F, 0.3F, 1),
                        "%.2f %s", *q.applicability_distance, q.in_domain ? "in" : "OUT");
                } else {
                    ImGui::TextUnformatted("-");
                }
                ImGui::TableSetColumnIndex(5);
                ImGui::Text("%.3f", q.priority_score);
                ImGui::TableSetColumnIndex(6);
                if (q.local_change) {
                    ImGui::Text("%s (not synced)", q.status.c_str());
                } else {
                    ImGui::TextUnformatted(q.status.c_str());
                }
                ImGui::TableSetColumnIndex(7);
                ImGui::TextUnformatted(q.assigned_to_name.empty() ? "-"
                                                                  : q.assigned_to_name.c_str());
                ImGui::PopID();
            }
        }
        ImGui::EndTable();
    }
}

} // namespace labelloop::app
