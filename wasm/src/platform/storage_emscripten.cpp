// Browser implementation of the storage seam: thin wrappers over wasm/js/storage.js.
#include "platform/storage.hpp"

#include <cstdlib>

extern "C" {
char* labelloop_storage_get(const char* key);
void labelloop_storage_set(const char* key, const char* value);
void labelloop_storage_remove(const char* key);
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

} // namespace labelloop::app
