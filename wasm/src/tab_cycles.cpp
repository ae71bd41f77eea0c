// Tab 3, Cycle History: the active model's cycles as a timeline, before/after metrics side by
// side with the change highlighted, for a model with an objective the hits each cycle found
// and the hits still expected in the pool (when to stop), the learning curve (validation metric
// against labels, one point per model version) and, for admins, Retrain with the job's progress. A
// `labelloop simulate` result can be imported and its mean curves drawn over the real one.
#include "app.hpp"

#include "labelloop/learning_curve.hpp"
#include "platform/file_picker.hpp"
#include "ui/metric_changes.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace labelloop::app {
namespace {

/// Green for a change for the better, red for the worse, grey otherwise.
ImVec4 verdict_colour(Verdict v) {
    switch (v) {
    case Verdict::Better:
        return {0.45F, 0.9F, 0.5F, 1};
    case Verdict::Worse:
        return {0.95F, 0.45F, 0.4F, 1};
    case Verdict::Unchanged:
        return {0.8F, 0.8F, 0.8F, 1};
    case Verdict::NoAfter:
        break;
    }
    return {0.75F, 0.75F, 0.75F, 1};
}

/// Distance between x ticks of the learning curve: a whole 1, 2 or 5 x 10^k, so that a
/// range of `span` labels gets at most about six ticks and no two show the same number.
double label_tick_step(double span) {
    double step = 1.0;
    while (span / step > 6.0) {
        for (const double f : {2.0, 2.5, 2.0}) { // 1 -> 2 -> 5 -> 10 -> ...
            step *= f;
            if (span / step <= 6.0) {
                break;
            }
        }
    }
    return step;
}

/// The metric the learning curve shows for a task.
std::string curve_metric(const ModelInfo& m) {
    return m.is_classification() ? "roc_auc" : "rmse";
}

std::optional<double> metric(const json& metrics, const std::string& name) {
    // Metrics may be flat ({"rmse":..}) or grouped ({"validation":{"rmse":..}}).
    if (metrics.contains("validation") && metrics["validation"].is_object()) {
        return metric(metrics["validation"], name);
    }
    if (metrics.contains(name) && metrics[name].is_number()) {
        return metrics[name].get<double>();
    }
    return std::nullopt;
}

ImU32 palette_colour(std::size_t index) {
    unsigned rgb = 0;
    std::sscanf(curve::series_colour(index) + 1, "%6x", &rgb);
    return IM_COL32((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF, 255);
}

} // namespace

void App::import_simulation(const std::string& text) {
    const json doc = json::parse(text, nullptr, false);
    const auto refuse = [&](const std::string& why) {
        notify("Not a simulation result: " + why +
                   " (expected simulation.json from "
                   "`labelloop simulate`).",
               true);
    };
    if (!doc.is_object() || doc.value("format", "") != "labelloop-simulation") {
        refuse("no \"format\": \"labelloop-simulation\"");
        return;
    }
    if (!doc.contains("strategies") || !doc["strategies"].is_array() || !doc.contains("metric") ||
        !doc["metric"].is_string()) {
        refuse("no strategies or metric");
        return;
    }
    std::vector<SimulationCurve> curves;
    for (const auto& s : doc["strategies"]) {
        if (!s.is_object() || !s.contains("mean") || !s["mean"].is_object()) {
            refuse("a strategy without a mean curve");
            return;
        }
        SimulationCurve c;
        c.strategy = s.value("name", "?");
        try {
            c.labels = s["mean"].at("labels").get<std::vector<double>>();
            c.metric = s["mean"].at("metric").get<std::vector<double>>();
        } catch (const json::exception&) {
            refuse("strategy '" + c.strategy + "' has no numeric mean labels / metric");
            return;
        }
        if (c.labels.size() != c.metric.size() || c.labels.empty()) {
            refuse("strategy '" + c.strategy + "' has mismatched curve lengths");
            return;
        }
        curves.push_back(std::move(c));
    }
    simulation_ = std::move(curves);
    simulation_metric_ = doc["metric"].get<std::string>();
    simulation_data_ = doc.value("data", "");
    notify("Loaded a simulation of " + simulation_data_ + " (" +
               std::to_string(simulation_.size()) + " strategies).",
           false);
}

json App::simulation_state() const {
    json strategies = json::array();
    for (const auto& c : simulation_) {
        strategies.push_back({{"name", c.strategy}, {"points", c.labels.size()}});
    }
    return {{"loaded", !simulation_.empty()},
            {"data", simulation_data_},
            {"metric", simulation_metric_},
            {"strategies", strategies},
            {"points_drawn", simulation_points_drawn_},
            {"waiting_for_file", expecting_simulation_}};
}

void App::draw_cycles_tab() {
    const ModelInfo* m = active_model();
    if (m == nullptr) {
        ImGui::TextDisabled("No model yet.");
        return;
    }
    if (ImGui::Button("Refresh")) {
        refresh_cycles();
    }
    widgets_.record_last_item("cycles_refresh");
    ImGui::SameLine();
    if (ImGui::Button("Import simulation...")) {
        expecting_simulation_ = true; // the picked file comes back through set_uploaded_smiles
        open_smiles_file_picker();
    }
    widgets_.record_last_item("import_simulation");
    if (!simulation_.empty()) {
        ImGui::SameLine();
        if (ImGui::Button("Clear simulation")) {
            simulation_.clear();
        }
        widgets_.record_last_item("clear_simulation");
    }
    if (me_.is_admin()) {
        ImGui::SameLine();
        const Cycle* open_cycle = nullptr;
        for (const auto& c : cycles_) {
            if (c.status != "complete") {
                open_cycle = &c;
                break;
            }
        }
        const bool job_running = !job_id_.empty() && !job_.finished();
        ImGui::BeginDisabled(open_cycle == nullptr || job_running || retrain_in_flight_);
        if (ImGui::Button("Retrain now") && open_cycle != nullptr) {
            trigger_retrain(open_cycle->id);
        }
        widgets_.record_last_item("retrain_button");
        ImGui::EndDisabled();
        if (open_cycle == nullptr) {
            ImGui::SameLine();
            ImGui::TextDisabled("(no open cycle: select samples first)");
        }
    }
    if (!job_id_.empty()) {
        ImGui::SameLine();
        const std::string overlay = job_.status + (job_.message.empty() ? "" : ": " + job_.message);
        ImGui::ProgressBar(static_cast<float>(job_.progress), ImVec2(ImGui::GetFontSize() * 20, 0),
                           overlay.c_str());
        widgets_.record_last_item("job_progress");
    }

    if (m->has_objective()) {
        ImGui::TextDisabled("Objective: %s", objective_label(*m).c_str());
        widgets_.record_last_item("cycles_objective");
    }
    // Timeline; objective models get a column of the hits each cycle's labels found.
    const bool hits = m->has_objective();
    const std::string primary = curve_metric(*m);
    if (ImGui::BeginTable("cycles", hits ? 9 : 8,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders |
                              ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 2);
        ImGui::TableSetupColumn("Strategy");
        ImGui::TableSetupColumn("Batch");
        ImGui::TableSetupColumn("Selected / labeled / skipped");
        if (hits) {
            ImGui::TableSetupColumn("Hits (all so far)");
        }
        ImGui::TableSetupColumn("Status");
        ImGui::TableSetupColumn("Started");
        ImGui::TableSetupColumn("Completed");
        ImGui::TableSetupColumn("Metrics before -> after", 0, 3.0F);
        ImGui::TableHeadersRow();
        for (std::size_t i = 0; i < cycles_.size(); ++i) {
            const Cycle& c = cycles_[i];
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::Text("%lld", static_cast<long long>(c.cycle_number));
            ImGui::TableSetColumnIndex(1);
            ImGui::TextUnformatted(c.selection_strategy.c_str());
            ImGui::TableSetColumnIndex(2);
            ImGui::Text("%lld", static_cast<long long>(c.batch_size));
            ImGui::TableSetColumnIndex(3);
            ImGui::Text("%lld / %lld / %lld", static_cast<long long>(c.items_selected),
                        static_cast<long long>(c.items_labeled),
                        static_cast<long long>(c.items_skipped));
            int column = 4;
            if (hits) {
                ImGui::TableSetColumnIndex(column++);
                if (c.hits_found) {
                    ImGui::Text("%.0f (%.0f)", *c.hits_found, c.hits_found_total.value_or(0.0));
                } else {
                    ImGui::TextDisabled("-");
                }
                if (i == 0) {
                    widgets_.record_last_item("cycle_hits_0");
                }
            }
            ImGui::TableSetColumnIndex(column++);
            ImGui::TextColored(c.status == "complete" ? ImVec4(0.5F, 0.85F, 0.5F, 1)
                                                      : ImVec4(0.9F, 0.8F, 0.4F, 1),
                               "%s", c.status.c_str());
            ImGui::TableSetColumnIndex(column++);
            ImGui::TextUnformatted(c.started_at.substr(0, 16).c_str());
            ImGui::TableSetColumnIndex(column++);
            ImGui::TextUnformatted(c.completed_at.empty() ? "-"
                                                          : c.completed_at.substr(0, 16).c_str());
            ImGui::TableSetColumnIndex(column);
            const auto changes = metric_changes(c.metrics_before, c.metrics_after, primary);
            ImGui::BeginGroup();
            for (std::size_t k = 0; k < changes.size(); ++k) {
                if (k > 0) {
                    ImGui::SameLine();
                }
                ImGui::TextColored(verdict_colour(changes[k].verdict), "%s",
                                   changes[k].text.c_str());
            }
            if (changes.empty()) {
                ImGui::TextDisabled("-");
            }
            ImGui::EndGroup();
            if (!changes.empty() && ImGui::IsItemHovered()) {
                // The cell clips long lists: the whole list, one metric per line.
                ImGui::BeginTooltip();
                for (const auto& change : changes) {
                    ImGui::TextColored(verdict_colour(change.verdict), "%s", change.text.c_str());
                }
                ImGui::EndTooltip();
            }
            if (i == 0) {
                widgets_.record_last_item("cycle_row_0");
            }
        }
        ImGui::EndTable();
    }
    widgets_.record_last_item("cycles_table");
    ImGui::Spacing();
    if (hits) {
        draw_hits_chart(*m);
        ImGui::Spacing();
    }
    draw_learning_curve();
}

void App::draw_hits_chart(const ModelInfo& m) {
    // Cycles in order, those the server counted hits for.
    std::vector<const Cycle*> counted;
    for (const auto& c : cycles_) {
        if (c.hits_found) {
            counted.push_back(&c);
        }
    }
    std::sort(counted.begin(), counted.end(),
              [](const Cycle* a, const Cycle* b) { return a->cycle_number < b->cycle_number; });
    // Stopping guidance: the newest cycle's estimate of the hits left among the unlabeled.
    std::optional<double> remaining;
    for (const Cycle* c : counted) {
        if (c->expected_hits_remaining) {
            remaining = c->expected_hits_remaining;
        }
    }
    for (const auto& c : cycles_) { // an open cycle may carry it before any hit is counted
        if (!remaining && c.expected_hits_remaining) {
            remaining = c.expected_hits_remaining;
        }
    }
    if (remaining) {
        ImGui::Text("Expected hits still in the pool: %.1f", *remaining);
        widgets_.record_last_item("expected_hits");
        ImGui::SameLine();
        ImGui::TextDisabled(*remaining < 1.0
                                ? "(less than one: further cycles are unlikely to find more)"
                                : "(the sum of P(hit) over the unlabeled compounds)");
    } else if (!m.objective.hit_threshold && (m.objective.kind == ObjectiveKind::Maximize ||
                                              m.objective.kind == ObjectiveKind::Minimize)) {
        ImGui::TextDisabled("No hit threshold on this objective: hits are not counted.");
    }
    if (counted.empty()) {
        ImGui::TextDisabled("Hits found per cycle: none counted yet (they are counted as a "
                            "cycle's compounds are labeled).");
        widgets_.record_last_item("hits_chart");
        return;
    }
    ImGui::TextUnformatted("Hits found per cycle (bars, by cycle number) and in all so far (line)");
    const float width = ImGui::GetContentRegionAvail().x;
    const float height = ImGui::GetFontSize() * 8;
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(origin, ImVec2(origin.x + width, origin.y + height),
                        IM_COL32(28, 30, 36, 255));
    const float font = ImGui::GetFontSize();
    const ImVec2 p0(origin.x + ImGui::CalcTextSize("0000").x + 12 * dpr_,
                    origin.y + height - font * 1.6F);
    const ImVec2 p1(origin.x + width - 16 * dpr_, origin.y + font * 0.6F);
    draw->AddLine(p0, ImVec2(p1.x, p0.y), IM_COL32(150, 150, 160, 255));
    draw->AddLine(p0, ImVec2(p0.x, p1.y), IM_COL32(150, 150, 160, 255));
    double ymax = 1.0;
    for (const Cycle* c : counted) {
        ymax = std::max({ymax, *c->hits_found, c->hits_found_total.value_or(0.0)});
    }
    const auto sy = [&](double y) { return p0.y - static_cast<float>(y / ymax) * (p0.y - p1.y); };
    char buf[32];
    for (const double yv : {0.0, std::round(ymax / 2), ymax}) {
        std::snprintf(buf, sizeof buf, "%.0f", yv);
        draw->AddText(ImVec2(origin.x + 4 * dpr_, sy(yv) - font / 2), IM_COL32(170, 170, 180, 255),
                      buf);
        draw->AddLine(ImVec2(p0.x, sy(yv)), ImVec2(p1.x, sy(yv)), IM_COL32(60, 62, 70, 255));
    }
    const float slot = (p1.x - p0.x) / static_cast<float>(counted.size());
    const float bar = std::min(slot * 0.6F, font * 3);
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    ImVec2 previous;
    for (std::size_t i = 0; i < counted.size(); ++i) {
        const Cycle& c = *counted[i];
        const float cx = p0.x + slot * (static_cast<float>(i) + 0.5F);
        const ImVec2 top(cx - bar / 2, sy(*c.hits_found));
        const ImVec2 bottom(cx + bar / 2, p0.y);
        draw->AddRectFilled(top, bottom, IM_COL32(90, 160, 240, 255));
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(c.cycle_number));
        draw->AddText(ImVec2(cx - ImGui::CalcTextSize(buf).x / 2, p0.y + 3 * dpr_),
                      IM_COL32(170, 170, 180, 255), buf);
        if (c.hits_found_total) {
            const ImVec2 point(cx, sy(*c.hits_found_total));
            if (i > 0) {
                draw->AddLine(previous, point, IM_COL32(255, 200, 80, 255), 2.0F * dpr_);
            }
            draw->AddCircleFilled(point, 3.5F * dpr_, IM_COL32(255, 200, 80, 255));
            previous = point;
        }
        if (mouse.x >= cx - slot / 2 && mouse.x < cx + slot / 2 && mouse.y >= p1.y &&
            mouse.y <= p0.y) {
            ImGui::SetTooltip(
                "Cycle %lld (%s)\n%.0f hits among %lld labeled\n%.0f hits in all so far",
                static_cast<long long>(c.cycle_number), c.selection_strategy.c_str(), *c.hits_found,
                static_cast<long long>(c.items_labeled), c.hits_found_total.value_or(0.0));
        }
    }
    ImGui::Dummy(ImVec2(width, height));
    widgets_.record_last_item("hits_chart");
}

