// Keyboard shortcuts over Dear ImGui 1.86's key API: named keys go through io.KeyMap, letters
// are the backend's key codes, which for GLFW are the upper-case ASCII codes.
#pragma once

#include <imgui.h>

namespace labelloop::app {

inline bool key_pressed(ImGuiKey key) {
    return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key));
}

inline bool enter_pressed() {
    return key_pressed(ImGuiKey_Enter) || key_pressed(ImGuiKey_KeyPadEnter);
}

/// `letter` is 'A'..'Z'.
inline bool letter_pressed(char letter) {
    return ImGui::IsKeyPressed(static_cast<int>(letter), false);
}

} // namespace labelloop::app
