#include "service/simulation_split.hpp"

#include <algorithm>
#include <map>
#include <random>

namespace labelloop::service {

std::string scaffold_key(const std::string& scaffold, const std::string& smiles) {
    return scaffold.empty() ? "acyclic:" + smiles : scaffold;
}

std::vector<bool> scaffold_validation(const std::vector<std::string>& keys, double fraction,
                                      std::uint64_t seed) {
    const std::size_t n = keys.size();
    const auto n_val = static_cast<std::size_t>(static_cast<double>(n) * fraction + 0.5);
    std::map<std::string, std::vector<std::size_t>> by_key;
    for (std::size_t i = 0; i < n; ++i) {
        by_key[keys[i]].push_back(i);
    }
    std::vector<const std::vector<std::size_t>*> groups;
    for (const auto& g : by_key) {
        groups.push_back(&g.second);
    }
    std::mt19937_64 rng(seed);
    std::shuffle(groups.begin(), groups.end(), rng);
    // Small groups go to validation first: big scaffold families stay available for training.
    std::stable_sort(groups.begin(), groups.end(),
                     [](const auto* a, const auto* b) { return a->size() < b->size(); });
    std::vector<bool> mask(n, false);
    std::size_t taken = 0;
    for (const auto* g : groups) {
        if (taken >= n_val) {
            break;
        }
        for (std::size_t i : *g) {
            mask[i] = true;
        }
        taken += g->size();
    }
    return mask;
}

PoolSplit draw_pool_split(const std::vector<std::string>& keys, const std::string& split,
                          double held_out, std::size_t init, std::uint64_t seed) {
    const std::size_t n = keys.size();
    PoolSplit out;
    std::vector<bool> excluded(n, false);
    if (split == "scaffold") {
        std::map<std::string, std::vector<std::size_t>> by_key; // ordered: independent of input
        for (std::size_t i = 0; i < n; ++i) {
            by_key[keys[i]].push_back(i);
        }
        std::vector<const std::vector<std::size_t>*> groups;
        for (const auto& g : by_key) {
            groups.push_back(&g.second);
        }
        std::mt19937_64 rng(2000 + seed);
        std::shuffle(groups.begin(), groups.end(), rng);
        const double target = held_out * static_cast<double>(n);
        std::size_t taken = 0;
        for (const auto* g : groups) {
            if (static_cast<double>(taken + g->size()) <= target) {
                for (std::size_t i : *g) {
                    excluded[i] = true;
                    out.held_out.push_back(i);
                }
                taken += g->size();
            }
        }
        std::sort(out.held_out.begin(), out.held_out.end());
    }
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < n; ++i) {
        if (!excluded[i]) {
            order.push_back(i);
        }
    }
    if (order.size() < init) {
        throw std::invalid_argument(
            "the initial set needs " + std::to_string(init) + " compounds but only " +
            std::to_string(order.size()) + " of the pool's " + std::to_string(n) +
            " lie outside the held-out scaffolds (lower --init or --held-out)");
    }
    std::mt19937_64 rng(1000 + seed);
    std::shuffle(order.begin(), order.end(), rng);
    order.resize(init);
    std::sort(order.begin(), order.end());
    out.init = std::move(order);
    return out;
}

} // namespace labelloop::service
