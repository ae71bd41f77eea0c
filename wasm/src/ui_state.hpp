// A read-only view of what the UI shows, for tests and tooling: named widget rectangles
// (recorded as widgets are drawn) plus whatever the app adds. Exposed to JavaScript as
// window.labelloop.state().
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace labelloop::app {

struct WidgetRect {
    float x = 0, y = 0, w = 0, h = 0; // CSS pixels, relative to the canvas
};

class WidgetRegistry {
public:
    /// Records the last ImGui item's rectangle under `name` (device pixels -> CSS pixels).
    void record_last_item(const std::string& name);
    void set_pixel_ratio(float dpr) { dpr_ = dpr; }
    /// Forget widgets not drawn this frame.
    void begin_frame() { widgets_.clear(); }
    nlohmann::json to_json() const;

private:
    std::map<std::string, WidgetRect> widgets_;
    float dpr_ = 1.0F;
};

} // namespace labelloop::app
