// The LabelLoop browser app: state and the per-frame UI. Plain C++ over Dear ImGui and the
// platform seams (platform/*.hpp), so the frame function could run natively too.
#pragma once

#include "ui_state.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace labelloop::app {

enum class ConnectionState { Connecting, Online, Offline };

struct ServerStatus {
    ConnectionState state = ConnectionState::Connecting;
    std::string version;
    int schema_version = 0;
    int sync_protocol_version = 0;
    std::string message; // why we are offline, in words
};

class App {
public:
    App();
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    /// Draws one frame of UI. `now` is seconds since start; `dpr` is devicePixelRatio.
    void frame(double now, float dpr);
    /// The read-only state view (window.labelloop.state()).
    nlohmann::json state() const;

private:
    void poll_server(double now);
    void draw_header();
    void draw_structure_panel(float dpr);
    void redraw_molecule(float dpr);

    WidgetRegistry widgets_;
    ServerStatus server_;
    bool health_in_flight_ = false;
    double next_health_poll_ = 0.0;
    std::uint64_t frame_count_ = 0;

    char smiles_buffer_[1024] = "c1ccccc1C(=O)O";
    std::string drawn_smiles_;
    int drawn_size_ = 0;
    unsigned texture_ = 0;
    bool molecule_drawn_ = false;
    std::string molecule_error_;
    nlohmann::json descriptors_;
};

} // namespace labelloop::app
