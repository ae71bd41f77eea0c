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
#include <map>
#include <optional>
#include <regex>
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

/// Size limits every JSON request body is checked against before a handler sees it, so an
/// oversized request is refused (413 for bytes, 422 for a string or array, 400 for nesting
/// or NUL characters) and nothing is changed. Per-field limits go by the member name (array
/// elements count under their array's name, wherever it is nested).
struct BodyLimits {
    std::size_t max_bytes = 1 << 20;
    std::size_t max_depth = 16;
    std::size_t max_string = 1000; // bytes (UTF-8) of any string without its own limit
    std::size_t max_array = 1000;  // elements of any array without its own limit
    std::map<std::string, std::size_t> strings;
    std::map<std::string, std::size_t> arrays;
};

/// The limits of ordinary endpoints: 1 MB, notes up to 10 000 bytes, SMILES up to 4 000,
/// names and other strings up to 1 000, lists up to 1 000 items (posted compound lists and
/// SMILES pools up to 10 000).
const BodyLimits& default_body_limits();

/// What a handler gets: the request, the caller (empty for public routes), the path
/// parameters in template order.
struct ApiRequest {
    const httplib::Request& http;
    const domain::User& caller;
    std::vector<std::string> params;

    /// The body as a JSON object; 400 when it is not one, or any status of BodyLimits.
    json body() const { return body(default_body_limits()); }
    json body(const BodyLimits& limits) const;
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
    /// Runs the route matching `req.method` and `req.path` in process, exactly the wrapped
    /// handler httplib would run (auth, limits, error mapping); for drivers without a socket
    /// (the fuzz targets). False when no route matches.
    bool dispatch(httplib::Request& req, httplib::Response& res) const;

private:
    struct Entry {
        std::string method; // "GET", "POST", ...
        std::regex pattern;
        httplib::Server::Handler handler;
    };
    httplib::Server& server_;
    std::vector<RouteDoc> routes_;
    std::vector<Entry> entries_;
};

void send_json(httplib::Response& res, int status, const json& body);
void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message, json details = json::object());

// ---- body field helpers (400 for a missing or mistyped field)
std::string require_string(const json& body, const std::string& field);
std::optional<std::string> optional_string(const json& body, const std::string& field);
std::optional<double> optional_number(const json& body, const std::string& field);
/// A number that must be present and not null (422 naming the field otherwise).
double require_number(const json& body, const std::string& field);
std::optional<std::int64_t> optional_int(const json& body, const std::string& field);
std::optional<bool> optional_bool(const json& body, const std::string& field);
std::vector<std::string> string_list(const json& body, const std::string& field);
/// Throws the BodyLimits error for the first value of `body` over a limit.
void check_body_limits(const json& body, const BodyLimits& limits);

// ---- route areas (one file each)
void add_queue_routes(ApiRouter& router, service::Services& services);
void add_model_routes(ApiRouter& router, service::Services& services);
void add_compound_routes(ApiRouter& router, service::Services& services);
void add_admin_routes(ApiRouter& router, service::Services& services);
void add_sync_routes(ApiRouter& router, service::Services& services);
/// The OpenAPI 3 document for the routes registered so far (plus itself).
json openapi_document(const std::vector<RouteDoc>& routes);

} // namespace labelloop::http
