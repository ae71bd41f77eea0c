#include "ui/property_table.hpp"

#include <imgui.h>

#include <cmath>
#include <cstdio>

namespace labelloop::app {

std::string format_property(double value) {
    char buf[48];
    if (std::isfinite(value) && value == std::round(value) && std::fabs(value) < 1e9) {
        std::snprintf(buf, sizeof buf, "%.0f", value);
    } else {
        std::snprintf(buf, sizeof buf, "%.2f", value);
    }
    return buf;
}

void draw_property_table(const char* id, const nlohmann::json& descriptors, const PropertyRow* rows,
                         std::size_t n_rows) {
    if (!descriptors.is_object() ||
        !ImGui::BeginTable(id, 2,
                           ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit |
                               ImGuiTableFlags_NoHostExtendX)) {
        return;
    }
    for (std::size_t i = 0; i < n_rows; ++i) {
        const auto it = descriptors.find(rows[i].key);
        if (it == descriptors.end() || !it->is_number()) {
            continue;
        }
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextUnformatted(rows[i].label);
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(format_property(it->get<double>()).c_str());
    }
    ImGui::EndTable();
}

} // namespace labelloop::app
