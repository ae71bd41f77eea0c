// /api/v1/sync: offline changes in, server changes out; label conflicts and their resolution.
#include "http/api_router.hpp"

namespace labelloop::http {
namespace {

/// A sync carries up to SyncService::kMaxOps ops (the service refuses more with 413 and a
/// message saying to send the rest next time); each op's strings keep the usual limits.
const BodyLimits& sync_body_limits() {
    static const BodyLimits limits = [] {
        BodyLimits l = default_body_limits();
        l.max_bytes = 8 << 20;
        l.arrays["ops"] = 4 * service::SyncService::kMaxOps;
        return l;
    }();
    return limits;
}

} // namespace

void add_sync_routes(ApiRouter& router, service::Services& s) {
    auto& sync = s.sync;
    router.add(
        {"post", "/api/v1/sync",
         "Push the op log {protocol, cursor, ops: [{op_id, kind: label|skip|select, item_id, "
         "base_version, user_id, label?, source?, confidence?, notes?, selection?}]} and pull "
         "queue changes since the cursor; idempotent per op_id",
         Access::User},
        [&sync](const ApiRequest& r, httplib::Response& res) {
            send_json(res, 200, sync.sync(r.caller, r.body(sync_body_limits())));
        },
        s);

    router.add(
        {"get",
         "/api/v1/sync/conflicts",
         "Label conflicts the caller may see (status: open | resolved; admins see all)",
         Access::User,
         {"status"}},
        [&sync](const ApiRequest& r, httplib::Response& res) {
            json list = json::array();
            for (const auto& k : sync.list_conflicts(r.caller, r.query("status").value_or(""))) {
                list.push_back(service::to_json(k));
            }
            send_json(res, 200, {{"conflicts", list}});
        },
        s);

    router.add(
        {"post", "/api/v1/sync/conflicts/{conflict_id}/resolve",
         "Resolve a label conflict: {resolution: accept_existing | accept_incoming | "
         "keep_both} (admin)",
         Access::Admin},
        [&sync](const ApiRequest& r, httplib::Response& res) {
            const json body = r.body();
            send_json(res, 200,
                      service::to_json(sync.resolve(r.caller, r.params.at(0),
                                                    require_string(body, "resolution"))));
        },
        s);
}

} // namespace labelloop::http
