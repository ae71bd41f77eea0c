// The app's typed, asynchronous view of the LabelLoop REST API (/api/v1). Every call returns
// at once; its callback runs on the frame loop when the answer arrives, with either the parsed
// JSON or an error already put in words for a scientist.
#pragma once

#include "api/types.hpp"

#include <functional>
#include <optional>
#include <string>

namespace labelloop::app {

class ApiClient {
public:
    using OnJson = std::function<void(const json&)>;
    using OnBytes = std::function<void(const std::string&)>;
    using OnError = std::function<void(int status, const std::string& message)>;

    void set_token(const std::string& token) { token_ = token; }
    /// Answers to GET requests are kept in the offline store under this namespace (one per
    /// signed-in token) and served from there when the server cannot be reached; empty turns
    /// that off.
    void set_cache_namespace(const std::string& ns) { cache_ns_ = ns; }
    /// GET answers served from the offline store so far.
    int served_from_cache() const { return served_from_cache_; }
    const std::string& token() const { return token_; }
    /// Requests sent and not yet answered (shown as activity in the header).
    int in_flight() const { return in_flight_; }

    void get(const std::string& path, OnJson ok, OnError err);
    void post(const std::string& path, const json& body, OnJson ok, OnError err);
    void get_bytes(const std::string& path, OnBytes ok, OnError err);

    /// Percent-encodes a query parameter value.
    static std::string encode(const std::string& value);

private:
    void send(const std::string& method, const std::string& path, const std::string& body,
              std::function<void(int, const std::string&, const std::string&)> done);
    std::optional<std::string> cached(const std::string& path) const;
    void remember(const std::string& path, const std::string& body) const;
    std::string token_;
    std::string cache_ns_;
    int in_flight_ = 0;
    int served_from_cache_ = 0;
};

} // namespace labelloop::app
