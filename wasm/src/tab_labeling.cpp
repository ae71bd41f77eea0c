// Tab 2, Labeling: one item at a time: its structure and properties, the most similar
// labeled compounds, the model's prediction with its uncertainty drawn (ensemble members,
// 90 % interval, applicability distance against its threshold), and the label form with
// Next / Skip / Save & Next and their keyboard shortcuts.
#include "app.hpp"

#include "platform/rdkit_bridge.hpp"
#include "ui/keys.hpp"
#include "ui/property_table.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>

namespace labelloop::app {
namespace {

constexpr float kStructure = 300.0F; // CSS pixels
constexpr float kSimilarThumb = 72.0F;
constexpr std::size_t kSimilarCount = 6;
const char* const kSources[] = {"experimental", "literature", "expert estimate"};
const char* const kConfidences[] = {"high", "medium", "low"};

ImTextureID as_texture(unsigned t) {
    return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(t));
}

} // namespace

void App::move_to_next_open(int direction) {
    if (visible_dirty_) {
        rebuild_visible_rows();
    }
    if (queue_.empty()) {
        current_ = -1;
        return;
    }
    // Walk the Label Queue's order (filters and sort as shown there).
    std::vector<std::size_t> order = visible_;
    if (order.empty()) {
        for (std::size_t i = 0; i < queue_.size(); ++i) {
            order.push_back(i);
        }
    }
    auto pos =
        std::find(order.begin(), order.end(), static_cast<std::size_t>(std::max(current_, 0)));
    std::ptrdiff_t at = pos == order.end() ? -1 : pos - order.begin();
    const auto n = static_cast<std::ptrdiff_t>(order.size());
    for (std::ptrdiff_t step = 1; step <= n; ++step) {
        const std::ptrdiff_t candidate = ((at + direction * step) % n + n) % n;
        const std::size_t index = order[static_cast<std::size_t>(candidate)];
        if (queue_[index].is_open() && static_cast<int>(index) != current_) {
            open_item(index);
            return;
        }
    }
    current_ = -1; // nothing left to label
}

void App::draw_labeling_tab() {
    if (current_ < 0 || static_cast<std::size_t>(current_) >= queue_.size()) {
        move_to_next_open(+1);
        requested_tab_.reset();
    }
    if (current_ < 0) {
        ImGui::Spacing();
        ImGui::TextWrapped(queue_.empty()
                               ? "The queue is empty: select compounds in Sample Selection."
                               : "Nothing left to label in this view. Well done!");
        widgets_.record_last_item("labeling_empty");
        return;
    }
    const std::size_t index = static_cast<std::size_t>(current_);
    const QueueItem item = queue_[index]; // copy: actions below may refresh the queue
    ensure_model_artifact();
    refresh_training_set();

    // Left column: structure and properties.
    const float structure = kStructure * dpr_;
    ImGui::BeginChild("left", ImVec2(structure + ImGui::GetStyle().WindowPadding.x * 2, 0), false);
    bool invalid = false;
    const unsigned tex = depictions_.texture(item.smiles, static_cast<int>(structure), &invalid);
    if (tex != 0) {
        ImGui::Image(as_texture(tex), ImVec2(structure, structure));
    } else {
        ImGui::Dummy(ImVec2(structure, structure));
    }
    widgets_.record_last_item("labeling_structure");
    ImGui::TextWrapped("%s", item.compound_name.empty() ? "(no name)" : item.compound_name.c_str());
    ImGui::TextDisabled("%s", item.smiles.c_str());
    if (descriptors_for_ != item.smiles) {
        descriptors_for_ = item.smiles;
        current_descriptors_ = json::parse(molecule_descriptors_json(item.smiles), nullptr, false);
        if (current_descriptors_.is_discarded()) {
            current_descriptors_ = json();
            descriptors_for_.clear(); // RDKit may still be loading: try again next frame
        }
    }
    static constexpr PropertyRow kShown[] = {{"amw", "Mol. weight"},
                                             {"CrippenClogP", "cLogP"},
                                             {"tpsa", "TPSA"},
                                             {"NumHBD", "H-bond donors"},
                                             {"NumHBA", "H-bond acceptors"},
                                             {"NumRotatableBonds", "Rotatable bonds"},
                                             {"NumAromaticRings", "Aromatic rings"},
                                             {"FractionCSP3", "Fraction sp3"}};
    draw_property_table("props", current_descriptors_, kShown, std::size(kShown));
    widgets_.record_last_item("labeling_properties");
    ImGui::EndChild();

    ImGui::SameLine();
    ImGui::BeginChild("right", ImVec2(0, 0), false);
    ImGui::Text("Item %s  |  status %s  |  priority %.3f  |  selected by %s",
                item.id.substr(0, 8).c_str(), item.status.c_str(), item.priority_score,
                item.selection_strategy.c_str());
    draw_prediction_panel(item);
    ImGui::Separator();
    draw_label_form(index);
    ImGui::Separator();
    draw_similar_compounds(item);
    ImGui::EndChild();
}

