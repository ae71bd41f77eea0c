// Small helpers for the JSON forms of records (service to_json functions).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>

namespace labelloop::service {

/// The value, or JSON null when absent.
template <typename T>
nlohmann::json opt(const std::optional<T>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

} // namespace labelloop::service