void App::draw_learning_curve() {
    const ModelInfo* m = active_model();
    if (m == nullptr) {
        return;
    }
    const std::string name = curve_metric(*m);
    std::vector<std::pair<double, double>> points; // labels, metric
    std::vector<const ModelInfo*> sources;
    for (const auto& v : versions_) {
        if (auto value = metric(v.metrics, name)) {
            points.emplace_back(static_cast<double>(v.n_train), *value);
            sources.push_back(&v);
        }
    }
    ImGui::Text(
        "Learning curve: validation %s against training labels (one point per model version)",
        name.c_str());
    const float width = ImGui::GetContentRegionAvail().x;
    const float height =
        std::max(ImGui::GetContentRegionAvail().y - 4.0F, ImGui::GetFontSize() * 10);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(origin, ImVec2(origin.x + width, origin.y + height),
                        IM_COL32(28, 30, 36, 255));
    const float margin_left = ImGui::CalcTextSize("0.000").x + 12 * dpr_;
    const float margin_bottom = ImGui::GetFontSize() * 2.2F;
    const ImVec2 p0(origin.x + margin_left, origin.y + height - margin_bottom);
    const ImVec2 p1(origin.x + width - 16 * dpr_, origin.y + 10 * dpr_);
    draw->AddLine(p0, ImVec2(p1.x, p0.y), IM_COL32(150, 150, 160, 255));
    draw->AddLine(p0, ImVec2(p0.x, p1.y), IM_COL32(150, 150, 160, 255));
    // The overlay shares the axes only when it measures the same metric.
    const bool overlay = !simulation_.empty() && simulation_metric_ == name;
    simulation_points_drawn_ = 0;
    if (!simulation_.empty() && !overlay) {
        ImGui::TextColored(ImVec4(0.95F, 0.7F, 0.35F, 1),
                           "The imported simulation measures %s, this model %s: not overlaid.",
                           simulation_metric_.c_str(), name.c_str());
    }
    if (points.empty() && !overlay) {
        draw->AddText(ImVec2(p0.x + 10, p1.y + 10), IM_COL32(160, 160, 170, 255),
                      "No model versions with metrics yet.");
        ImGui::Dummy(ImVec2(width, height));
        widgets_.record_last_item("learning_curve");
        return;
    }
    std::vector<std::pair<double, double>> extent = points;
    if (overlay) {
        for (const auto& c : simulation_) {
            for (std::size_t i = 0; i < c.labels.size(); ++i) {
                extent.emplace_back(c.labels[i], c.metric[i]);
            }
        }
    }
    double xmin = extent.front().first, xmax = xmin, ymin = extent.front().second, ymax = ymin;
    for (const auto& [x, y] : extent) {
        xmin = std::min(xmin, x);
        xmax = std::max(xmax, x);
        ymin = std::min(ymin, y);
        ymax = std::max(ymax, y);
    }
    const double xpad = std::max((xmax - xmin) * 0.05, 1.0),
                 ypad = std::max((ymax - ymin) * 0.1, 0.01);
    xmin -= xpad;
    xmax += xpad;
    ymin -= ypad;
    ymax += ypad;
    const auto sx = [&](double x) {
        return p0.x + static_cast<float>((x - xmin) / (xmax - xmin)) * (p1.x - p0.x);
    };
    const auto sy = [&](double y) {
        return p0.y - static_cast<float>((y - ymin) / (ymax - ymin)) * (p0.y - p1.y);
    };
    char buf[48];
    // Label counts are whole numbers: ticks at multiples of a 1-2-5 step, at most about six.
    const double step = label_tick_step(xmax - xmin);
    for (double xv = std::ceil(xmin / step) * step; xv <= xmax; xv += step) {
        draw->AddLine(ImVec2(sx(xv), p0.y), ImVec2(sx(xv), p0.y + 4 * dpr_),
                      IM_COL32(150, 150, 160, 255));
        std::snprintf(buf, sizeof buf, "%.0f", xv);
        draw->AddText(ImVec2(sx(xv) - ImGui::CalcTextSize(buf).x / 2, p0.y + 5 * dpr_),
                      IM_COL32(170, 170, 180, 255), buf);
    }
    for (int t = 0; t <= 4; ++t) { // value grid
        const double yv = ymin + (ymax - ymin) * t / 4.0;
        draw->AddLine(ImVec2(p0.x - 4 * dpr_, sy(yv)), ImVec2(p1.x, sy(yv)),
                      IM_COL32(60, 62, 70, 255));
        std::snprintf(buf, sizeof buf, "%.3f", yv);
        draw->AddText(ImVec2(origin.x + 4 * dpr_, sy(yv) - ImGui::GetFontSize() / 2),
                      IM_COL32(170, 170, 180, 255), buf);
    }
    draw->AddText(ImVec2((p0.x + p1.x) / 2 - ImGui::CalcTextSize("training labels").x / 2,
                         p0.y + ImGui::GetFontSize() * 1.1F),
                  IM_COL32(190, 190, 200, 255), "training labels");
    if (overlay) {
        float legend_y = p1.y + 4 * dpr_;
        const float legend_x = p1.x - ImGui::CalcTextSize("uncertainty (simulated)").x - 30 * dpr_;
        std::size_t next_colour = 1; // 0 (grey) is random's, as in the CLI's SVG
        for (const auto& c : simulation_) {
            const ImU32 colour = palette_colour(c.strategy == "random" ? 0 : next_colour++);
            for (std::size_t i = 0; i < c.labels.size(); ++i) {
                const ImVec2 q(sx(c.labels[i]), sy(c.metric[i]));
                if (i > 0) {
                    draw->AddLine(ImVec2(sx(c.labels[i - 1]), sy(c.metric[i - 1])), q, colour,
                                  1.5F * dpr_);
                }
                draw->AddCircle(q, 3.0F * dpr_, colour);
                ++simulation_points_drawn_;
            }
            draw->AddLine(ImVec2(legend_x, legend_y + ImGui::GetFontSize() / 2),
                          ImVec2(legend_x + 18 * dpr_, legend_y + ImGui::GetFontSize() / 2), colour,
                          3.0F * dpr_);
            const std::string label = c.strategy + " (simulated)";
            draw->AddText(ImVec2(legend_x + 24 * dpr_, legend_y), colour, label.c_str());
            legend_y += ImGui::GetFontSize() * 1.3F;
        }
        draw->AddLine(ImVec2(legend_x, legend_y + ImGui::GetFontSize() / 2),
                      ImVec2(legend_x + 18 * dpr_, legend_y + ImGui::GetFontSize() / 2),
                      IM_COL32(90, 160, 240, 255), 3.0F * dpr_);
        draw->AddText(ImVec2(legend_x + 24 * dpr_, legend_y), IM_COL32(200, 200, 210, 255),
                      "this model (real cycles)");
    }
    for (std::size_t i = 1; i < points.size(); ++i) {
        draw->AddLine(ImVec2(sx(points[i - 1].first), sy(points[i - 1].second)),
                      ImVec2(sx(points[i].first), sy(points[i].second)),
                      IM_COL32(90, 160, 240, 255), 2.0F * dpr_);
    }
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const ImVec2 c(sx(points[i].first), sy(points[i].second));
        draw->AddCircleFilled(c, 4.5F * dpr_, IM_COL32(255, 200, 80, 255));
        if (std::fabs(mouse.x - c.x) < 8 * dpr_ && std::fabs(mouse.y - c.y) < 8 * dpr_) {
            ImGui::SetTooltip(
                "Version %lld (%s)\n%s = %.4f on the validation set\n%lld training labels",
                static_cast<long long>(sources[i]->version), sources[i]->status.c_str(),
                name.c_str(), points[i].second, static_cast<long long>(sources[i]->n_train));
        }
    }
    ImGui::Dummy(ImVec2(width, height));
    widgets_.record_last_item("learning_curve");
}

} // namespace labelloop::app
