// ActiveLearningService queue rules against a real SQLite file: who may label, skip and
// assign what, state conflicts, invalid values, audit entries, all-or-nothing bulk changes.
#include "test_support.hpp"

#include "service/errors.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <thread>

using namespace labelloop;
using labelloop::service::ErrorKind;
using labelloop::service::ServiceError;
using labelloop::testing::TempDir;

namespace {

ErrorKind kind_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ServiceError& e) {
        return e.kind();
    }
    FAIL("expected a ServiceError");
    return ErrorKind::BadRequest;
}

struct World {
    TempDir dir;
    service::Services s{dir.file("q.db")};
    testing::Team team = testing::seed_team(s);
    domain::Model model = testing::insert_model_row(s.store, "ESOL");
    std::vector<domain::QueueItem> items = testing::insert_queue(s, model, 5);
};

} // namespace

TEST_CASE("submitting a label records value, who, when, bumps the version and audits it",
          "[service][queue]") {
    World w;
    auto& al = w.s.active_learning;
    service::LabelInput in;
    in.label = -2.5;
    in.source = "literature";
    in.confidence = "medium";
    in.notes = "from a 1998 paper";
    const auto item = al.submit_label(w.team.alice.user, w.items[0].id, in);
    CHECK(item.status == "labeled");
    CHECK(item.label == -2.5);
    CHECK(item.label_source == "literature");
    CHECK(item.label_confidence == "medium");
    CHECK(item.labeled_by == w.team.alice.user.id);
    CHECK(item.labeled_by_name == "alice");
    CHECK(item.labeled_at.has_value());
    CHECK(item.notes == "from a 1998 paper");
    CHECK(item.version == w.items[0].version + 1);

    // Durable: a second connection (another thread) sees it at once.
    std::optional<domain::QueueItem> seen;
    std::thread([&] { seen = w.s.store.find_queue_item(item.id); }).join();
    REQUIRE(seen);
    CHECK(seen->status == "labeled");

    const auto audit = w.s.store.audit_for("queue_item", item.id);
    REQUIRE(audit.size() == 1);
    CHECK(audit[0].action == "label");
    CHECK(audit[0].user_id == w.team.alice.user.id);
    const auto old_value = nlohmann::json::parse(*audit[0].old_value_json);
    const auto new_value = nlohmann::json::parse(*audit[0].new_value_json);
    CHECK(old_value["status"] == "pending");
    CHECK(old_value["label"].is_null());
    CHECK(new_value["label"] == -2.5);

    // The cycle counts the label.
    CHECK(w.s.store.find_cycle(*item.cycle_id)->items_labeled == 1);
}

TEST_CASE("labeling an already labeled or archived item is a conflict and changes nothing",
          "[service][queue]") {
    World w;
    auto& al = w.s.active_learning;
    service::LabelInput in;
    in.label = 1.0;
    al.submit_label(w.team.alice.user, w.items[0].id, in);
    in.label = 2.0;
    CHECK(kind_of([&] { al.submit_label(w.team.admin.user, w.items[0].id, in); }) ==
          ErrorKind::Conflict);
    CHECK(w.s.store.find_queue_item(w.items[0].id)->label == 1.0);

    auto archived = *w.s.store.find_queue_item(w.items[1].id);
    archived.status = "archived";
    w.s.store.update_queue_item(archived);
    CHECK(kind_of([&] { al.submit_label(w.team.admin.user, archived.id, in); }) ==
          ErrorKind::Conflict);
    CHECK(kind_of([&] { al.skip(w.team.admin.user, archived.id, std::nullopt); }) ==
          ErrorKind::Conflict);
    CHECK(w.s.store.audit_for("queue_item", archived.id).empty());
}

TEST_CASE("invalid label values are refused before anything is written", "[service][queue]") {
    World w;
    auto& al = w.s.active_learning;
    service::LabelInput in;
    in.label = std::numeric_limits<double>::quiet_NaN();
    CHECK(kind_of([&] { al.submit_label(w.team.alice.user, w.items[0].id, in); }) ==
          ErrorKind::InvalidValue);
    in.label = std::numeric_limits<double>::infinity();
    CHECK(kind_of([&] { al.submit_label(w.team.alice.user, w.items[0].id, in); }) ==
          ErrorKind::InvalidValue);
    in.label = 1.0;
    in.source = "hearsay";
    CHECK(kind_of([&] { al.submit_label(w.team.alice.user, w.items[0].id, in); }) ==
          ErrorKind::InvalidValue);
    in.source = "experimental";
    in.confidence = "certain";
    CHECK(kind_of([&] { al.submit_label(w.team.alice.user, w.items[0].id, in); }) ==
          ErrorKind::InvalidValue);
    in.confidence = "low";
    CHECK(kind_of([&] { al.submit_label(w.team.alice.user, "no-such-item", in); }) ==
          ErrorKind::NotFound);
    const auto item = *w.s.store.find_queue_item(w.items[0].id);
    CHECK(item.status == "pending");
    CHECK(item.version == w.items[0].version);

    // A classifier takes 0 or 1 only.
    const auto clf = testing::insert_model_row(w.s.store, "BBBP", "classification");
    const auto clf_items = testing::insert_queue(w.s, clf, 1);
    in.label = 0.5;
    CHECK(kind_of([&] { al.submit_label(w.team.alice.user, clf_items[0].id, in); }) ==
          ErrorKind::InvalidValue);
    in.label = 1.0;
    CHECK(al.submit_label(w.team.alice.user, clf_items[0].id, in).label == 1.0);
}

