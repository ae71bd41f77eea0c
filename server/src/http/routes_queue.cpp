// /api/v1/active-learning/...: the label queue, selection, cycles, retraining and stats.
#include "http/api_router.hpp"
#include "service/select_request.hpp"

namespace labelloop::http {
namespace {

json items_json(const std::vector<domain::QueueItem>& items) {
    json out = json::array();
    for (const auto& q : items) {
        out.push_back(service::to_json(q));
    }
    return out;
}

json preview_item_json(const domain::QueueItem& q) {
    json j = service::to_json(q);
    j["id"] = nullptr;
    j["version"] = nullptr;
    return j;
}

} // namespace

void add_queue_routes(ApiRouter& router, service::Services& s) {
    auto& al = s.active_learning;
    const std::string base = "/api/v1/active-learning";

    router.add(
        {"get",
         base + "/queue",
         "List queue items (filters: status, assigned_to = user id | me | none, "
         "model_id, cycle_id; paging: limit, offset; sort: priority | created | updated)",
         Access::User,
         {"status", "assigned_to", "model_id", "cycle_id", "limit", "offset", "sort"}},
        [&al](const ApiRequest& r, httplib::Response& res) {
            domain::QueueFilter f;
            f.status = r.query("status");
            f.assigned_to = r.query("assigned_to");
            if (f.assigned_to && *f.assigned_to == "me") {
                f.assigned_to = r.caller.id;
            }
            f.model_id = r.query("model_id");
            f.cycle_id = r.query("cycle_id");
            f.limit = r.query_int("limit", 50);
            f.offset = r.query_int("offset", 0);
            f.sort = r.query("sort").value_or("priority");
            const auto page = al.list_queue(f);
            send_json(res, 200,
                      {{"items", items_json(page.items)},
                       {"total", page.total},
                       {"limit", f.limit},
                       {"offset", f.offset}});
        },
        s);

    router.add(
        {"get",
         base + "/queue/next",
         "The caller's next items: assigned to them first, then unassigned",
         Access::User,
         {"limit"}},
        [&al](const ApiRequest& r, httplib::Response& res) {
            const auto limit = r.query_int("limit", 20);
            if (limit < 1 || limit > 500) {
                service::fail(service::ErrorKind::InvalidValue, "limit must be between 1 and 500.",
                              {{"field", "limit"}});
            }
            send_json(res, 200, {{"items", items_json(al.get_pending_items(r.caller, limit))}});
        },
        s);

    router.add(
        {"post", base + "/queue/bulk-assign",
         "Assign several items to one user (admin; all or nothing)", Access::Admin},
        [&al](const ApiRequest& r, httplib::Response& res) {
            const json body = r.body();
            const auto ids = string_list(body, "item_ids");
            const auto items = al.bulk_assign(r.caller, ids, optional_string(body, "user_id"));
            send_json(res, 200,
                      {{"updated", static_cast<std::int64_t>(items.size())},
                       {"items", items_json(items)}});
        },
        s);

    router.add(
        {"post", base + "/queue/bulk-skip", "Skip several items (admin; all or nothing)",
         Access::Admin},
        [&al](const ApiRequest& r, httplib::Response& res) {
            const auto items = al.bulk_skip(r.caller, string_list(r.body(), "item_ids"));
            send_json(res, 200,
                      {{"updated", static_cast<std::int64_t>(items.size())},
                       {"items", items_json(items)}});
        },
        s);

    router.add(
        {"get", base + "/queue/{item_id}", "One queue item", Access::User},
        [&al](const ApiRequest& r, httplib::Response& res) {
            send_json(res, 200, service::to_json(al.get_item(r.params.at(0))));
        },
        s);

    router.add(
        {"post", base + "/queue/{item_id}/label",
         "Label an item: {label, source, confidence, notes?, version?}", Access::User},
        [&al](const ApiRequest& r, httplib::Response& res) {
            const json body = r.body();
            service::LabelInput input;
            input.label = require_number(body, "label");
            input.source = optional_string(body, "source").value_or("experimental");
            input.confidence = optional_string(body, "confidence").value_or("high");
            input.notes = optional_string(body, "notes");
            input.expected_version = optional_int(body, "version");
            send_json(res, 200, service::to_json(al.submit_label(r.caller, r.params.at(0), input)));
        },
        s);

    router.add(
        {"post", base + "/queue/{item_id}/skip", "Skip an item: {notes?}", Access::User},
        [&al](const ApiRequest& r, httplib::Response& res) {
            const json body = r.body();
            send_json(res, 200,
                      service::to_json(
                          al.skip(r.caller, r.params.at(0), optional_string(body, "notes"))));
        },
        s);

    router.add(
        {"post", base + "/queue/{item_id}/assign",
         "Assign an item: {user_id} (null unassigns; admin)", Access::Admin},
        [&al](const ApiRequest& r, httplib::Response& res) {
            const json body = r.body();
            if (!body.contains("user_id")) {
                service::fail(service::ErrorKind::BadRequest,
                              "The request needs 'user_id' (a user id, or null to "
                              "unassign).",
                              {{"field", "user_id"}});
            }
            send_json(res, 200,
                      service::to_json(
                          al.assign(r.caller, r.params.at(0), optional_string(body, "user_id"))));
        },
        s);

    router.add(
        {"post", base + "/select",
         "Select a batch for labeling with the active model (admin); preview scores only",
         Access::Admin},
        [&al](const ApiRequest& r, httplib::Response& res) {
            const auto req = service::parse_select_request(r.body());
            const auto result = al.select_samples(r.caller, req);
            json items = json::array();
            for (const auto& q : result.items) {
                items.push_back(req.preview ? preview_item_json(q) : service::to_json(q));
            }
            send_json(res, req.preview ? 200 : 201,
                      {{"cycle_id", result.cycle_id ? json(*result.cycle_id) : json(nullptr)},
                       {"selection_batch", result.selection_batch},
                       {"items", items},
                       {"added", result.added},
                       {"duplicates", result.duplicates},
                       {"preview", req.preview}});
        },
        s);

    router.add(
        {"get",
         base + "/cycles",
         "Cycles of a model lineage, newest first",
         Access::User,
         {"model_id"}},
        [&al](const ApiRequest& r, httplib::Response& res) {
            const auto model_id = r.query("model_id");
            if (!model_id) {
                service::fail(service::ErrorKind::BadRequest,
                              "Query parameter 'model_id' is required.", {{"field", "model_id"}});
            }
            json cycles = json::array();
            for (const auto& c : al.list_cycles(*model_id)) {
                cycles.push_back(service::to_json(c));
            }
            send_json(res, 200, {{"cycles", cycles}});
        },
        s);

    router.add(
        {"get", base + "/cycles/{cycle_id}", "One cycle", Access::User},
        [&al](const ApiRequest& r, httplib::Response& res) {
            send_json(res, 200, service::to_json(al.get_cycle(r.params.at(0))));
        },
        s);

    router.add(
        {"post",
         base + "/cycles/{cycle_id}/retrain",
         "Retrain on the cycle's new labels: {min_new_labels?} (default 10; admin) -> "
         "202 {job_id}",
         Access::Admin,
         {},
         "application/json",
         202},
        [&al](const ApiRequest& r, httplib::Response& res) {
            const json body = r.body();
            const auto min_new = optional_int(body, "min_new_labels").value_or(10);
            const std::string job = al.trigger_retrain(r.caller, r.params.at(0), min_new);
            send_json(res, 202, {{"job_id", job}});
        },
        s);

    router.add(
        {"get", base + "/stats/{model_id}",
         "Queue counts, versions with metrics, and cycles of a model lineage", Access::User},
        [&al](const ApiRequest& r, httplib::Response& res) {
            send_json(res, 200, al.get_cycle_stats(r.params.at(0)));
        },
        s);
}

} // namespace labelloop::http
