// The Structure tab: type a SMILES, see RDKit MinimalLib's depiction and descriptors. Works
// without signing in; a quick check of a structure before pasting it anywhere.
#include "app.hpp"

#include "platform/rdkit_bridge.hpp"
#include "ui/property_table.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace labelloop::app {

void App::draw_structure_tab() {
    ImGui::TextUnformatted("SMILES");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(std::min(ImGui::GetContentRegionAvail().x, 600.0F * dpr_));
    ImGui::InputText("##smiles", smiles_buffer_, sizeof smiles_buffer_);
    widgets_.record_last_item("smiles_input");

    const int size = static_cast<int>(320.0F * dpr_);
    bool invalid = false;
    const unsigned tex = depictions_.texture(smiles_buffer_, size, &invalid);
    if (drawn_smiles_ != smiles_buffer_ && (tex != 0 || invalid)) {
        drawn_smiles_ = smiles_buffer_;
        descriptors_ =
            nlohmann::json::parse(molecule_descriptors_json(drawn_smiles_), nullptr, false);
        if (descriptors_.is_discarded()) {
            descriptors_ = nlohmann::json();
        }
    }
    molecule_drawn_ = tex != 0 && drawn_smiles_ == smiles_buffer_;
    if (molecule_drawn_) {
        molecule_error_.clear();
        ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(tex)),
                     ImVec2(static_cast<float>(size), static_cast<float>(size)));
        widgets_.record_last_item("molecule_image");
        if (descriptors_.is_object()) {
            ImGui::SameLine();
            ImGui::BeginGroup();
            static constexpr PropertyRow kShown[] = {
                {"exactmw", "Exact MW"}, {"CrippenClogP", "cLogP"},
                {"tpsa", "TPSA"},        {"NumHBD", "HBD"},
                {"NumHBA", "HBA"},       {"NumRotatableBonds", "Rot. bonds"}};
            draw_property_table("structure_props", descriptors_, kShown, std::size(kShown));
            ImGui::EndGroup();
        }
        return;
    }
    if (!rdkit_ready()) {
        molecule_error_ = "Loading RDKit...";
    } else if (smiles_buffer_[0] == '\0') {
        molecule_error_ = "Enter a SMILES string to draw a molecule.";
    } else if (invalid) {
        molecule_error_ = std::string("'") + smiles_buffer_ +
                          "' is not a valid SMILES: RDKit could not parse it.";
    }
    ImGui::TextColored(ImVec4(0.95F, 0.45F, 0.35F, 1), "%s", molecule_error_.c_str());
    widgets_.record_last_item("molecule_error");
}

} // namespace labelloop::app
