// Browser implementation of the storage seam: thin wrappers over wasm/js/storage.js.
#include "platform/storage.hpp"

#include <cstdlib>

extern "C" {
char* labelloop_storage_get(const char* key);
void labelloop_storage_set(const char* key, const char* value);
void labelloop_storage_remove(const char* key);
char* labelloop_kv_get(const char* key, int* length);
void labelloop_kv_put(const char* key, const char* data, int length);
void labelloop_kv_remove(const char* key);
int labelloop_kv_unsaved();
int labelloop_browser_online();
}

namespace labelloop::app {

std::string storage_get(const std::string& key) {
    char* value = labelloop_storage_get(key.c_str());
    if (value == nullptr) {
        return {};
    }
    std::string out(value);
    std::free(value);
    return out;
}

void storage_set(const std::string& key, const std::string& value) {
    labelloop_storage_set(key.c_str(), value.c_str());
}

void storage_remove(const std::string& key) {
    labelloop_storage_remove(key.c_str());
}

std::optional<std::string> kv_get(const std::string& key) {
    int length = 0;
    char* value = labelloop_kv_get(key.c_str(), &length);
    if (value == nullptr) {
        return std::nullopt;
    }
    std::string out(value, static_cast<std::size_t>(length));
    std::free(value);
    return out;
}

void kv_put(const std::string& key, const std::string& bytes) {
    labelloop_kv_put(key.c_str(), bytes.data(), static_cast<int>(bytes.size()));
}

void kv_remove(const std::string& key) {
    labelloop_kv_remove(key.c_str());
}

int kv_unsaved() {
    return labelloop_kv_unsaved();
}

bool browser_online() {
    return labelloop_browser_online() != 0;
}

} // namespace labelloop::app
