// Browser implementation of the HTTP seam with Emscripten's fetch API.
#include "platform/http_client.hpp"

#include <emscripten/fetch.h>

#include <cstring>
#include <memory>
#include <vector>

namespace labelloop::app {
namespace {

struct PendingRequest {
    HttpCallback on_done;
    std::string body;
    std::vector<std::string> header_storage;
    std::vector<const char*> headers;
};

void finish(emscripten_fetch_t* fetch, bool transport_ok) {
    std::unique_ptr<PendingRequest> pending(static_cast<PendingRequest*>(fetch->userData));
    HttpResponse response;
    response.status = fetch->status;
    if (fetch->data != nullptr && fetch->numBytes > 0) {
        response.body.assign(fetch->data, static_cast<std::size_t>(fetch->numBytes));
    }
    if (!transport_ok && fetch->status == 0) {
        response.error = "the server could not be reached";
    }
    emscripten_fetch_close(fetch);
    if (pending->on_done) {
        pending->on_done(response);
    }
}

} // namespace

void http_request(const std::string& method, const std::string& url, const std::string& body,
                  const std::string& bearer_token, HttpCallback on_done) {
    auto pending = std::make_unique<PendingRequest>();
    pending->on_done = std::move(on_done);
    pending->body = body;
    pending->header_storage = {"Content-Type", "application/json", "Accept", "application/json"};
    if (!bearer_token.empty()) {
        pending->header_storage.push_back("Authorization");
        pending->header_storage.push_back("Bearer " + bearer_token);
    }
    for (const auto& h : pending->header_storage) {
        pending->headers.push_back(h.c_str());
    }
    pending->headers.push_back(nullptr);

    emscripten_fetch_attr_t attr;
    emscripten_fetch_attr_init(&attr);
    std::strncpy(attr.requestMethod, method.c_str(), sizeof(attr.requestMethod) - 1);
    attr.attributes = EMSCRIPTEN_FETCH_LOAD_TO_MEMORY;
    attr.requestHeaders = pending->headers.data();
    if (!pending->body.empty()) {
        attr.requestData = pending->body.data();
        attr.requestDataSize = pending->body.size();
    }
    attr.onsuccess = [](emscripten_fetch_t* f) { finish(f, true); };
    attr.onerror = [](emscripten_fetch_t* f) { finish(f, false); };
    attr.userData = pending.release();
    emscripten_fetch(&attr, url.c_str());
}

} // namespace labelloop::app
