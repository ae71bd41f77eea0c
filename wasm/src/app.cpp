#include "app.hpp"

#include "labelloop/version.hpp"
#include "platform/http_client.hpp"
#include "platform/rdkit_bridge.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdint>

namespace labelloop::app {
namespace {

constexpr double kHealthPollSeconds = 3.0;
constexpr float kStructureSize = 320.0F; // CSS pixels

const char* connection_label(ConnectionState s) {
    switch (s) {
    case ConnectionState::Online:
        return "connected";
    case ConnectionState::Offline:
        return "offline";
    default:
        return "connecting";
    }
}

ImTextureID texture_id(unsigned texture) {
    return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(texture));
}

} // namespace

App::App() = default;

App::~App() {
    if (texture_ != 0) {
        delete_depiction_texture(texture_);
    }
}

void App::poll_server(double now) {
    if (health_in_flight_ || now < next_health_poll_) {
        return;
    }
    health_in_flight_ = true;
    http_request("GET", "/api/v1/health", "", "", [this, now](const HttpResponse& r) {
        health_in_flight_ = false;
        next_health_poll_ = now + kHealthPollSeconds;
        if (r.status != 200) {
            server_.state = ConnectionState::Offline;
            server_.message =
                r.status == 0 ? "The LabelLoop server cannot be reached."
                              : "The server answered with status " + std::to_string(r.status) + ".";
            return;
        }
        const auto body = nlohmann::json::parse(r.body, nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
            server_.state = ConnectionState::Offline;
            server_.message = "The server's health answer was not valid JSON.";
            return;
        }
        server_.state = ConnectionState::Online;
        server_.version = body.value("version", "");
        server_.schema_version = body.value("schema_version", 0);
        server_.sync_protocol_version = body.value("sync_protocol_version", 0);
        server_.message.clear();
        if (server_.sync_protocol_version != kSyncProtocolVersion) {
            server_.message = "This page speaks sync protocol " +
                              std::to_string(kSyncProtocolVersion) + " but the server speaks " +
                              std::to_string(server_.sync_protocol_version) +
                              ": reload the page to get the matching app.";
        }
    });
}

void App::frame(double now, float dpr) {
    ++frame_count_;
    widgets_.begin_frame();
    widgets_.set_pixel_ratio(dpr);
    poll_server(now);

    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(viewport->WorkSize);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                   ImGuiWindowFlags_NoSavedSettings |
                                   ImGuiWindowFlags_NoBringToFrontOnFocus;
    ImGui::Begin("LabelLoop", nullptr, flags);
    draw_header();
    ImGui::Separator();
    draw_structure_panel(dpr);
    ImGui::End();
}

void App::draw_header() {
    ImGui::TextUnformatted("LabelLoop");
    ImGui::SameLine();
    ImGui::TextDisabled("app %s", kProductVersion);
    ImGui::SameLine(0.0F, ImGui::GetFontSize() * 2.0F);
    const ImVec4 colour = server_.state == ConnectionState::Online    ? ImVec4(0.3F, 0.8F, 0.4F, 1)
                          : server_.state == ConnectionState::Offline ? ImVec4(0.9F, 0.4F, 0.3F, 1)
                                                                      : ImVec4(0.8F, 0.8F, 0.4F, 1);
    if (server_.state == ConnectionState::Online) {
        ImGui::TextColored(colour, "Server %s: %s (schema %d, sync protocol %d)",
                           connection_label(server_.state), server_.version.c_str(),
                           server_.schema_version, server_.sync_protocol_version);
    } else {
        ImGui::TextColored(colour, "Server %s", connection_label(server_.state));
    }
    widgets_.record_last_item("server_status");
    if (!server_.message.empty()) {
        ImGui::TextColored(ImVec4(0.9F, 0.6F, 0.3F, 1), "%s", server_.message.c_str());
    }
}

void App::redraw_molecule(float dpr) {
    const int size = static_cast<int>(kStructureSize * dpr);
    if (drawn_smiles_ == smiles_buffer_ && drawn_size_ == size) {
        return;
    }
    if (!rdkit_ready()) {
        molecule_drawn_ = false;
        molecule_error_ = "Loading RDKit...";
        return;
    }
    if (texture_ == 0) {
        texture_ = create_depiction_texture();
    }
    drawn_smiles_ = smiles_buffer_;
    drawn_size_ = size;
    descriptors_ = nlohmann::json();
    switch (draw_molecule_to_texture(drawn_smiles_, size, size, texture_)) {
    case DepictionResult::Drawn:
        molecule_drawn_ = true;
        molecule_error_.clear();
        descriptors_ =
            nlohmann::json::parse(molecule_descriptors_json(drawn_smiles_), nullptr, false);
        break;
    case DepictionResult::InvalidSmiles:
        molecule_drawn_ = false;
        molecule_error_ =
            drawn_smiles_.empty()
                ? "Enter a SMILES string to draw a molecule."
                : "'" + drawn_smiles_ + "' is not a valid SMILES: RDKit could not parse it.";
        break;
    case DepictionResult::RdkitNotReady:
        molecule_drawn_ = false;
        molecule_error_ = "Loading RDKit...";
        drawn_smiles_.clear();
        break;
    }
}

void App::draw_structure_panel(float dpr) {
    ImGui::TextUnformatted("SMILES");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(std::min(ImGui::GetContentRegionAvail().x, 600.0F * dpr));
    ImGui::InputText("##smiles", smiles_buffer_, sizeof smiles_buffer_);
    widgets_.record_last_item("smiles_input");
    redraw_molecule(dpr);

    const float size = kStructureSize * dpr;
    if (molecule_drawn_) {
        ImGui::Image(texture_id(texture_), ImVec2(size, size));
        widgets_.record_last_item("molecule_image");
        if (descriptors_.is_object()) {
            ImGui::SameLine();
            ImGui::BeginGroup();
            const char* shown[][2] = {{"exactmw", "Exact MW"}, {"CrippenClogP", "cLogP"},
                                      {"tpsa", "TPSA"},        {"NumHBD", "HBD"},
                                      {"NumHBA", "HBA"},       {"NumRotatableBonds", "Rot. bonds"}};
            for (const auto& [key, label] : shown) {
                if (descriptors_.contains(key) && descriptors_[key].is_number()) {
                    ImGui::Text("%-11s %.2f", label, descriptors_[key].get<double>());
                }
            }
            ImGui::EndGroup();
        }
    } else {
        ImGui::TextColored(ImVec4(0.95F, 0.45F, 0.35F, 1), "%s", molecule_error_.c_str());
        widgets_.record_last_item("molecule_error");
    }
}

nlohmann::json App::state() const {
    return {
        {"ready", rdkit_ready() && frame_count_ > 1},
        {"frame", frame_count_},
        {"tab", "Structure"},
        {"app_version", kProductVersion},
        {"server",
         {{"state", connection_label(server_.state)},
          {"version", server_.version},
          {"schema_version", server_.schema_version},
          {"sync_protocol_version", server_.sync_protocol_version},
          {"message", server_.message}}},
        {"smiles", std::string(smiles_buffer_)},
        {"molecule",
         {{"drawn", molecule_drawn_},
          {"smiles", drawn_smiles_},
          {"error", molecule_error_},
          {"pixels", drawn_size_},
          {"descriptors", descriptors_}}},
        {"widgets", widgets_.to_json()},
    };
}

} // namespace labelloop::app
