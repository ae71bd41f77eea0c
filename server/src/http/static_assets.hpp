// The browser app's files, embedded in the server binary at build time
// (cmake/EmbedAssets.cmake), looked up by exact URL path, so nothing outside the table can
// ever be served, whatever the request path says.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace labelloop::http {

struct EmbeddedAsset {
    std::string_view url;           // e.g. "/labelloop_app.wasm"
    std::string_view mime;          // Content-Type
    std::string_view cache_control; // Cache-Control
    std::string_view data;          // raw bytes
    std::string_view gzip;          // the same bytes, gzip -9 -n
};

/// Every embedded asset (generated table).
const std::vector<EmbeddedAsset>& embedded_asset_table();

/// The asset served at `url` ("/" means "/index.html"), or nullptr.
const EmbeddedAsset* find_asset(std::string_view url);

/// A strong ETag for the asset's content (quoted hex digest), computed once.
const std::string& asset_etag(const EmbeddedAsset& asset);

} // namespace labelloop::http
