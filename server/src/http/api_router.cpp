#include "http/api_router.hpp"

#include "store/database.hpp"

#include <cctype>
#include <regex>

namespace labelloop::http {
namespace {

using service::ErrorKind;
using service::fail;

int status_for(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::BadRequest:
        return 400;
    case ErrorKind::Unauthorized:
        return 401;
    case ErrorKind::Forbidden:
        return 403;
    case ErrorKind::NotFound:
        return 404;
    case ErrorKind::Conflict:
        return 409;
    case ErrorKind::PayloadTooLarge:
        return 413;
    case ErrorKind::InvalidValue:
        return 422;
    }
    return 500;
}

/// "/api/v1/models/{id}/versions" -> "/api/v1/models/([^/]+)/versions"
std::string to_pattern(const std::string& path) {
    static const std::regex param(R"(\{[a-z_]+\})");
    return std::regex_replace(path, param, "([^/]+)");
}

std::string bearer_token(const httplib::Request& req) {
    const std::string header = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (header.size() <= prefix.size() || header.compare(0, prefix.size(), prefix) != 0) {
        return {};
    }
    return header.substr(prefix.size());
}

} // namespace

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_header("Cache-Control", "no-store");
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message, json details) {
    send_json(res, status,
              {{"error", {{"code", code}, {"message", message}, {"details", std::move(details)}}}});
}

const BodyLimits& default_body_limits() {
    static const BodyLimits limits = [] {
        BodyLimits l;
        l.strings = {{"notes", 10000}, {"smiles", 4000}};
        l.arrays = {{"compound_ids", 10000}, {"smiles", 10000}};
        return l;
    }();
    return limits;
}

namespace {

void check_value(const json& value, const std::string& name, const std::string& where,
                 std::size_t depth, const BodyLimits& limits) {
    if (depth > limits.max_depth) {
        fail(ErrorKind::BadRequest,
             "The request body nests deeper than " + std::to_string(limits.max_depth) +
                 " levels (at " + where + ").",
             {{"field", where}});
    }
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        const auto own = limits.strings.find(name);
        const std::size_t max = own != limits.strings.end() ? own->second : limits.max_string;
        if (text.size() > max) {
            fail(ErrorKind::InvalidValue,
                 "Field '" + where + "' has " + std::to_string(text.size()) + " bytes; at most " +
                     std::to_string(max) + " are accepted.",
                 {{"field", where}, {"length", text.size()}, {"limit", max}});
        }
        if (text.find('\0') != std::string::npos) {
            fail(ErrorKind::BadRequest, "Field '" + where + "' contains a NUL character.",
                 {{"field", where}});
        }
    } else if (value.is_array()) {
        const auto own = limits.arrays.find(name);
        const std::size_t max = own != limits.arrays.end() ? own->second : limits.max_array;
        if (value.size() > max) {
            fail(ErrorKind::InvalidValue,
                 "Field '" + where + "' lists " + std::to_string(value.size()) +
                     " values; at most " + std::to_string(max) + " are accepted per request.",
                 {{"field", where}, {"length", value.size()}, {"limit", max}});
        }
        std::size_t i = 0;
        for (const auto& element : value) {
            check_value(element, name, where + "[" + std::to_string(i++) + "]", depth + 1, limits);
        }
    } else if (value.is_object()) {
        for (const auto& [key, member] : value.items()) {
            if (key.size() > limits.max_string) {
                fail(ErrorKind::InvalidValue,
                     "The request body has a member name of " + std::to_string(key.size()) +
                         " bytes; at most " + std::to_string(limits.max_string) + " are accepted.");
            }
            check_value(member, key, where.empty() ? key : where + "." + key, depth + 1, limits);
        }
    }
}

