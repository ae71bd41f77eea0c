#include "ui_state.hpp"

#include <imgui.h>

namespace labelloop::app {

void WidgetRegistry::record_last_item(const std::string& name) {
    const ImVec2 min = ImGui::GetItemRectMin();
    const ImVec2 max = ImGui::GetItemRectMax();
    widgets_[name] =
        WidgetRect{min.x / dpr_, min.y / dpr_, (max.x - min.x) / dpr_, (max.y - min.y) / dpr_};
}

nlohmann::json WidgetRegistry::to_json() const {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [name, r] : widgets_) {
        out[name] = {{"x", r.x}, {"y", r.y}, {"w", r.w}, {"h", r.h}};
    }
    return out;
}

} // namespace labelloop::app
