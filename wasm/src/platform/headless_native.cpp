// Native stand-ins for the browser seams, used by the headless UI smoke test
// (tests/ui/test_ui_smoke.cpp), which renders every tab natively without a browser or a GPU:
// no server (every request fails at once as "not available"), no RDKit (structures show
// placeholders), settings kept in memory. The browser build uses the *_emscripten.cpp files.
#include "platform/http_client.hpp"
#include "platform/rdkit_bridge.hpp"
#include "platform/storage.hpp"

#include <map>

namespace labelloop::app {
namespace {
std::map<std::string, std::string>& settings() {
    static std::map<std::string, std::string> values;
    return values;
}
} // namespace

void http_request(const std::string&, const std::string&, const std::string&, const std::string&,
                  HttpCallback on_done) {
    HttpResponse response;
    response.error = "no server in the headless build";
    if (on_done) {
        on_done(response);
    }
}

bool rdkit_ready() {
    return false;
}
std::string rdkit_version() {
    return {};
}
DepictionResult draw_molecule_to_texture(const std::string&, int, int, unsigned) {
    return DepictionResult::RdkitNotReady;
}
std::string molecule_descriptors_json(const std::string&) {
    return {};
}
std::string molecule_json(const std::string&) {
    return {};
}
bool molecule_fingerprint_and_descriptors(const std::string&, std::vector<unsigned char>&,
                                          std::string&) {
    return false;
}
unsigned create_depiction_texture() {
    return 0;
}
void delete_depiction_texture(unsigned) {}

std::string storage_get(const std::string& key) {
    auto it = settings().find(key);
    return it == settings().end() ? std::string() : it->second;
}
void storage_set(const std::string& key, const std::string& value) {
    settings()[key] = value;
}
void storage_remove(const std::string& key) {
    settings().erase(key);
}

std::optional<std::string> kv_get(const std::string& key) {
    auto it = settings().find("kv:" + key);
    if (it == settings().end()) {
        return std::nullopt;
    }
    return it->second;
}
void kv_put(const std::string& key, const std::string& bytes) {
    settings()["kv:" + key] = bytes;
}
void kv_remove(const std::string& key) {
    settings().erase("kv:" + key);
}
int kv_unsaved() {
    return 0;
}
bool browser_online() {
    return true;
}

} // namespace labelloop::app

#include "platform/file_picker.hpp"

namespace labelloop::app {

void open_smiles_file_picker() {} // no files in the headless build

} // namespace labelloop::app
