// Offline sync: op parsing, the merge rules and the browser's op log.
#include "labelloop/sync.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace labelloop::sync;
using nlohmann::json;

namespace {

Op label_op(const std::string& id_suffix, const std::string& item, const std::string& user,
            double value) {
    Op op;
    op.op_id = "00000000-0000-4000-8000-" + id_suffix;
    op.kind = OpKind::Label;
    op.item_id = item;
    op.base_version = 1;
    op.user_id = user;
    op.label = value;
    return op;
}

Op skip_op(const std::string& id_suffix, const std::string& item, const std::string& user) {
    Op op = label_op(id_suffix, item, user, 0.0);
    op.kind = OpKind::Skip;
    return op;
}

ItemView item(const std::string& status, std::optional<std::string> assigned = std::nullopt,
              std::optional<std::string> labeled_by = std::nullopt,
              std::optional<double> label = std::nullopt) {
    ItemView v;
    v.status = status;
    v.version = 3;
    v.assigned_to = std::move(assigned);
    v.labeled_by = std::move(labeled_by);
    v.label = label;
    return v;
}

} // namespace

TEST_CASE("ops round-trip through JSON and malformed ops name their field", "[sync]") {
    Op op = label_op("000000000001", "item-1", "alice", -2.5);
    op.source = "literature";
    op.confidence = "low";
    op.notes = "measured twice";
    op.created_at = "2026-11-24T10:00:00Z";
    const Op back = parse_op(to_json(op));
    CHECK(back.op_id == op.op_id);
    CHECK(back.kind == OpKind::Label);
    CHECK(back.item_id == "item-1");
    CHECK(back.base_version == 1);
    CHECK(back.user_id == "alice");
    CHECK(back.label == -2.5);
    CHECK(back.source == "literature");
    CHECK(back.confidence == "low");
    CHECK(back.notes == std::optional<std::string>("measured twice"));

    const Op skip = parse_op(to_json(skip_op("000000000002", "item-2", "bob")));
    CHECK(skip.kind == OpKind::Skip);

    json bad = to_json(op);
    bad.erase("item_id");
    CHECK_THROWS_WITH(parse_op(bad), "the op has no 'item_id' field");
    bad = to_json(op);
    bad["label"] = "3.1";
    CHECK_THROWS_WITH(parse_op(bad), "'label' must be a number");
    bad = to_json(op);
    bad["op_id"] = "not-a-uuid";
    CHECK_THROWS_WITH(parse_op(bad),
                      "'op_id' must be a UUID (client-generated, unique per change)");
    bad = to_json(op);
    bad["kind"] = "delete";
    CHECK_THROWS_WITH(parse_op(bad), "unknown op 'kind' 'delete': use label, skip or select");
    bad = to_json(op);
    bad["source"] = "guess";
    CHECK_THROWS_WITH(parse_op(bad),
                      "unknown 'source' 'guess': use experimental, literature or expert_estimate");
    bad = to_json(op);
    bad["base_version"] = 1.5;
    CHECK_THROWS_WITH(parse_op(bad), "'base_version' must be an integer");
    CHECK_THROWS_WITH(parse_op(json::array()), "an op must be a JSON object");
}

TEST_CASE("a NaN or infinite label never enters the log", "[sync]") {
    OpLog log;
    CHECK_THROWS_WITH(
        log.add(label_op("000000000001", "i", "alice", std::numeric_limits<double>::quiet_NaN())),
        "'label' must be a finite number");
    CHECK_THROWS_WITH(
        log.add(label_op("000000000001", "i", "alice", std::numeric_limits<double>::infinity())),
        "'label' must be a finite number");
    CHECK(log.empty());
}

TEST_CASE("merge rules for labels", "[sync]") {
    const Op op = label_op("000000000001", "i", "alice", 1.25);

    SECTION("open items take the label even when their version moved on") {
        CHECK(decide(item("pending"), op, false).outcome == Outcome::Applied);
        CHECK(decide(item("in_progress", "alice"), op, false).outcome == Outcome::Applied);
    }
    SECTION("a label reopens a skipped item") {
        CHECK(decide(item("skipped"), op, false).outcome == Outcome::Applied);
    }
    SECTION("someone else's label wins and ours becomes a conflict") {
        const auto d = decide(item("labeled", std::nullopt, "bob", 0.5), op, false);
        CHECK(d.outcome == Outcome::Conflict);
        CHECK(d.reason == "labeled_by_other");
    }
    SECTION("the same label from the same scientist is not a conflict") {
        const auto d = decide(item("labeled", std::nullopt, "alice", 1.25), op, false);
        CHECK(d.outcome == Outcome::Superseded);
        CHECK(d.reason == "already_labeled");
    }
    SECTION("our own different label elsewhere is a conflict too") {
        const auto d = decide(item("labeled", std::nullopt, "alice", 9.0), op, false);
        CHECK(d.outcome == Outcome::Conflict);
        CHECK(d.reason == "labeled_differently");
    }
    SECTION("an item archived by a retrain keeps the late label as a conflict") {
        const auto d = decide(item("archived", std::nullopt, "bob", 0.5), op, false);
        CHECK(d.outcome == Outcome::Conflict);
        CHECK(d.reason == "archived");
    }
    SECTION("an item given to another scientist keeps the label as a conflict; admins apply") {
        const auto d = decide(item("in_progress", "carol"), op, false);
        CHECK(d.outcome == Outcome::Conflict);
        CHECK(d.reason == "assigned_to_other");
        CHECK(decide(item("in_progress", "carol"), op, true).outcome == Outcome::Applied);
    }
    SECTION("an unknown state is rejected") {
        CHECK(decide(item("exploded"), op, false).outcome == Outcome::Rejected);
    }
}

