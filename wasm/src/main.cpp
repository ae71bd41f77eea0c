// Browser entry point: GLFW window on the page's canvas, WebGL2 context, Dear ImGui, HiDPI
// handling, and the one place that hands the frame function to emscripten_set_main_loop.
#include "app.hpp"

#include <GLES3/gl3.h>
#include <GLFW/glfw3.h>
#include <emscripten.h>
#include <emscripten/html5.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr float kBaseFontSize = 15.0F; // CSS pixels
constexpr const char* kFontPath = "/fonts/DejaVuSans.ttf";

struct Platform {
    GLFWwindow* window = nullptr;
    float dpr = 0.0F;
    double css_width = 0, css_height = 0;
    std::unique_ptr<labelloop::app::App> app;
    std::string state_json;
};

Platform g_platform;

// Dear ImGui 1.86 reads key state once per frame, so a key pressed and released between two
// frames (a quick tap on a slow, software-rendered frame) would be lost. Hold such a release
// back until ImGui has seen one frame with the key down.
struct KeyRelease {
    int key, scancode, mods;
};
std::vector<int> g_pressed_this_frame;
std::vector<KeyRelease> g_deferred_releases;

void key_callback(GLFWwindow* window, int key, int scancode, int action, int mods) {
    const bool pressed_now = std::find(g_pressed_this_frame.begin(), g_pressed_this_frame.end(),
                                       key) != g_pressed_this_frame.end();
    if (action == GLFW_RELEASE && pressed_now) {
        g_deferred_releases.push_back({key, scancode, mods});
        return;
    }
    if (action == GLFW_PRESS) {
        g_pressed_this_frame.push_back(key);
    }
    ImGui_ImplGlfw_KeyCallback(window, key, scancode, action, mods);
}

void release_deferred_keys() {
    g_pressed_this_frame.clear();
    for (const KeyRelease& r : g_deferred_releases) {
        ImGui_ImplGlfw_KeyCallback(g_platform.window, r.key, r.scancode, GLFW_RELEASE, r.mods);
    }
    g_deferred_releases.clear();
}

// Resizes the canvas backing store through Emscripten's Browser layer, whose resize
// listeners update GLFW's window size. (glfwSetWindowSize would request fullscreen whenever
// the size equals screen.width x screen.height, e.g. a maximised kiosk window.)
EM_JS(void, set_canvas_backing_size, (int width, int height),
      { Browser.setCanvasSize(width, height); });

// Render at device resolution: the canvas backing store is CSS size x devicePixelRatio,
// ImGui works in device pixels (Emscripten's GLFW reports the mouse in backing-store
// units), and fonts and sizes are scaled by the ratio, so text stays crisp on HiDPI.
void sync_canvas_size() {
    double css_w = 0, css_h = 0;
    emscripten_get_element_css_size("#canvas", &css_w, &css_h);
    const float dpr = static_cast<float>(emscripten_get_device_pixel_ratio());
    if (css_w == g_platform.css_width && css_h == g_platform.css_height && dpr == g_platform.dpr) {
        return;
    }
    const bool dpr_changed = dpr != g_platform.dpr;
    g_platform.css_width = css_w;
    g_platform.css_height = css_h;
    g_platform.dpr = dpr;
    set_canvas_backing_size(static_cast<int>(std::lround(css_w * dpr)),
                            static_cast<int>(std::lround(css_h * dpr)));
    if (!dpr_changed) {
        return;
    }
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    ImFontConfig config;
    config.OversampleH = 2;
    ImFont* font = nullptr;
    if (FILE* f = std::fopen(kFontPath, "rb")) {
        std::fclose(f);
        font = io.Fonts->AddFontFromFileTTF(kFontPath, std::round(kBaseFontSize * dpr), &config);
    }
    if (font == nullptr) {
        ImFontConfig fallback;
        fallback.SizePixels = std::round(13.0F * dpr);
        io.Fonts->AddFontDefault(&fallback);
    }
    ImGui_ImplOpenGL3_DestroyDeviceObjects(); // the font atlas is rebuilt on the next frame
    ImGuiStyle style;
    ImGui::StyleColorsDark(&style);
    style.WindowRounding = 0.0F;
    style.FrameRounding = 3.0F;
    style.ScaleAllSizes(dpr);
    ImGui::GetStyle() = style;
}

void frame() {
    sync_canvas_size();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    g_platform.app->frame(glfwGetTime(), g_platform.dpr);
    ImGui::Render();
    int fb_w = 0, fb_h = 0;
    glfwGetFramebufferSize(g_platform.window, &fb_w, &fb_h);
    glViewport(0, 0, fb_w, fb_h);
    glClearColor(0.10F, 0.11F, 0.13F, 1.0F);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    release_deferred_keys();
}

} // namespace

extern "C" {

/// The text of a file the user picked (wasm/js/storage.js).
EMSCRIPTEN_KEEPALIVE void labelloop_uploaded_smiles(const char* text) {
    if (g_platform.app && text != nullptr) {
        g_platform.app->set_uploaded_smiles(text);
    }
}

/// window.labelloop.state(): a JSON snapshot of the UI (valid until the next call).
EMSCRIPTEN_KEEPALIVE const char* labelloop_state_json() {
    if (!g_platform.app) {
        return "{\"ready\":false}";
    }
    try {
        auto state = g_platform.app->state();
        state["device_pixel_ratio"] = g_platform.dpr;
        int win_w = 0, win_h = 0, fb_w = 0, fb_h = 0;
        glfwGetWindowSize(g_platform.window, &win_w, &win_h);
        glfwGetFramebufferSize(g_platform.window, &fb_w, &fb_h);
        const ImVec2 display = ImGui::GetIO().DisplaySize;
        state["display"] = {{"css", {g_platform.css_width, g_platform.css_height}},
                            {"window", {win_w, win_h}},
                            {"framebuffer", {fb_w, fb_h}},
                            {"imgui", {display.x, display.y}}};
        // Replace invalid UTF-8 (text from the server is shown as is) rather than throw.
        g_platform.state_json =
            state.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const std::exception& e) {
        g_platform.state_json = nlohmann::json({{"ready", false}, {"state_error", e.what()}})
                                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return g_platform.state_json.c_str();
}
}

int main() {
    if (glfwInit() == GLFW_FALSE) {
        std::fprintf(stderr, "LabelLoop: GLFW could not initialise\n");
        return 1;
    }
    glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    g_platform.window = glfwCreateWindow(1280, 800, "LabelLoop", nullptr, nullptr);
    if (g_platform.window == nullptr) {
        std::fprintf(stderr, "LabelLoop: could not create a WebGL2 context\n");
        return 1;
    }
    glfwMakeContextCurrent(g_platform.window);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui_ImplGlfw_InitForOpenGL(g_platform.window, true);
    glfwSetKeyCallback(g_platform.window, key_callback); // wraps ImGui's, see above
    ImGui_ImplOpenGL3_Init("#version 300 es");

    g_platform.app = std::make_unique<labelloop::app::App>();
    sync_canvas_size();
    emscripten_set_main_loop(frame, 0, 1);
    return 0;
}
