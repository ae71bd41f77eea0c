// Platform seam: small persistent key/value settings (the sign-in token, UI choices).
// Browser build: window.localStorage, per origin.
#pragma once

#include <string>

namespace labelloop::app {

std::string storage_get(const std::string& key);
void storage_set(const std::string& key, const std::string& value);
void storage_remove(const std::string& key);

} // namespace labelloop::app