TEST_CASE("merge rules for skips", "[sync]") {
    const Op op = skip_op("000000000002", "i", "alice");
    CHECK(decide(item("pending"), op, false).outcome == Outcome::Applied);
    CHECK(decide(item("in_progress", "alice"), op, false).outcome == Outcome::Applied);
    for (const char* status : {"labeled", "skipped", "archived"}) {
        const auto d = decide(item(status, std::nullopt, "bob", 1.0), op, false);
        CHECK(d.outcome == Outcome::Superseded);
        CHECK(d.reason == "not_open");
    }
    CHECK(decide(item("pending", "carol"), op, false).outcome == Outcome::Superseded);
}

TEST_CASE("the op log keeps one waiting op per item and drops only answered ops", "[sync]") {
    OpLog log;
    log.add(label_op("000000000001", "a", "alice", 1.0));
    log.add(skip_op("000000000002", "b", "alice"));
    log.add(label_op("000000000003", "c", "alice", 3.0));
    CHECK_THROWS_WITH(log.add(label_op("000000000004", "a", "alice", 2.0)),
                      "item a already has a change waiting to sync; sync before changing it "
                      "again");
    CHECK_THROWS_WITH(log.add(label_op("000000000001", "z", "alice", 2.0)),
                      "op 00000000-0000-4000-8000-000000000001 is already in the log");
    REQUIRE(log.size() == 3);
    REQUIRE(log.find_for_item("b") != nullptr);
    CHECK(log.find_for_item("b")->kind == OpKind::Skip);
    CHECK(log.find_for_item("zz") == nullptr);

    const auto first_two = log.batch(2);
    REQUIRE(first_two.size() == 2);
    CHECK(first_two[0].item_id == "a");
    CHECK(first_two[1].item_id == "b");

    // A sync cut off after the server answered for "a" only: "b" stays to be sent again.
    OpResult r;
    r.op_id = first_two[0].op_id;
    CHECK(log.acknowledge({r}) == 1);
    CHECK(log.size() == 2);
    CHECK(log.find_for_item("a") == nullptr);
    CHECK(log.acknowledge({r}) == 0);

    const OpLog back = OpLog::from_json(log.to_json());
    REQUIRE(back.size() == 2);
    CHECK(back.ops()[0].item_id == "b");
    CHECK(back.ops()[1].label == 3.0);
    CHECK_THROWS_WITH(OpLog::from_json(json{{"format", 2}, {"ops", json::array()}}),
                      "the stored op log is not in format 1");
}

TEST_CASE("op results round-trip", "[sync]") {
    OpResult r;
    r.op_id = "00000000-0000-4000-8000-000000000009";
    r.outcome = Outcome::Conflict;
    r.reason = "labeled_by_other";
    r.message = "kept";
    r.duplicate = true;
    r.conflict_id = "c-1";
    const OpResult back = parse_op_result(to_json(r));
    CHECK(back.op_id == r.op_id);
    CHECK(back.outcome == Outcome::Conflict);
    CHECK(back.reason == "labeled_by_other");
    CHECK(back.duplicate);
    CHECK(back.conflict_id == std::optional<std::string>("c-1"));
    CHECK_THROWS_WITH(parse_op_result(json{{"op_id", "x"}, {"outcome", "maybe"}}),
                      "unknown outcome 'maybe'");
}

TEST_CASE("local overlay shows the waiting change", "[sync]") {
    const ItemView open = item("pending");
    const ItemView labeled = apply_local(open, label_op("000000000001", "i", "alice", 4.5));
    CHECK(labeled.status == "labeled");
    CHECK(labeled.label == std::optional<double>(4.5));
    CHECK(labeled.labeled_by == std::optional<std::string>("alice"));
    CHECK(apply_local(open, skip_op("000000000002", "i", "alice")).status == "skipped");
    // A skip never hides a label someone else already made.
    CHECK(apply_local(item("labeled", std::nullopt, "bob", 1.0),
                      skip_op("000000000003", "i", "alice"))
              .status == "labeled");
}

TEST_CASE("proposed selections: admins only, validated, one op each", "[sync]") {
    Op op;
    op.op_id = "00000000-0000-4000-8000-00000000000a";
    op.kind = OpKind::Select;
    op.item_id = op.op_id;
    op.user_id = "root";
    op.selection = json{{"model_id", "m1"},
                        {"strategy", "uncertainty"},
                        {"batch_size", 2},
                        {"pool", {{"kind", "compounds"}, {"compound_ids", {"c1", "c2"}}}}};
    const Op back = parse_op(to_json(op));
    CHECK(back.kind == OpKind::Select);
    CHECK(back.selection == op.selection);
    CHECK(decide_select(op, true).outcome == Outcome::Applied);
    const auto refused = decide_select(op, false);
    CHECK(refused.outcome == Outcome::Rejected);
    CHECK(refused.reason == "admins_only");
    CHECK(decide(item("archived"), op, true).outcome == Outcome::Applied);
    CHECK(apply_local(item("pending"), op).status == "pending");

    json bad = to_json(op);
    bad["selection"].erase("pool");
    CHECK_THROWS_WITH(parse_op(bad), "'selection' must carry the chosen compounds in 'pool'");
    bad = to_json(op);
    bad["item_id"] = "x";
    CHECK_THROWS_WITH(parse_op(bad), "'item_id' of a select op must be its op_id");

    OpLog log;
    log.add(op);
    Op second = op;
    second.op_id = "00000000-0000-4000-8000-00000000000b";
    second.item_id = second.op_id;
    log.add(second); // two selections wait side by side
    CHECK(log.size() == 2);
}
