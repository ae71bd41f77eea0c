// How API routes are declared: each route is registered once with its method, OpenAPI path
// template, summary and access level, so the router authenticates it, maps service errors
// to status codes, and the OpenAPI document lists exactly the routes that exist.
// Route files include this (and so httplib) but never a core model header.
#pragma once

#include "domain/records.hpp"
#include "service/errors.hpp"
#include "service/services.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::http {

using json = nlohmann::json;

enum class Access { Public, User, Admin };

struct RouteDoc {
    RouteDoc(std::string method_, std::string path_, std::string summary_, Access access_,
             std::vector<std::string> query_ = {}, std::string response_ = "application/json",
             int success_status_ = 200)
        : method(std::move(method_)), path(std::move(path_)), summary(std::move(summary_)),
          access(access_), query(std::move(query_)), response(std::move(response_)),
          success_status(success_status_) {}

    std::string method;             // "get", "post", "delete"
    std::string path;               // OpenAPI template, e.g. /api/v1/models/{id}
    std::string summary;            // one line for the OpenAPI document
    Access access;                  // who may call it
    std::vector<std::string> query; // documented query parameters
    std::string response;           // success content type
    int success_status;
};

/// What a handler gets: the request, the caller (empty for public routes), the path
/// parameters in template order.
struct ApiRequest {
    const httplib::Request& http;
    const domain::User& caller;
    std::vector<std::string> params;

    /// The body as a JSON object; 400 when it is not one (or 413 when above `max_bytes`).
    json body(std::size_t max_bytes = 1 << 20) const;
    std::optional<std::string> query(const std::string& name) const;
    /// An integer query parameter; 422 when present but not an integer.
    std::int64_t query_int(const std::string& name, std::int64_t fallback) const;
};

using ApiHandler = std::function<void(const ApiRequest&, httplib::Response&)>;

class ApiRouter {
public:
    explicit ApiRouter(httplib::Server& server) : server_(server) {}
    void add(RouteDoc doc, ApiHandler handler, service::Services& services);
    const std::vector<RouteDoc>& routes() const { return routes_; }

private:
    httplib::Server& server_;
    std::vector<RouteDoc> routes_;
};

void send_json(httplib::Response& res, int status, const json& body);
void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message, json details = json::object());

// ---- body field helpers (400 for a missing or mistyped field)
std::string require_string(const json& body, const std::string& field);
std::optional<std::string> optional_string(const json& body, const std::string& field);
std::optional<double> optional_number(const json& body, const std::string& field);
std::optional<std::int64_t> optional_int(const json& body, const std::string& field);
std::optional<bool> optional_bool(const json& body, const std::string& field);
std::vector<std::string> string_list(const json& body, const std::string& field);

// ---- route areas (one file each)
void add_queue_routes(ApiRouter& router, service::Services& services);
void add_model_routes(ApiRouter& router, service::Services& services);
void add_compound_routes(ApiRouter& router, service::Services& services);
void add_admin_routes(ApiRouter& router, service::Services& services);
void add_sync_routes(ApiRouter& router, service::Services& services);
/// The OpenAPI 3 document for the routes registered so far (plus itself).
json openapi_document(const std::vector<RouteDoc>& routes);

} // namespace labelloop::http
