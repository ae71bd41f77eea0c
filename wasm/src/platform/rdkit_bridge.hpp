// Platform seam: RDKit MinimalLib (JavaScript) seen from C++. The browser build talks to
// the RDKit module the page loaded (wasm/js/rdkit_bridge.js); nothing else in the app
// knows RDKit is JavaScript.
#pragma once

#include <string>
#include <vector>

namespace labelloop::app {

/// True once the page's RDKit MinimalLib module has initialised.
bool rdkit_ready();

/// RDKit MinimalLib's version string ("" until ready).
std::string rdkit_version();

enum class DepictionResult { Drawn, InvalidSmiles, RdkitNotReady };

/// Parses `smiles` and draws the 2D structure into the OpenGL texture `texture_id`
/// (RGBA, width x height device pixels, white background).
DepictionResult draw_molecule_to_texture(const std::string& smiles, int width, int height,
                                         unsigned texture_id);

/// RDKit's 2D descriptors for `smiles` as a JSON object text ("" when unparsable).
std::string molecule_descriptors_json(const std::string& smiles);

/// RDKit's JSON of the molecule (MinimalLib get_json(); "" when unparsable or not ready), read
/// by labelloop::mol_graph_from_rdkit_json for message-passing models.
std::string molecule_json(const std::string& smiles);

/// Morgan fingerprint (radius 2, 2048 bits, 256 bytes packed LSB first, see
/// Fingerprint::from_packed_bytes) and the descriptor JSON of
/// `smiles`, as the server computes them (tests/parity). False when unparsable or not ready.
bool molecule_fingerprint_and_descriptors(const std::string& smiles,
                                          std::vector<unsigned char>& bits,
                                          std::string& descriptors_json);

} // namespace labelloop::app

namespace labelloop::app {

/// An OpenGL texture suitable for depictions (linear filtering, clamped); 0 on failure.
unsigned create_depiction_texture();
void delete_depiction_texture(unsigned texture_id);

} // namespace labelloop::app