TEST_CASE("scientists label only items assigned to them or unassigned", "[service][auth]") {
    World w;
    auto& al = w.s.active_learning;
    al.assign(w.team.admin.user, w.items[0].id, w.team.bob.user.id);
    service::LabelInput in;
    in.label = 0.1;
    CHECK(kind_of([&] { al.submit_label(w.team.alice.user, w.items[0].id, in); }) ==
          ErrorKind::Forbidden);
    CHECK(kind_of([&] { al.skip(w.team.alice.user, w.items[0].id, std::nullopt); }) ==
          ErrorKind::Forbidden);
    CHECK(al.submit_label(w.team.bob.user, w.items[0].id, in).status == "labeled");
    CHECK(al.submit_label(w.team.alice.user, w.items[1].id, in).status == "labeled");
    // Admins may label anything open.
    al.assign(w.team.admin.user, w.items[2].id, w.team.bob.user.id);
    CHECK(al.submit_label(w.team.admin.user, w.items[2].id, in).labeled_by == w.team.admin.user.id);
}

TEST_CASE("assigning is for admins, moves the item to in_progress and back", "[service][queue]") {
    World w;
    auto& al = w.s.active_learning;
    CHECK(kind_of([&] { al.assign(w.team.alice.user, w.items[0].id, w.team.alice.user.id); }) ==
          ErrorKind::Forbidden);
    const auto assigned = al.assign(w.team.admin.user, w.items[0].id, w.team.alice.user.id);
    CHECK(assigned.status == "in_progress");
    CHECK(assigned.assigned_to == w.team.alice.user.id);
    CHECK(assigned.assigned_to_name == "alice");
    CHECK(assigned.assigned_at.has_value());
    const auto back = al.assign(w.team.admin.user, w.items[0].id, std::nullopt);
    CHECK(back.status == "pending");
    CHECK_FALSE(back.assigned_to.has_value());
    CHECK(kind_of([&] { al.assign(w.team.admin.user, w.items[0].id, std::string("nobody")); }) ==
          ErrorKind::InvalidValue);
    const auto audit = w.s.store.audit_for("queue_item", w.items[0].id);
    REQUIRE(audit.size() == 2);
    CHECK(audit[0].action == "assign");
    CHECK(audit[1].action == "unassign");
}

TEST_CASE("bulk assign and bulk skip are all or nothing", "[service][queue]") {
    World w;
    auto& al = w.s.active_learning;
    service::LabelInput in;
    in.label = 3.0;
    al.submit_label(w.team.alice.user, w.items[4].id, in);
    // items[4] is labeled: assigning it fails, and so nothing of the batch is assigned.
    CHECK(kind_of([&] {
              al.bulk_assign(w.team.admin.user, {w.items[0].id, w.items[1].id, w.items[4].id},
                             w.team.bob.user.id);
          }) == ErrorKind::Conflict);
    CHECK_FALSE(w.s.store.find_queue_item(w.items[0].id)->assigned_to.has_value());
    CHECK_FALSE(w.s.store.find_queue_item(w.items[1].id)->assigned_to.has_value());
    CHECK(w.s.store.audit_for("queue_item", w.items[0].id).empty());

    const auto done =
        al.bulk_assign(w.team.admin.user, {w.items[0].id, w.items[1].id}, w.team.bob.user.id);
    CHECK(done.size() == 2);
    CHECK(kind_of([&] { al.bulk_skip(w.team.alice.user, {w.items[2].id}); }) ==
          ErrorKind::Forbidden);
    CHECK(kind_of([&] {
              al.bulk_skip(w.team.admin.user, {w.items[2].id, "missing"});
          }) == ErrorKind::NotFound);
    CHECK(w.s.store.find_queue_item(w.items[2].id)->status == "pending");
    const auto skipped = al.bulk_skip(w.team.admin.user, {w.items[2].id, w.items[3].id});
    CHECK(skipped.size() == 2);
    CHECK(w.s.store.find_cycle(*w.items[0].cycle_id)->items_skipped == 2);
}

TEST_CASE("skipping keeps notes, and a skipped item can be reassigned", "[service][queue]") {
    World w;
    auto& al = w.s.active_learning;
    const auto skipped = al.skip(w.team.alice.user, w.items[0].id, std::string("no sample left"));
    CHECK(skipped.status == "skipped");
    CHECK(skipped.notes == "no sample left");
    CHECK(kind_of([&] { al.skip(w.team.alice.user, w.items[0].id, std::nullopt); }) ==
          ErrorKind::Conflict);
    const auto reopened = al.assign(w.team.admin.user, w.items[0].id, w.team.bob.user.id);
    CHECK(reopened.status == "in_progress");
}