void App::draw_prediction_panel(const QueueItem& item) {
    const ModelInfo* m = active_model();
    const bool classification = m != nullptr && m->is_classification();
    if (model_ && browser_prediction_for_ != item.smiles) {
        std::string error;
        auto features = browser_features(item.smiles, error);
        if (features) {
            try {
                browser_prediction_ = model_->predict(*features);
                prediction_error_.clear();
            } catch (const std::exception& e) {
                browser_prediction_.reset();
                prediction_error_ =
                    std::string("The browser could not score this compound: ") + e.what();
            }
            browser_prediction_for_ = item.smiles;
        } else if (rdkit_ready()) {
            browser_prediction_.reset();
            browser_prediction_for_ = item.smiles;
            prediction_error_ = "The browser could not score this compound: " + error;
        }
    }
    const std::string property = m != nullptr ? m->property : "";
    // A classifier's prediction is the probability of the positive class: say so.
    ImGui::Text(classification ? "Prediction P(%s = 1): %s" : "Prediction %s: %s", property.c_str(),
                item.prediction ? std::to_string(*item.prediction).substr(0, 6).c_str() : "-");
    ImGui::SameLine();
    ImGui::Text("  uncertainty (ensemble std): %s",
                item.uncertainty ? std::to_string(*item.uncertainty).substr(0, 6).c_str() : "-");
    widgets_.record_last_item("prediction_text");
    for (const std::string* error : {&model_error_, &prediction_error_}) {
        if (!error->empty()) {
            ImGui::TextColored(ImVec4(0.95F, 0.6F, 0.35F, 1), "%s", error->c_str());
        }
    }
    // The spread of the ensemble's members, the mean and the 90 % interval on one axis.
    const float width = ImGui::GetContentRegionAvail().x;
    const float height = ImGui::GetFontSize() * 4.0F;
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(origin, ImVec2(origin.x + width, origin.y + height),
                        IM_COL32(30, 33, 40, 255), 4.0F);
    if (browser_prediction_ && !browser_prediction_->members.empty()) {
        const Prediction& p = *browser_prediction_;
        double lo = std::min(p.lower90, *std::min_element(p.members.begin(), p.members.end()));
        double hi = std::max(p.upper90, *std::max_element(p.members.begin(), p.members.end()));
        if (classification) {
            lo = 0.0;
            hi = 1.0;
        }
        const double pad = (hi - lo) * 0.08 + 1e-9;
        lo -= pad;
        hi += pad;
        const float left = origin.x + 10.0F * dpr_, right = origin.x + width - 10.0F * dpr_;
        const auto x_of = [&](double v) {
            return left + static_cast<float>((v - lo) / (hi - lo)) * (right - left);
        };
        const float mid = origin.y + height * 0.45F;
        draw->AddRectFilled(ImVec2(x_of(p.lower90), mid - 10 * dpr_),
                            ImVec2(x_of(p.upper90), mid + 10 * dpr_), IM_COL32(70, 110, 170, 120));
        for (double v : p.members) {
            draw->AddCircleFilled(ImVec2(x_of(v), mid), 2.2F * dpr_, IM_COL32(200, 210, 230, 170));
        }
        draw->AddLine(ImVec2(x_of(p.mean), mid - 14 * dpr_), ImVec2(x_of(p.mean), mid + 14 * dpr_),
                      IM_COL32(255, 200, 80, 255), 2.0F * dpr_);
        char buf[96];
        std::snprintf(buf, sizeof buf, "%.2f", lo + pad);
        draw->AddText(ImVec2(left, origin.y + height - ImGui::GetFontSize() - 2),
                      IM_COL32(160, 160, 170, 255), buf);
        std::snprintf(buf, sizeof buf, "%.2f", hi - pad);
        draw->AddText(ImVec2(right - ImGui::CalcTextSize(buf).x,
                             origin.y + height - ImGui::GetFontSize() - 2),
                      IM_COL32(160, 160, 170, 255), buf);
        std::snprintf(buf, sizeof buf, "mean %.2f, 90%% interval [%.2f, %.2f], %zu members", p.mean,
                      p.lower90, p.upper90, p.members.size());
        draw->AddText(ImVec2(x_of(p.mean) - ImGui::CalcTextSize(buf).x * 0.5F, origin.y + 2),
                      IM_COL32(230, 230, 235, 255), buf);
    } else {
        draw->AddText(ImVec2(origin.x + 8, origin.y + 8), IM_COL32(160, 160, 170, 255),
                      model_ ? "Computing the ensemble's spread..." : "Downloading the model...");
    }
    ImGui::Dummy(ImVec2(width, height));
    widgets_.record_last_item("prediction_plot");
    // Applicability domain: distance against the model's threshold.
    if (item.applicability_distance) {
        const double threshold = model_ ? model_->applicability().threshold() : 0.0;
        ImGui::Text("Applicability distance %.3f %s threshold %.3f: %s",
                    *item.applicability_distance,
                    *item.applicability_distance > threshold ? ">" : "<=", threshold,
                    item.in_domain ? "inside the model's domain"
                                   : "OUTSIDE the domain (prediction less reliable)");
        widgets_.record_last_item("applicability");
    }
}

