#include "ui/depiction_cache.hpp"

#include "platform/rdkit_bridge.hpp"

namespace labelloop::app {

DepictionCache::~DepictionCache() {
    for (auto& e : lru_) {
        if (e.texture != 0) {
            delete_depiction_texture(e.texture);
        }
    }
}

unsigned DepictionCache::texture(const std::string& smiles, int pixels, bool* invalid) {
    const std::string key = std::to_string(pixels) + ' ' + smiles;
    if (auto it = entries_.find(key); it != entries_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        if (invalid != nullptr) {
            *invalid = it->second->invalid;
        }
        return it->second->invalid ? 0 : it->second->texture;
    }
    if (invalid != nullptr) {
        *invalid = false;
    }
    if (draws_left_ <= 0 || !rdkit_ready()) {
        return 0;
    }
    --draws_left_;
    Entry entry;
    entry.key = key;
    if (lru_.size() >= capacity_) {
        Entry& victim = lru_.back();
        entry.texture = victim.texture; // reuse the evicted texture object
        entries_.erase(victim.key);
        lru_.pop_back();
        ++evictions_;
    }
    if (entry.texture == 0) {
        entry.texture = create_depiction_texture();
    }
    entry.invalid =
        draw_molecule_to_texture(smiles, pixels, pixels, entry.texture) != DepictionResult::Drawn;
    ++total_draws_;
    lru_.push_front(std::move(entry));
    entries_[key] = lru_.begin();
    if (invalid != nullptr) {
        *invalid = lru_.front().invalid;
    }
    return lru_.front().invalid ? 0 : lru_.front().texture;
}

} // namespace labelloop::app
