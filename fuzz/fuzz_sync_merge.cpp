// Fuzz target: the sync merge rules of the core (labelloop/sync.hpp), as both the server and
// the browser run them. Input: JSON {"items": [item views], "admin": bool, "ops": [ops]}.
// Every op either parses or is refused with SyncError; every parsed op gets a decision for
// every item without throwing; the op log round-trips through its stored form unchanged and
// forgets exactly the ops the server answered. Anything else aborts.
#include "labelloop/sync.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace labelloop::sync;
using nlohmann::json;

namespace {

[[noreturn]] void bug(const char* what) {
    std::fprintf(stderr, "sync merge invariant broken: %s\n", what);
    std::abort();
}

ItemView view_from(const json& j) {
    ItemView v;
    v.status = j.contains("status") && j.at("status").is_string()
                   ? j.at("status").get<std::string>()
                   : "pending";
    if (j.contains("version") && j.at("version").is_number_integer()) {
        v.version = j.at("version").get<std::int64_t>();
    }
    if (j.contains("assigned_to") && j.at("assigned_to").is_string()) {
        v.assigned_to = j.at("assigned_to").get<std::string>();
    }
    if (j.contains("labeled_by") && j.at("labeled_by").is_string()) {
        v.labeled_by = j.at("labeled_by").get<std::string>();
    }
    if (j.contains("label") && j.at("label").is_number()) {
        v.label = j.at("label").get<double>();
    }
    return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const json input = json::parse(data, data + size, nullptr, false);
    if (!input.is_object()) {
        return 0;
    }
    std::vector<ItemView> items;
    OpLog log;
    std::vector<OpResult> answered;
    try {
        if (input.contains("items") && input.at("items").is_array()) {
            for (const auto& j : input.at("items")) {
                if (j.is_object()) {
                    items.push_back(view_from(j));
                }
            }
        }
    } catch (const json::exception&) {
        return 0; // a mistyped item view is the harness's input problem, not the rules'
    }
    const bool admin =
        input.contains("admin") && input.at("admin").is_boolean() && input.at("admin").get<bool>();
    const json ops = input.contains("ops") ? input.at("ops") : json::array();
    if (!ops.is_array()) {
        return 0;
    }
    for (const auto& j : ops) {
        Op op;
        try {
            op = parse_op(j);
        } catch (const SyncError&) {
            continue;
        }
        if (parse_op(to_json(op)).op_id != op.op_id) {
            bug("an op does not round-trip");
        }
        for (const auto& item : items) {
            const Decision d = decide(item, op, admin);
            if (op.kind == OpKind::Label && d.outcome == Outcome::Applied &&
                item.status != "pending" && item.status != "in_progress" &&
                item.status != "skipped") {
                bug("a label was applied to an item that is not open");
            }
            if (op.kind == OpKind::Skip && d.outcome == Outcome::Conflict) {
                bug("a skip became a conflict (it carries no data to keep)");
            }
            (void)apply_local(item, op);
        }
        try {
            log.add(op);
        } catch (const SyncError&) {
            continue; // a second op for the same item, or the same op id
        }
        if (answered.size() % 2 == 0) {
            answered.push_back(OpResult{op.op_id, Outcome::Applied, "", "", false, std::nullopt});
        } else {
            answered.push_back(OpResult{});
        }
    }
    const OpLog back = OpLog::from_json(log.to_json());
    if (back.to_json() != log.to_json()) {
        bug("the op log does not round-trip through its stored form");
    }
    std::size_t expected = 0;
    for (const auto& r : answered) {
        expected += r.op_id.empty() ? 0 : 1;
    }
    const std::size_t before = log.size();
    if (log.acknowledge(answered) != expected || log.size() != before - expected) {
        bug("acknowledge removed the wrong ops");
    }
    return 0;
}