TEST_CASE("a stale version is a conflict (optimistic concurrency)", "[service][queue]") {
    World w;
    auto& al = w.s.active_learning;
    al.assign(w.team.admin.user, w.items[0].id, w.team.alice.user.id); // version 2
    service::LabelInput in;
    in.label = 1.5;
    in.expected_version = 1;
    CHECK(kind_of([&] { al.submit_label(w.team.alice.user, w.items[0].id, in); }) ==
          ErrorKind::Conflict);
    in.expected_version = 2;
    CHECK(al.submit_label(w.team.alice.user, w.items[0].id, in).version == 3);
}

TEST_CASE("two people labeling the same item at once: exactly one wins", "[service][queue]") {
    World w;
    auto& al = w.s.active_learning;
    for (int round = 0; round < 5; ++round) {
        const auto item = testing::insert_queue(w.s, w.model, 1)[0];
        std::atomic<int> ok{0};
        std::atomic<int> conflicts{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                service::LabelInput in;
                in.label = t;
                try {
                    al.submit_label(t % 2 ? w.team.alice.user : w.team.bob.user, item.id, in);
                    ++ok;
                } catch (const ServiceError& e) {
                    if (e.kind() == ErrorKind::Conflict) {
                        ++conflicts;
                    }
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        CHECK(ok == 1);
        CHECK(conflicts == 3);
        CHECK(w.s.store.audit_for("queue_item", item.id).size() == 1);
    }
}

TEST_CASE("pending items for a user: theirs first, then unassigned, never someone else's",
          "[service][queue]") {
    World w;
    auto& al = w.s.active_learning;
    al.assign(w.team.admin.user, w.items[3].id, w.team.alice.user.id);
    al.assign(w.team.admin.user, w.items[0].id, w.team.bob.user.id);
    const auto mine = al.get_pending_items(w.team.alice.user, 10);
    REQUIRE(mine.size() == 4);
    CHECK(mine[0].id == w.items[3].id);
    for (const auto& q : mine) {
        CHECK(q.id != w.items[0].id);
    }
    CHECK(al.get_pending_items(w.team.alice.user, 2).size() == 2);
}

TEST_CASE("queue listing filters, pages and validates its parameters", "[service][queue]") {
    World w;
    auto& al = w.s.active_learning;
    service::LabelInput in;
    in.label = 1.0;
    al.submit_label(w.team.alice.user, w.items[0].id, in);
    domain::QueueFilter f;
    f.model_id = w.model.id;
    f.limit = 2;
    auto page = al.list_queue(f);
    CHECK(page.total == 5);
    REQUIRE(page.items.size() == 2);
    CHECK(*page.items[0].priority_score >= *page.items[1].priority_score);
    f.offset = 4;
    CHECK(al.list_queue(f).items.size() == 1);
    f.offset = 0;
    f.status = "labeled";
    CHECK(al.list_queue(f).total == 1);
    f.status = "nonsense";
    CHECK(kind_of([&] { al.list_queue(f); }) == ErrorKind::InvalidValue);
    f.status.reset();
    f.limit = 0;
    CHECK(kind_of([&] { al.list_queue(f); }) == ErrorKind::InvalidValue);
    f.limit = 10;
    f.sort = "name; DROP TABLE label_queue";
    CHECK(kind_of([&] { al.list_queue(f); }) == ErrorKind::InvalidValue);
}

TEST_CASE("users and tokens: admins manage them, tokens are stored only as hashes",
          "[service][auth]") {
    TempDir dir;
    service::Services s(dir.file("auth.db"));
    const auto team = testing::seed_team(s);
    CHECK(s.auth.authenticate(team.alice.token)->name == "alice");
    CHECK_FALSE(s.auth.authenticate("ll_not-a-token").has_value());
    CHECK_FALSE(s.auth.authenticate("").has_value());
    CHECK(kind_of([&] { s.auth.create_user(&team.alice.user, "carol", "scientist"); }) ==
          ErrorKind::Forbidden);
    CHECK(kind_of([&] { s.auth.create_user(&team.admin.user, "alice", "scientist"); }) ==
          ErrorKind::Conflict);
    CHECK(kind_of([&] { s.auth.create_user(&team.admin.user, "carol", "boss"); }) ==
          ErrorKind::InvalidValue);

    {
        // No token is stored in clear. (Scoped: a statement left stepping keeps its read
        // snapshot, and this thread's reads would not see the revocation below.)
        auto stmt = s.store.connection().prepare("SELECT COUNT(*) FROM api_tokens WHERE "
                                                 "token_hash = ?");
        stmt.bind(1, team.alice.token);
        REQUIRE(stmt.step());
        CHECK(stmt.column_int(0) == 0);
    }

    const auto tokens = s.auth.list_tokens(team.admin.user, team.alice.user.id);
    REQUIRE(tokens.size() == 1);
    s.auth.revoke_token(team.admin.user, tokens[0].id);
    CHECK_FALSE(s.auth.authenticate(team.alice.token).has_value());
    CHECK(kind_of([&] { s.auth.revoke_token(team.alice.user, tokens[0].id); }) ==
          ErrorKind::Forbidden);
    CHECK(util::sha256_hex("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