/// The field (dotted path; an array element counts as its array) whose number overflows a
/// double, found by parsing again and following the keys up to the failure.
std::string overflowing_field(const std::string& body) {
    std::vector<std::string> containers; // the key of each open object / array
    std::string key;                     // the key whose value comes next ("" in arrays)
    try {
        const json partial = json::parse(body, [&](int, json::parse_event_t event, json& parsed) {
            switch (event) {
            case json::parse_event_t::key:
                key = parsed.get<std::string>();
                break;
            case json::parse_event_t::object_start:
            case json::parse_event_t::array_start:
                containers.push_back(key);
                key.clear();
                break;
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                if (!containers.empty()) {
                    containers.pop_back();
                }
                key.clear();
                break;
            case json::parse_event_t::value:
                key.clear();
                break;
            }
            return true;
        });
        (void)partial; // never reached: the same overflow stops this parse too
    } catch (const json::exception&) {
        // Expected: the parse stops where the first parse stopped.
    }
    std::string path;
    containers.push_back(key);
    for (const auto& k : containers) {
        if (!k.empty()) {
            path += (path.empty() ? "" : ".") + k;
        }
    }
    return path.empty() ? std::string("(body)") : path;
}

} // namespace

void check_body_limits(const json& body, const BodyLimits& limits) {
    check_value(body, "", "", 0, limits);
}

json ApiRequest::body(const BodyLimits& limits) const {
    if (http.body.size() > limits.max_bytes) {
        fail(ErrorKind::PayloadTooLarge,
             "The request body has " + std::to_string(http.body.size()) +
                 " bytes; this endpoint accepts at most " + std::to_string(limits.max_bytes) + ".",
             {{"length", http.body.size()}, {"limit", limits.max_bytes}});
    }
    if (http.body.empty()) {
        return json::object();
    }
    json parsed;
    try {
        parsed = json::parse(http.body);
    } catch (const json::parse_error& e) {
        fail(ErrorKind::BadRequest,
             "The request body is not valid JSON (syntax error at byte " + std::to_string(e.byte) +
                 ").",
             {{"byte", e.byte}});
    } catch (const json::out_of_range&) {
        // Well-formed JSON holding a value no double can: a bad value of one field.
        const std::string field = overflowing_field(http.body);
        fail(ErrorKind::InvalidValue,
             "Field '" + field + "' holds a number too large for a double (beyond about 1.8e308).",
             {{"field", field}});
    }
    if (!parsed.is_object()) {
        fail(ErrorKind::BadRequest, "The request body must be a JSON object.");
    }
    check_body_limits(parsed, limits);
    return parsed;
}

std::optional<std::string> ApiRequest::query(const std::string& name) const {
    if (!http.has_param(name.c_str())) {
        return std::nullopt;
    }
    return http.get_param_value(name.c_str());
}

std::int64_t ApiRequest::query_int(const std::string& name, std::int64_t fallback) const {
    const auto text = query(name);
    if (!text) {
        return fallback;
    }
    try {
        std::size_t used = 0;
        const long long v = std::stoll(*text, &used);
        if (used == text->size()) {
            return v;
        }
    } catch (const std::exception&) {
    }
    fail(ErrorKind::InvalidValue, "Query parameter '" + name + "' must be an integer.",
         {{"field", name}});
}