void App::draw_label_form(std::size_t index) {
    const QueueItem& item = queue_[index];
    const ModelInfo* m = active_model();
    const bool open = item.is_open();
    if (!open) {
        ImGui::TextColored(
            ImVec4(0.6F, 0.8F, 0.6F, 1), "This item is %s%s.", item.status.c_str(),
            item.label ? (" (label " + std::to_string(*item.label).substr(0, 6) + ")").c_str()
                       : "");
    }
    ImGui::BeginDisabled(!open || saving_);
    ImGui::TextUnformatted("Label");
    ImGui::SameLine(ImGui::GetFontSize() * 6);
    bool enter = false;
    if (m != nullptr && m->is_classification()) {
        ImGui::RadioButton("0 (negative)", &label_class_, 0);
        widgets_.record_last_item("label_class_0");
        ImGui::SameLine();
        ImGui::RadioButton("1 (positive)", &label_class_, 1);
        widgets_.record_last_item("label_class_1");
    } else {
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        enter = ImGui::InputText("##label", label_text_, sizeof label_text_,
                                 ImGuiInputTextFlags_CharsScientific |
                                     ImGuiInputTextFlags_EnterReturnsTrue);
        widgets_.record_last_item("label_value");
        ImGui::SameLine();
        ImGui::TextDisabled("%s", m != nullptr ? m->property.c_str() : "");
    }
    ImGui::TextUnformatted("Source");
    ImGui::SameLine(ImGui::GetFontSize() * 6);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    ImGui::Combo("##source", &label_source_, kSources, IM_ARRAYSIZE(kSources));
    widgets_.record_last_item("label_source");
    ImGui::SameLine();
    ImGui::TextUnformatted("Confidence");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::Combo("##confidence", &label_confidence_, kConfidences, IM_ARRAYSIZE(kConfidences));
    widgets_.record_last_item("label_confidence");
    ImGui::TextUnformatted("Notes");
    ImGui::SameLine(ImGui::GetFontSize() * 6);
    ImGui::InputTextMultiline("##notes", notes_, sizeof notes_,
                              ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 3));
    widgets_.record_last_item("label_notes");
    ImGui::EndDisabled();
    if (!form_error_.empty()) {
        ImGui::TextColored(ImVec4(0.95F, 0.45F, 0.35F, 1), "%s", form_error_.c_str());
        widgets_.record_last_item("form_error");
    }

    const bool typing = ImGui::GetIO().WantTextInput;
    if (ImGui::Button("< Prev (K)")) {
        move_to_next_open(-1);
    }
    widgets_.record_last_item("prev_button");
    ImGui::SameLine();
    if (ImGui::Button("Next (J)")) {
        move_to_next_open(+1);
    }
    widgets_.record_last_item("next_button");
    ImGui::SameLine();
    ImGui::BeginDisabled(!open || saving_);
    if (ImGui::Button("Skip (S)")) {
        skip_item(index, true);
    }
    widgets_.record_last_item("skip_button");
    ImGui::SameLine();
    if (ImGui::Button(saving_ ? "Saving..." : "Save & Next (Enter)") || (enter && open)) {
        submit_label(index, true);
    }
    widgets_.record_last_item("save_next_button");
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::TextDisabled("Enter = Save & Next, S = Skip, J/K = next/previous");
    if (!typing && !saving_) {
        if (letter_pressed('J')) {
            move_to_next_open(+1);
        } else if (letter_pressed('K')) {
            move_to_next_open(-1);
        } else if (letter_pressed('S') && open) {
            skip_item(index, true);
        } else if (enter_pressed() && open) {
            submit_label(index, true);
        }
    }
}

