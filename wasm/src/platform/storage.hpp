// Platform seam: small persistent key/value settings (the sign-in token, UI choices), and
// the offline store for larger values (queue snapshot, op log, model artifact, cached API
// answers). Browser build: window.localStorage and IndexedDB (preloaded before start, so
// reads are synchronous; writes go through to IndexedDB in the background).
#pragma once

#include <optional>
#include <string>

namespace labelloop::app {

std::string storage_get(const std::string& key);
void storage_set(const std::string& key, const std::string& value);
void storage_remove(const std::string& key);

/// The offline store: bytes by key, surviving reloads and browser restarts.
std::optional<std::string> kv_get(const std::string& key);
void kv_put(const std::string& key, const std::string& bytes);
void kv_remove(const std::string& key);
/// Writes handed to the browser and not yet committed to disk.
int kv_unsaved();
/// The browser's own idea of the network (navigator.onLine).
bool browser_online();

} // namespace labelloop::app