void ApiRouter::add(RouteDoc doc, ApiHandler handler, service::Services& services) {
    const Access access = doc.access;
    auto wrapped = [access, handler = std::move(handler), &services](const httplib::Request& req,
                                                                     httplib::Response& res) {
        try {
            domain::User caller;
            if (access != Access::Public) {
                auto user = services.auth.authenticate(bearer_token(req));
                if (!user) {
                    res.set_header("WWW-Authenticate", "Bearer");
                    send_error(res, 401, "unauthorized",
                               "Send 'Authorization: Bearer <token>' with a valid API token.");
                    return;
                }
                caller = *user;
                if (access == Access::Admin && caller.role != "admin") {
                    send_error(res, 403, "forbidden",
                               "Only an admin may do this; you are signed in as " + caller.name +
                                   " (" + caller.role + ").");
                    return;
                }
            }
            std::vector<std::string> params;
            for (std::size_t i = 1; i < req.matches.size(); ++i) {
                params.push_back(req.matches[i].str());
            }
            handler(ApiRequest{req, caller, std::move(params)}, res);
        } catch (const service::ServiceError& e) {
            send_error(res, status_for(e.kind()), service::error_code(e.kind()), e.what(),
                       e.details());
        } catch (const json::exception& e) {
            send_error(res, 400, "bad_request", std::string("Malformed request: ") + e.what());
        } catch (const store::DatabaseError& e) {
            send_error(res, 500, "internal", std::string("Database error: ") + e.what());
        }
    };
    const std::string pattern = to_pattern(doc.path);
    std::string upper = doc.method;
    for (auto& ch : upper) {
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    entries_.push_back({upper, std::regex(pattern), wrapped});
    if (doc.method == "get") {
        server_.Get(pattern, wrapped);
    } else if (doc.method == "post") {
        server_.Post(pattern, wrapped);
    } else if (doc.method == "delete") {
        server_.Delete(pattern, wrapped);
    } else if (doc.method == "put") {
        server_.Put(pattern, wrapped);
    }
    routes_.push_back(std::move(doc));
}

bool ApiRouter::dispatch(httplib::Request& req, httplib::Response& res) const {
    for (const auto& e : entries_) {
        if (e.method == req.method && std::regex_match(req.path, req.matches, e.pattern)) {
            e.handler(req, res);
            return true;
        }
    }
    return false;
}

std::string require_string(const json& body, const std::string& field) {
    auto v = optional_string(body, field);
    if (!v) {
        fail(ErrorKind::BadRequest, "The request needs the string field '" + field + "'.",
             {{"field", field}});
    }
    return *v;
}

std::optional<std::string> optional_string(const json& body, const std::string& field) {
    if (!body.contains(field) || body.at(field).is_null()) {
        return std::nullopt;
    }
    if (!body.at(field).is_string()) {
        fail(ErrorKind::BadRequest, "Field '" + field + "' must be a string.", {{"field", field}});
    }
    return body.at(field).get<std::string>();
}

std::optional<double> optional_number(const json& body, const std::string& field) {
    if (!body.contains(field) || body.at(field).is_null()) {
        return std::nullopt;
    }
    if (!body.at(field).is_number()) {
        fail(ErrorKind::InvalidValue, "Field '" + field + "' must be a number.",
             {{"field", field}});
    }
    return body.at(field).get<double>();
}

double require_number(const json& body, const std::string& field) {
    if (!body.contains(field)) {
        fail(ErrorKind::BadRequest, "The request needs the numeric field '" + field + "'.",
             {{"field", field}});
    }
    const auto v = optional_number(body, field);
    if (!v) {
        fail(ErrorKind::InvalidValue, "Field '" + field + "' must be a number, not null.",
             {{"field", field}});
    }
    return *v;
}

std::optional<std::int64_t> optional_int(const json& body, const std::string& field) {
    if (!body.contains(field) || body.at(field).is_null()) {
        return std::nullopt;
    }
    if (!body.at(field).is_number_integer()) {
        fail(ErrorKind::InvalidValue, "Field '" + field + "' must be an integer.",
             {{"field", field}});
    }
    return body.at(field).get<std::int64_t>();
}

std::optional<bool> optional_bool(const json& body, const std::string& field) {
    if (!body.contains(field) || body.at(field).is_null()) {
        return std::nullopt;
    }
    if (!body.at(field).is_boolean()) {
        fail(ErrorKind::BadRequest, "Field '" + field + "' must be true or false.",
             {{"field", field}});
    }
    return body.at(field).get<bool>();
}

std::vector<std::string> string_list(const json& body, const std::string& field) {
    if (!body.contains(field) || !body.at(field).is_array()) {
        fail(ErrorKind::BadRequest, "Field '" + field + "' must be an array of strings.",
             {{"field", field}});
    }
    std::vector<std::string> out;
    for (const auto& v : body.at(field)) {
        if (!v.is_string()) {
            fail(ErrorKind::BadRequest, "Field '" + field + "' must be an array of strings.",
                 {{"field", field}});
        }
        out.push_back(v.get<std::string>());
    }
    return out;
}

} // namespace labelloop::http
