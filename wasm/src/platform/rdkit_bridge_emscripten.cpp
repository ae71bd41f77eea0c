// Browser implementation of the RDKit seam: thin C++ wrappers over wasm/js/rdkit_bridge.js.
#include "platform/rdkit_bridge.hpp"

#include <cstdlib>

extern "C" {
int labelloop_rdkit_ready();
char* labelloop_rdkit_version();
int labelloop_rdkit_draw_to_texture(const char* smiles, int width, int height, unsigned texture);
char* labelloop_rdkit_descriptors(const char* smiles);
char* labelloop_rdkit_json(const char* smiles);
char* labelloop_rdkit_features(const char* smiles, unsigned char* bits_out);
}

namespace labelloop::app {
namespace {

std::string take_js_string(char* text) {
    if (text == nullptr) {
        return {};
    }
    std::string out(text);
    std::free(text);
    return out;
}

} // namespace

bool rdkit_ready() {
    return labelloop_rdkit_ready() != 0;
}

std::string rdkit_version() {
    return take_js_string(labelloop_rdkit_version());
}

DepictionResult draw_molecule_to_texture(const std::string& smiles, int width, int height,
                                         unsigned texture_id) {
    switch (labelloop_rdkit_draw_to_texture(smiles.c_str(), width, height, texture_id)) {
    case 1:
        return DepictionResult::Drawn;
    case -2:
        return DepictionResult::RdkitNotReady;
    default:
        return DepictionResult::InvalidSmiles;
    }
}

std::string molecule_descriptors_json(const std::string& smiles) {
    return take_js_string(labelloop_rdkit_descriptors(smiles.c_str()));
}

std::string molecule_json(const std::string& smiles) {
    return take_js_string(labelloop_rdkit_json(smiles.c_str()));
}

bool molecule_fingerprint_and_descriptors(const std::string& smiles,
                                          std::vector<unsigned char>& bits,
                                          std::string& descriptors_json) {
    bits.assign(256, 0);
    descriptors_json = take_js_string(labelloop_rdkit_features(smiles.c_str(), bits.data()));
    return !descriptors_json.empty();
}

} // namespace labelloop::app

#include <GLES3/gl3.h>

namespace labelloop::app {

unsigned create_depiction_texture() {
    GLuint tex = 0;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glBindTexture(GL_TEXTURE_2D, 0);
    return tex;
}

void delete_depiction_texture(unsigned texture_id) {
    GLuint tex = texture_id;
    glDeleteTextures(1, &tex);
}

} // namespace labelloop::app
