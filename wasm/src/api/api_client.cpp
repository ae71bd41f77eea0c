#include "api/api_client.hpp"

#include "platform/http_client.hpp"
#include "platform/storage.hpp"

namespace labelloop::app {

void ApiClient::send(const std::string& method, const std::string& path, const std::string& body,
                     std::function<void(int, const std::string&, const std::string&)> done) {
    ++in_flight_;
    http_request(method, path, body, token_, [this, done = std::move(done)](const HttpResponse& r) {
        --in_flight_;
        done(r.status, r.body, r.error);
    });
}

std::optional<std::string> ApiClient::cached(const std::string& path) const {
    if (cache_ns_.empty()) {
        return std::nullopt;
    }
    return kv_get("cache:" + cache_ns_ + ":" + path);
}

void ApiClient::remember(const std::string& path, const std::string& body) const {
    if (!cache_ns_.empty()) {
        kv_put("cache:" + cache_ns_ + ":" + path, body);
    }
}

void ApiClient::get(const std::string& path, OnJson ok, OnError err) {
    send("GET", path, "",
         [this, path, ok = std::move(ok), err = std::move(err)](int status, const std::string& body,
                                                                const std::string& transport) {
             if (status == 200) {
                 auto parsed = json::parse(body, nullptr, false);
                 if (!parsed.is_discarded()) {
                     remember(path, body);
                     ok(parsed);
                     return;
                 }
                 err(status, "The server's answer could not be read (not JSON).");
                 return;
             }
             if (status == 0) {
                 // Offline: the last answer this browser saw, if any.
                 if (const auto kept = cached(path)) {
                     auto parsed = json::parse(*kept, nullptr, false);
                     if (!parsed.is_discarded()) {
                         ++served_from_cache_;
                         ok(parsed);
                         return;
                     }
                 }
             }
             err(status, describe_error(status, body, transport));
         });
}

void ApiClient::post(const std::string& path, const json& body, OnJson ok, OnError err) {
    send("POST", path, body.dump(),
         [ok = std::move(ok), err = std::move(err)](int status, const std::string& text,
                                                    const std::string& transport) {
             if (status >= 200 && status < 300) {
                 auto parsed = json::parse(text.empty() ? "{}" : text, nullptr, false);
                 ok(parsed.is_discarded() ? json::object() : parsed);
                 return;
             }
             err(status, describe_error(status, text, transport));
         });
}

void ApiClient::get_bytes(const std::string& path, OnBytes ok, OnError err) {
    send("GET", path, "",
         [this, path, ok = std::move(ok), err = std::move(err)](int status, const std::string& body,
                                                                const std::string& transport) {
             if (status == 200) {
                 remember(path, body);
                 ok(body);
                 return;
             }
             if (status == 0) {
                 if (const auto kept = cached(path)) {
                     ++served_from_cache_;
                     ok(*kept);
                     return;
                 }
             }
             err(status, describe_error(status, body, transport));
         });
}

std::string ApiClient::encode(const std::string& value) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

} // namespace labelloop::app
