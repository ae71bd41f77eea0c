// Platform seam: asynchronous HTTP requests to the LabelLoop server. Callbacks run on the
// frame loop's thread, never blocking a frame. Browser build: emscripten_fetch.
#pragma once

#include <functional>
#include <string>

namespace labelloop::app {

struct HttpResponse {
    int status = 0; // 0 when the request never reached a server (offline, refused)
    std::string body;
    std::string error; // transport error text, empty on any HTTP answer
};

using HttpCallback = std::function<void(const HttpResponse&)>;

/// Sends `method url` with an optional JSON body and bearer token.
void http_request(const std::string& method, const std::string& url, const std::string& body,
                  const std::string& bearer_token, HttpCallback on_done);

} // namespace labelloop::app