void App::draw_similar_compounds(const QueueItem& item) {
    ImGui::Text("Most similar labeled compounds (Tanimoto, Morgan r=2)");
    if (training_.empty()) {
        ImGui::TextDisabled(training_for_model_.empty() ? "(none)" : "Loading the training set...");
        return;
    }
    if (similar_for_ != item.smiles) {
        std::vector<unsigned char> bits;
        std::string descriptors;
        if (molecule_fingerprint_and_descriptors(item.smiles, bits, descriptors)) {
            const Fingerprint fp = Fingerprint::from_packed_bytes(bits.data(), bits.size());
            similar_.clear();
            for (const Neighbor& n : training_index_.nearest(fp, kSimilarCount)) {
                similar_.emplace_back(n.index, n.similarity);
            }
            similar_for_ = item.smiles;
        }
    }
    const float thumb = kSimilarThumb * dpr_;
    if (ImGui::BeginTable("similar", 3,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn("Structure", ImGuiTableColumnFlags_WidthFixed, thumb);
        ImGui::TableSetupColumn("Compound");
        ImGui::TableSetupColumn("Label / similarity", ImGuiTableColumnFlags_WidthFixed,
                                ImGui::GetFontSize() * 9);
        for (const auto& [idx, sim] : similar_) {
            const TrainingCompound& t = training_[idx];
            ImGui::TableNextRow(0, thumb);
            ImGui::TableSetColumnIndex(0);
            const unsigned tex = depictions_.texture(t.smiles, static_cast<int>(thumb));
            if (tex != 0) {
                ImGui::Image(as_texture(tex), ImVec2(thumb, thumb));
            } else {
                ImGui::Dummy(ImVec2(thumb, thumb));
            }
            ImGui::TableSetColumnIndex(1);
            ImGui::TextWrapped("%s", t.name.empty() ? t.smiles.c_str() : t.name.c_str());
            ImGui::TableSetColumnIndex(2);
            ImGui::Text("%.2f", t.label);
            ImGui::Text("sim %.2f", sim);
        }
        ImGui::EndTable();
    }
    widgets_.record_last_item("similar_table");
}

} // namespace labelloop::app
