// The HTTP face of the server: the embedded browser app, and the JSON API under /api/v1.
// httplib stays behind this header (pimpl): its <resolv.h> macros clash with Eigen, and the
// service layer must never see HTTP types.
#pragma once

#include <memory>
#include <ostream>
#include <string>

namespace labelloop::service {
struct Services;
}

namespace labelloop::http {

struct ServerInfo {
    int schema_version = 0;
};

class HttpServer {
public:
    /// `log` receives one line per request (nullptr: no request log).
    HttpServer(service::Services& services, ServerInfo info, std::ostream* log);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds to host:port (port 0 picks a free port) and returns the bound port. Throws
    /// std::runtime_error with the reason when the address cannot be bound.
    int bind(const std::string& host, int port);
    /// Serves until stop() is called (from any thread or a signal handler thread).
    void run();
    void stop();
    bool is_running() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace labelloop::http
