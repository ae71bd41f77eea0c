// Errors the services raise for the caller to act on. Each kind maps to one HTTP status in
// the routes (and to an exit code in the CLI); the message is meant for a scientist to read.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>

namespace labelloop::service {

enum class ErrorKind {
    BadRequest,      // malformed input (400)
    Unauthorized,    // no or unknown token (401)
    Forbidden,       // the caller's role or ownership does not allow it (403)
    NotFound,        // unknown id (404)
    Conflict,        // the current state does not allow it (409)
    PayloadTooLarge, // (413)
    InvalidValue,    // well-formed but unacceptable value (422)
};

class ServiceError : public std::runtime_error {
public:
    ServiceError(ErrorKind kind, const std::string& message,
                 nlohmann::json details = nlohmann::json::object())
        : std::runtime_error(message), kind_(kind), details_(std::move(details)) {}
    ErrorKind kind() const { return kind_; }
    const nlohmann::json& details() const { return details_; }

private:
    ErrorKind kind_;
    nlohmann::json details_;
};

/// The API error code for a kind ("bad_request", "not_found", ...).
inline const char* error_code(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::BadRequest:
        return "bad_request";
    case ErrorKind::Unauthorized:
        return "unauthorized";
    case ErrorKind::Forbidden:
        return "forbidden";
    case ErrorKind::NotFound:
        return "not_found";
    case ErrorKind::Conflict:
        return "conflict";
    case ErrorKind::PayloadTooLarge:
        return "payload_too_large";
    case ErrorKind::InvalidValue:
        return "invalid_value";
    }
    return "internal";
}

[[noreturn]] inline void fail(ErrorKind kind, const std::string& message,
                              nlohmann::json details = nlohmann::json::object()) {
    throw ServiceError(kind, message, std::move(details));
}

/// The value a store lookup found, or a 404 "There is no <what> with id <id>."
template <typename T>
T found_or_not_found(std::optional<T> found, const char* what, const std::string& id) {
    if (!found) {
        fail(ErrorKind::NotFound, std::string("There is no ") + what + " with id " + id + ".");
    }
    return std::move(*found);
}

} // namespace labelloop::service
