// Browser implementation of the storage seam over window.localStorage.
#include "platform/storage.hpp"

#include <emscripten.h>

#include <cstdlib>

namespace {

EM_JS(char*, js_storage_get, (const char* key), {
    var value = null;
    try {
        value = window.localStorage.getItem(UTF8ToString(key));
    } catch (e) {
        value = null;
    }
    if (value == = null)
        return 0;
    var size = lengthBytesUTF8(value) + 1;
    var ptr = _malloc(size);
    stringToUTF8(value, ptr, size);
    return ptr;
});

EM_JS(void, js_storage_set, (const char* key, const char* value), {
    try {
        window.localStorage.setItem(UTF8ToString(key), UTF8ToString(value));
    } catch (e) {
    }
});

EM_JS(void, js_storage_remove, (const char* key), {
    try {
        window.localStorage.removeItem(UTF8ToString(key));
    } catch (e) {
    }
});

} // namespace

namespace labelloop::app {

std::string storage_get(const std::string& key) {
    char* value = js_storage_get(key.c_str());
    if (value == nullptr) {
        return {};
    }
    std::string out(value);
    std::free(value);
    return out;
}

void storage_set(const std::string& key, const std::string& value) {
    js_storage_set(key.c_str(), value.c_str());
}

void storage_remove(const std::string& key) {
    js_storage_remove(key.c_str());
}

} // namespace labelloop::app
