#include "http/http_server.hpp"

#include "http/api_router.hpp"
#include "http/static_assets.hpp"
#include "labelloop/version.hpp"
#include "service/services.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include <chrono>
#include <ctime>
#include <mutex>
#include <stdexcept>

namespace labelloop::http {
namespace {

using json = nlohmann::json;

/// True when a decoded URL path could step outside the asset root ("..", backslashes,
/// NUL). The asset table is an exact-match map, so this is belt and braces: it turns such
/// requests into a clear 400 instead of a 404.
bool is_suspicious_path(const std::string& path) {
    if (path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) {
        return true;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos) {
            end = path.size();
        }
        if (path.compare(start, end - start, "..") == 0) {
            return true;
        }
        start = end + 1;
    }
    return false;
}

std::string utc_now() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

thread_local std::chrono::steady_clock::time_point request_started;

constexpr std::size_t kWorkerThreads = 128;

} // namespace

struct HttpServer::Impl {
    service::Services& services;
    ServerInfo info;
    std::ostream* log;
    std::mutex log_mutex;
    httplib::Server server;
    ApiRouter router{server};
    std::string openapi_json;
    socket_t listen_socket = INVALID_SOCKET;

    Impl(service::Services& s, ServerInfo server_info, std::ostream* log_stream)
        : services(s), info(server_info), log(log_stream) {
        // Imports are the largest requests; httplib answers anything bigger with 413.
        server.set_payload_max_length(64u << 20);
        // Small JSON answers must not wait for Nagle + delayed ACK (about 40 ms each).
        server.set_tcp_nodelay(true);
        // httplib keeps one worker per keep-alive connection; a browser opens up to six, so
        // the default eight workers would let two open dashboards stall a third client, and
        // a lab of 64 clients would queue behind each other's idle connections. A connection
        // serves up to 1000 requests (the default 5 makes clients reconnect all the time);
        // an idle one frees its worker after 2 s.
        server.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
        server.set_keep_alive_max_count(1000);
        server.set_keep_alive_timeout(2);
        // Remember the listening socket: bind() deepens its accept backlog afterwards.
        server.set_socket_options([this](socket_t sock) {
            httplib::default_socket_options(sock);
            listen_socket = sock;
        });
        install_logging();
        install_api_routes();
        install_static_routes();
    }

    void install_logging() {
        server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
            request_started = std::chrono::steady_clock::now();
            return httplib::Server::HandlerResponse::Unhandled;
        });
        server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
            if (log == nullptr) {
                return;
            }
            const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - request_started)
                                    .count();
            std::lock_guard<std::mutex> lock(log_mutex);
            *log << utc_now() << ' ' << req.remote_addr << ' ' << req.method << ' ' << req.path
                 << ' ' << res.status << ' ' << (static_cast<double>(micros) / 1000.0) << "ms\n"
                 << std::flush;
        });
        // httplib's own refusals (413 over the payload limit, 400 unparsable requests) get
        // the API's JSON error shape when nothing else wrote a body.
        server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty() || req.path.rfind("/api/", 0) != 0) {
                return;
            }
            const char* code = res.status == 413 ? "payload_too_large" : "bad_request";
            send_error(res, res.status, code,
                       res.status == 413 ? "The request body is too large."
                                         : "The request could not be handled.");
        });
        server.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                        std::exception_ptr ep) {
            std::string what = "unexpected error";
            try {
                std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                what = e.what();
            } catch (...) {
            }
            send_error(res, 500, "internal", "The server could not complete the request: " + what);
        });
    }

    void install_api_routes() {
        router.add(
            {"get", "/api/v1/health", "Liveness, versions and schema (no token needed)",
             Access::Public},
            [this](const ApiRequest&, httplib::Response& res) {
                send_json(res, 200,
                          {{"status", "ok"},
                           {"product", "LabelLoop"},
                           {"version", kProductVersion},
                           {"sync_protocol_version", kSyncProtocolVersion},
                           {"schema_version", info.schema_version}});
            },
            services);
        add_admin_routes(router, services);
        add_queue_routes(router, services);
        add_sync_routes(router, services);
        add_model_routes(router, services);
        add_compound_routes(router, services);
        router.add(
            {"get", "/api/v1/openapi.json", "This OpenAPI 3 document", Access::Public},
            [this](const ApiRequest&, httplib::Response& res) {
                res.set_header("Cache-Control", "no-store");
                res.set_content(openapi_json, "application/json");
            },
            services);
        openapi_json = openapi_document(router.routes()).dump(1);
        // Anything else under /api is an unknown endpoint, answered in JSON.
        const auto unknown = [](const httplib::Request& req, httplib::Response& res) {
            send_error(res, 404, "not_found",
                       "There is no API endpoint " + req.method + " " + req.path + ".");
        };
        server.Get("/api/.*", unknown);
        server.Post("/api/.*", unknown);
        server.Put("/api/.*", unknown);
        server.Delete("/api/.*", unknown);
        server.Patch("/api/.*", unknown);
    }

    void install_static_routes() {
        server.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
            if (is_suspicious_path(req.path)) {
                res.status = 400;
                res.set_content("400 Bad Request: the path may not contain '..' segments, "
                                "backslashes or NUL bytes.\n",
                                "text/plain; charset=utf-8");
                return;
            }
            const EmbeddedAsset* asset = find_asset(req.path);
            if (asset == nullptr) {
                res.status = 404;
                res.set_content("404 Not Found: " + req.path + "\n", "text/plain; charset=utf-8");
                return;
            }
            const std::string& etag = asset_etag(*asset);
            res.set_header("ETag", etag);
            res.set_header("Cache-Control", std::string(asset->cache_control));
            res.set_header("Vary", "Accept-Encoding");
            res.set_header("X-Content-Type-Options", "nosniff");
            if (req.get_header_value("If-None-Match") == etag) {
                res.status = 304;
                return;
            }
            const bool gzip =
                req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos;
            const std::string_view body = gzip ? asset->gzip : asset->data;
            if (gzip) {
                res.set_header("Content-Encoding", "gzip");
            }
            // Stream straight from the embedded bytes: no per-request copy of 7 MB of wasm.
            res.set_content_provider(
                body.size(), std::string(asset->mime),
                [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                    sink.write(body.data() + offset, length);
                    return true;
                });
        });
    }
};

HttpServer::HttpServer(service::Services& services, ServerInfo info, std::ostream* log)
    : impl_(std::make_unique<Impl>(services, info, log)) {}

HttpServer::~HttpServer() = default;

int HttpServer::bind(const std::string& host, int port) {
    int bound = -1;
    if (port == 0) {
        bound = impl_->server.bind_to_any_port(host);
    } else if (impl_->server.bind_to_port(host, port)) {
        bound = port;
    }
    if (bound <= 0) {
        throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) +
                                 " (is the port already in use, or the address not local?)");
    }
    // Debian's httplib listens with a backlog of 5: 64 clients connecting at once overflow
    // it, and the dropped handshakes cost a 1 s SYN retransmit or a reset connection.
    // listen() again on the bound socket only raises the backlog.
    if (impl_->listen_socket != INVALID_SOCKET) {
        ::listen(impl_->listen_socket, SOMAXCONN);
    }
    return bound;
}

void HttpServer::run() {
    impl_->server.listen_after_bind();
}

void HttpServer::stop() {
    impl_->server.stop();
}

bool HttpServer::is_running() const {
    return impl_->server.is_running();
}

} // namespace labelloop::http
