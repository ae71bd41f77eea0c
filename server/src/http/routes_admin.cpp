// /api/v1/me, users, tokens, jobs and the audit log.
#include "http/api_router.hpp"

namespace labelloop::http {
namespace {

json token_json(const domain::ApiToken& t) {
    return {{"id", t.id},
            {"user_id", t.user_id},
            {"label", t.label},
            {"created_at", t.created_at},
            {"revoked_at", t.revoked_at ? json(*t.revoked_at) : json(nullptr)}};
}

} // namespace

void add_admin_routes(ApiRouter& router, service::Services& s) {
    router.add(
        {"get", "/api/v1/me", "The caller: {id, name, role}", Access::User},
        [](const ApiRequest& r, httplib::Response& res) {
            send_json(res, 200,
                      {{"id", r.caller.id}, {"name", r.caller.name}, {"role", r.caller.role}});
        },
        s);

    router.add(
        {"get", "/api/v1/users", "Every user (admin)", Access::Admin},
        [&s](const ApiRequest& r, httplib::Response& res) {
            json list = json::array();
            for (const auto& u : s.auth.list_users(r.caller)) {
                list.push_back(service::to_json(u));
            }
            send_json(res, 200, {{"users", list}});
        },
        s);

    router.add(
        {"post",
         "/api/v1/users",
         "Add a user: {name, role: admin|scientist} (admin)",
         Access::Admin,
         {},
         "application/json",
         201},
        [&s](const ApiRequest& r, httplib::Response& res) {
            const json body = r.body();
            const auto user = s.auth.create_user(&r.caller, require_string(body, "name"),
                                                 require_string(body, "role"));
            send_json(res, 201, service::to_json(user));
        },
        s);

    router.add(
        {"get", "/api/v1/users/{user_id}/tokens", "A user's tokens, without secrets (admin)",
         Access::Admin},
        [&s](const ApiRequest& r, httplib::Response& res) {
            json list = json::array();
            for (const auto& t : s.auth.list_tokens(r.caller, r.params.at(0))) {
                list.push_back(token_json(t));
            }
            send_json(res, 200, {{"tokens", list}});
        },
        s);

    router.add(
        {"post",
         "/api/v1/users/{user_id}/tokens",
         "Issue a token: {label?} -> the token, shown only in this response (admin)",
         Access::Admin,
         {},
         "application/json",
         201},
        [&s](const ApiRequest& r, httplib::Response& res) {
            const json body = r.body();
            const auto issued = s.auth.issue_token(&r.caller, r.params.at(0),
                                                   optional_string(body, "label").value_or(""));
            json j = token_json(issued.token);
            j["token"] = issued.secret;
            send_json(res, 201, j);
        },
        s);

    router.add(
        {"delete", "/api/v1/tokens/{token_id}", "Revoke a token (admin)", Access::Admin},
        [&s](const ApiRequest& r, httplib::Response& res) {
            s.auth.revoke_token(r.caller, r.params.at(0));
            send_json(res, 200, {{"revoked", r.params.at(0)}});
        },
        s);

    router.add(
        {"get", "/api/v1/jobs/{job_id}",
         "A background job: {id, kind, status, progress, message, error, result}", Access::User},
        [&s](const ApiRequest& r, httplib::Response& res) {
            send_json(res, 200, service::to_json(s.active_learning.get_job(r.params.at(0))));
        },
        s);

    router.add(
        {"get",
         "/api/v1/audit",
         "Audit entries of one entity (entity_type: queue_item | cycle | user | model)",
         Access::User,
         {"entity_type", "entity_id"}},
        [&s](const ApiRequest& r, httplib::Response& res) {
            const auto type = r.query("entity_type");
            const auto id = r.query("entity_id");
            if (!type || !id) {
                service::fail(service::ErrorKind::BadRequest,
                              "Query parameters 'entity_type' and 'entity_id' are required.");
            }
            json list = json::array();
            for (const auto& e : s.store.audit_for(*type, *id)) {
                const auto parse = [](const std::optional<std::string>& t) {
                    return t ? json::parse(*t, nullptr, false) : json(nullptr);
                };
                list.push_back({{"id", e.id},
                                {"user_id", e.user_id ? json(*e.user_id) : json(nullptr)},
                                {"action", e.action},
                                {"entity_type", e.entity_type},
                                {"entity_id", e.entity_id},
                                {"old_value", parse(e.old_value_json)},
                                {"new_value", parse(e.new_value_json)},
                                {"at", e.at}});
            }
            send_json(res, 200, {{"entries", list}});
        },
        s);
}

} // namespace labelloop::http
