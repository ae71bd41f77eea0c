// 2D structure thumbnails drawn by RDKit MinimalLib into textures, drawn once and cached,
// least-recently-used evicted. At most a few new depictions per frame, so scrolling a long
// queue never stalls a frame: rows not yet drawn show a placeholder for a frame or two.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>

namespace labelloop::app {

class DepictionCache {
public:
    explicit DepictionCache(std::size_t capacity = 400, int draws_per_frame = 6)
        : capacity_(capacity), draws_per_frame_(draws_per_frame) {}
    ~DepictionCache();
    DepictionCache(const DepictionCache&) = delete;
    DepictionCache& operator=(const DepictionCache&) = delete;

    void begin_frame() { draws_left_ = draws_per_frame_; }
    /// The texture showing `smiles` at `pixels` x `pixels`, 0 while not drawn yet; sets
    /// `invalid` when RDKit cannot parse the SMILES.
    unsigned texture(const std::string& smiles, int pixels, bool* invalid = nullptr);

    std::size_t size() const { return entries_.size(); }
    std::size_t draws() const { return total_draws_; }
    std::size_t evictions() const { return evictions_; }

private:
    struct Entry {
        std::string key;
        unsigned texture = 0;
        bool invalid = false;
    };
    std::size_t capacity_;
    int draws_per_frame_;
    int draws_left_ = 0;
    std::list<Entry> lru_; // front = most recently used
    std::unordered_map<std::string, std::list<Entry>::iterator> entries_;
    std::size_t total_draws_ = 0;
    std::size_t evictions_ = 0;
};

} // namespace labelloop::app
