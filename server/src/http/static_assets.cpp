#include "http/static_assets.hpp"

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <unordered_map>

namespace labelloop::http {
namespace {

std::string fnv1a_etag(std::string_view bytes) {
    std::uint64_t h = 14695981039346656037ULL;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char buf[24];
    std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
    return buf;
}

struct Index {
    std::unordered_map<std::string_view, const EmbeddedAsset*> by_url;
    std::unordered_map<const EmbeddedAsset*, std::string> etags;
};

const Index& index() {
    static const Index idx = [] {
        Index built;
        for (const auto& asset : embedded_asset_table()) {
            built.by_url.emplace(asset.url, &asset);
            built.etags.emplace(&asset, fnv1a_etag(asset.data));
        }
        return built;
    }();
    return idx;
}

} // namespace

const EmbeddedAsset* find_asset(std::string_view url) {
    if (url == "/") {
        url = "/index.html";
    }
    const auto& idx = index();
    auto it = idx.by_url.find(url);
    return it == idx.by_url.end() ? nullptr : it->second;
}

const std::string& asset_etag(const EmbeddedAsset& asset) {
    return index().etags.at(&asset);
}

} // namespace labelloop::http
