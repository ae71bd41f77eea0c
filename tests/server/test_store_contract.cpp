// The store contract: what every Store backend guarantees, written against the Store
// interface only and run on each backend of store_backends() (SQLite on a real file, and
// PostgreSQL on a throwaway server when built with libpq). One test case per aggregate, plus the
// transaction guarantees: committed writes are visible and survive a reopen, a failing unit
// leaves nothing behind, a nested transaction joins the enclosing one.
#include "store_backends.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace labelloop::domain;
using labelloop::ObjectiveKind;
using labelloop::store::Store;
using labelloop::testing::make_store;
using labelloop::testing::store_backends;

namespace {

const std::string kT0 = "2026-01-01T00:00:00Z";

User user(const std::string& name, const std::string& role = "scientist") {
    return User{"u-" + name, name, role, kT0};
}

/// Ids run backwards (c-9, c-8, ...) while created_at is the same for all: listing in
/// insertion order must not fall back to sorting by id.
Compound compound(int i) {
    Compound c;
    c.id = "c-" + std::to_string(9 - i);
    c.smiles = "C" + std::string(static_cast<std::size_t>(i), 'C') + "O";
    c.inchikey = "KEY-" + std::to_string(i);
    c.name = "compound " + std::to_string(i);
    c.scaffold = i % 2 == 0 ? "c1ccccc1" : "";
    c.features = {static_cast<std::uint8_t>(i), 0, 255, 7};
    c.properties_json = R"({"mw":)" + std::to_string(100 + i) + "}";
    c.created_at = kT0;
    return c;
}

Model model(const std::string& id, const std::string& lineage, std::int64_t version,
            const std::string& status) {
    Model m;
    m.id = id;
    m.lineage_id = lineage;
    m.name = "ESOL";
    m.property = "logS";
    m.task = "regression";
    m.version = version;
    m.status = status;
    m.created_at = "2026-01-0" + std::to_string(version) + "T00:00:00Z";
    return m;
}

QueueItem queue_item(const std::string& id, const Compound& c, const std::string& model_id,
                     const std::string& cycle_id, double priority) {
    QueueItem q;
    q.id = id;
    q.compound_id = c.id;
    q.model_id = model_id;
    q.cycle_id = cycle_id;
    q.prediction = -2.5;
    q.uncertainty = 0.25;
    q.applicability_distance = 0.5;
    q.in_domain = true;
    q.selection_strategy = "uncertainty";
    q.selection_batch = 1;
    q.priority_score = priority;
    q.created_at = kT0;
    q.updated_at = kT0;
    return q;
}

Cycle cycle(const std::string& id, const std::string& model_id, std::int64_t number) {
    Cycle c;
    c.id = id;
    c.model_id = model_id;
    c.cycle_number = number;
    c.selection_strategy = "uncertainty";
    c.batch_size = 3;
    c.status = "labeling";
    c.items_selected = 3;
    c.started_at = kT0;
    return c;
}

std::vector<std::string> ids_of(const std::vector<Compound>& v) {
    std::vector<std::string> out;
    for (const auto& c : v) {
        out.push_back(c.id);
    }
    return out;
}

std::vector<std::string> ids_of(const std::vector<QueueItem>& v) {
    std::vector<std::string> out;
    for (const auto& q : v) {
        out.push_back(q.id);
    }
    return out;
}

std::vector<std::string> ids_of(const std::vector<LabeledCompound>& v) {
    std::vector<std::string> out;
    for (const auto& l : v) {
        out.push_back(l.compound_id);
    }
    return out;
}

using Ids = std::vector<std::string>;

} // namespace

TEST_CASE("store contract: users and tokens", "[store][contract]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    Store& st = under->store();

    st.insert_user(user("bob", "admin"));
    st.insert_user(user("alice"));
    REQUIRE(st.find_user("u-alice"));
    CHECK(st.find_user("u-alice")->name == "alice");
    CHECK(st.find_user("u-alice")->role == "scientist");
    CHECK(st.find_user_by_name("bob")->role == "admin");
    CHECK_FALSE(st.find_user("u-nobody"));
    CHECK_FALSE(st.find_user_by_name("nobody"));
    const auto users = st.list_users(); // by name
    REQUIRE(users.size() == 2);
    CHECK(users[0].name == "alice");
    CHECK(users[1].name == "bob");
    CHECK_THROWS(st.insert_user(User{"u-other", "alice", "scientist", kT0})); // names are unique

    st.insert_token(ApiToken{"t-1", "u-alice", "laptop", kT0, std::nullopt}, "hash-1");
    st.insert_token(ApiToken{"t-2", "u-alice", "script", "2026-01-02T00:00:00Z", std::nullopt},
                    "hash-2");
    CHECK_THROWS(st.insert_token(ApiToken{"t-3", "u-bob", "", kT0, std::nullopt}, "hash-1"));
    CHECK(st.find_user_by_token_hash("hash-1")->id == "u-alice");
    CHECK_FALSE(st.find_user_by_token_hash("hash-unknown"));

    st.revoke_token("t-1", "2026-01-03T00:00:00Z");
    st.revoke_token("t-1", "2026-01-04T00:00:00Z"); // the first revocation stands
    CHECK_FALSE(st.find_user_by_token_hash("hash-1"));
    CHECK(st.find_user_by_token_hash("hash-2")->id == "u-alice");
    const auto revoked = st.find_token("t-1");
    REQUIRE(revoked);
    CHECK(revoked->revoked_at == std::optional<std::string>("2026-01-03T00:00:00Z"));
    CHECK_FALSE(st.find_token("t-unknown"));
    const auto tokens = st.list_tokens("u-alice"); // by creation time
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[0].label == "laptop");
    CHECK(tokens[1].label == "script");
    CHECK_FALSE(tokens[1].revoked_at);
    CHECK(st.list_tokens("u-bob").empty());
}

TEST_CASE("store contract: compounds, data sets and imported labels", "[store][contract]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    Store& st = under->store();

    const Compound a = compound(1), b = compound(2), c = compound(3);
    for (const auto& x : {a, b, c}) {
        st.insert_compound(x);
    }
    const auto found = st.find_compound(b.id);
    REQUIRE(found);
    CHECK(found->smiles == b.smiles);
    CHECK(found->inchikey == b.inchikey);
    CHECK(found->name == b.name);
    CHECK_FALSE(found->external_id);
    CHECK(found->scaffold == b.scaffold);
    CHECK(found->features == b.features);
    CHECK(found->properties_json == b.properties_json);
    CHECK(found->created_at == kT0);
    CHECK(st.find_compound_by_inchikey(c.inchikey)->id == c.id);
    CHECK_FALSE(st.find_compound("c-unknown"));
    CHECK_FALSE(st.find_compound_by_inchikey("KEY-unknown"));
    Compound same_key = compound(4);
    same_key.inchikey = a.inchikey;
    CHECK_THROWS(st.insert_compound(same_key)); // one row per InChIKey
    CHECK(st.count_compounds() == 3);
    CHECK(ids_of(st.list_compounds(2, 0)) == Ids{a.id, b.id}); // insertion order
    CHECK(ids_of(st.list_compounds(2, 2)) == Ids{c.id});

    const std::string ds = st.ensure_dataset("esol", "d-1", kT0);
    CHECK(ds == "d-1");
    CHECK(st.ensure_dataset("esol", "d-2", kT0) == "d-1"); // existing name: existing id
    CHECK(st.find_dataset("esol") == std::optional<std::string>("d-1"));
    CHECK_FALSE(st.find_dataset("unknown"));
    st.add_to_dataset(ds, b.id);
    st.add_to_dataset(ds, a.id);
    st.add_to_dataset(ds, a.id); // already in: ignored
    CHECK(ids_of(st.dataset_compounds(ds)) == Ids{a.id, b.id});

    st.upsert_compound_label(a.id, "logS", -1.5, "experimental", "high", kT0);
    st.upsert_compound_label(a.id, "logS", -2.0, "literature", "medium", kT0); // replaces
    st.upsert_compound_label(b.id, "logS", 0.5, "experimental", "high", kT0);
    st.upsert_compound_label(c.id, "logS", 1.0, "experimental", "low", kT0);
    st.upsert_compound_label(c.id, "pIC50", 6.0, "experimental", "high", kT0);
    const auto labeled = st.labeled_compounds("logS", std::nullopt);
    CHECK(ids_of(labeled) == Ids{a.id, b.id, c.id});
    REQUIRE(labeled.size() == 3);
    CHECK(labeled[0].label == -2.0);
    CHECK(labeled[0].source == "literature");
    CHECK(labeled[0].confidence == "medium");
    CHECK(labeled[0].smiles == a.smiles);
    CHECK(labeled[0].features == a.features);
    CHECK(ids_of(st.labeled_compounds("logS", std::string("d-1"))) == Ids{a.id, b.id});
    CHECK(ids_of(st.labeled_compounds("pIC50", std::nullopt)) == Ids{c.id});
    CHECK(st.labeled_compounds("unknown", std::nullopt).empty());
}

TEST_CASE("store contract: models, versions and training members", "[store][contract]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    Store& st = under->store();
    const Compound a = compound(1), b = compound(2), c = compound(3);
    for (const auto& x : {a, b, c}) {
        st.insert_compound(x);
    }

    Model v1 = model("m-1", "m-1", 1, "active");
    v1.objective.kind = ObjectiveKind::Window;
    v1.objective.lo = -3.0;
    v1.objective.hi = -1.0;
    v1.params_json = R"({"n_members":8})";
    v1.n_train = 2;
    const std::vector<std::uint8_t> artifact = {1, 2, 3, 0, 255};
    st.insert_model(v1, artifact);
    Model v2 = model("m-2", "m-1", 2, "training");
    v2.parent_id = "m-1";
    v2.objective.kind = ObjectiveKind::Maximize;
    v2.objective.hit_threshold = 0.5;
    st.insert_model(v2, {});
    CHECK_THROWS(st.insert_model(model("m-3", "m-1", 2, "training"), {})); // version taken

    const auto found = st.find_model("m-1");
    REQUIRE(found);
    CHECK(found->name == "ESOL");
    CHECK(found->params_json == v1.params_json);
    CHECK(found->n_train == 2);
    CHECK_FALSE(found->parent_id);
    CHECK(found->objective == v1.objective);
    CHECK(st.find_model("m-2")->objective == v2.objective);
    CHECK(st.find_model("m-2")->parent_id == std::optional<std::string>("m-1"));
    CHECK_FALSE(st.find_model("m-unknown"));
    CHECK(st.model_artifact("m-1") == artifact);
    CHECK(st.model_artifact("m-2").empty());
    CHECK(st.model_artifact("m-unknown").empty());
    CHECK(st.list_models().size() == 2);
    const auto versions = st.list_versions("m-1");
    REQUIRE(versions.size() == 2);
    CHECK(versions[0].id == "m-1");
    CHECK(versions[1].id == "m-2");
    CHECK(st.active_model("m-1")->id == "m-1");
    st.set_model_status("m-1", "superseded");
    CHECK_FALSE(st.active_model("m-1"));
    st.set_model_status("m-2", "active");
    CHECK(st.active_model("m-1")->id == "m-2");

    const auto member = [](const Compound& x, const std::string& role, double label) {
        LabeledCompound l;
        l.compound_id = x.id;
        l.label = label;
        l.role = role;
        return l;
    };
    st.add_member("m-1", member(a, "train", 1.0), 1);
    st.add_member("m-1", member(b, "validation", 2.0), 1);
    st.add_member("m-1", member(a, "train", 1.5), 2);      // a training member takes the newest
    st.add_member("m-1", member(b, "validation", 9.0), 2); // a validation member never changes
    st.add_member("m-1", member(b, "train", 9.0), 2);      // nor turns into a training one
    const auto train = st.members("m-1", "train");
    REQUIRE(train.size() == 1);
    CHECK(train[0].compound_id == a.id);
    CHECK(train[0].label == 1.5);
    CHECK(train[0].added_version == 1);
    CHECK(train[0].smiles == a.smiles);
    const auto validation = st.members("m-1", "validation");
    REQUIRE(validation.size() == 1);
    CHECK(validation[0].label == 2.0);
    CHECK(ids_of(st.members("m-1", "")) == Ids{a.id, b.id});
    st.update_member_label("m-1", a.id, 1.75);
    CHECK(st.members("m-1", "train")[0].label == 1.75);

    // Members are not in the lineage's pool of unlabeled compounds.
    CHECK(ids_of(st.list_unlabeled_compounds("m-1", 10, 0)) == Ids{c.id});
    CHECK(st.count_unlabeled_compounds("m-1") == 1);
    CHECK(st.count_unlabeled_compounds("other-lineage") == 3);
    CHECK(ids_of(st.list_unlabeled_compounds("other-lineage", 2, 1)) == Ids{b.id, c.id});
}

TEST_CASE("store contract: the label queue and its change feed", "[store][contract]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    Store& st = under->store();
    st.insert_user(user("alice"));
    const Compound a = compound(1), b = compound(2), c = compound(3);
    for (const auto& x : {a, b, c}) {
        st.insert_compound(x);
    }
    st.insert_model(model("m-1", "m-1", 1, "active"), {});
    st.insert_model(model("m-2", "m-1", 2, "active"), {});
    st.insert_cycle(cycle("cy-1", "m-1", 1));

    CHECK(st.insert_queue_item(queue_item("q-a", a, "m-1", "cy-1", 1.0)));
    CHECK(st.insert_queue_item(queue_item("q-b", b, "m-1", "cy-1", 3.0)));
    CHECK(st.insert_queue_item(queue_item("q-c", c, "m-1", "cy-1", 2.0)));
    // The same (compound, model, batch) again: refused, nothing written.
    CHECK_FALSE(st.insert_queue_item(queue_item("q-again", a, "m-1", "cy-1", 9.0)));
    CHECK_FALSE(st.find_queue_item("q-again"));

    const auto qa = st.find_queue_item("q-a");
    REQUIRE(qa);
    CHECK(qa->smiles == a.smiles);
    CHECK(qa->compound_name == a.name);
    CHECK(qa->status == "pending");
    CHECK(qa->version == 1);
    CHECK(qa->in_domain == std::optional<bool>(true));
    CHECK(qa->prediction == std::optional<double>(-2.5));
    CHECK(qa->cycle_id == std::optional<std::string>("cy-1"));
    CHECK_FALSE(qa->label);
    CHECK_FALSE(qa->assigned_to);

    QueueFilter all;
    CHECK(ids_of(st.list_queue(all)) == Ids{"q-b", "q-c", "q-a"}); // by priority
    CHECK(st.count_queue(all) == 3);
    QueueFilter by_created;
    by_created.sort = "created";
    CHECK(ids_of(st.list_queue(by_created)) == Ids{"q-a", "q-b", "q-c"}); // insertion order
    QueueFilter page = all;
    page.limit = 1;
    page.offset = 1;
    CHECK(ids_of(st.list_queue(page)) == Ids{"q-c"});
    CHECK(st.compound_in_open_queue("m-1", a.id));
    CHECK_FALSE(st.compound_in_open_queue("other-lineage", a.id));

    const std::int64_t before = st.max_change_seq();
    QueueItem labeled = *st.find_queue_item("q-b");
    labeled.status = "labeled";
    labeled.label = 0.75;
    labeled.label_source = "experimental";
    labeled.label_confidence = "high";
    labeled.labeled_by = "u-alice";
    labeled.labeled_at = "2026-01-02T00:00:00Z";
    labeled.assigned_to = "u-alice";
    labeled.assigned_at = kT0;
    labeled.notes = "measured twice";
    labeled.updated_at = "2026-01-02T00:00:00Z";
    labeled.version = 2;
    st.update_queue_item(labeled);
    const auto qb = st.find_queue_item("q-b");
    REQUIRE(qb);
    CHECK(qb->label == std::optional<double>(0.75));
    CHECK(qb->labeled_by_name == std::optional<std::string>("alice"));
    CHECK(qb->assigned_to_name == std::optional<std::string>("alice"));
    CHECK(qb->notes == labeled.notes);
    CHECK(qb->version == 2);
    CHECK(qb->change_seq > before);
    CHECK(st.max_change_seq() == qb->change_seq);
    CHECK(ids_of(st.queue_changes_since(before, 10)) == Ids{"q-b"});
    CHECK(st.queue_changes_since(st.max_change_seq(), 10).empty());
    CHECK(ids_of(st.queue_changes_since(0, 2)).size() == 2);

    QueueFilter f;
    f.status = "labeled";
    CHECK(ids_of(st.list_queue(f)) == Ids{"q-b"});
    f = QueueFilter{};
    f.assigned_to = "none";
    CHECK(st.count_queue(f) == 2);
    f.assigned_to = "u-alice";
    CHECK(st.count_queue(f) == 1);
    f = QueueFilter{};
    f.cycle_id = "cy-other";
    CHECK(st.count_queue(f) == 0);
    // A labeled compound leaves the lineage's unlabeled pool, a skipped one stays in it.
    CHECK(ids_of(st.list_unlabeled_compounds("m-1", 10, 0)) == Ids{a.id, c.id});
    QueueItem skipped = *st.find_queue_item("q-c");
    skipped.status = "skipped";
    skipped.version = 2;
    st.update_queue_item(skipped);
    CHECK_FALSE(st.compound_in_open_queue("m-1", c.id));
    CHECK(st.compound_in_open_queue("m-1", b.id));

    // A pending item moves to the lineage's new version.
    QueueItem moved = *st.find_queue_item("q-a");
    moved.model_id = "m-2";
    moved.version = 2;
    st.update_queue_item(moved);
    CHECK(st.find_queue_item("q-a")->model_id == "m-2");
    f = QueueFilter{};
    f.model_id = "m-2";
    CHECK(ids_of(st.list_queue(f)) == Ids{"q-a"});
}

TEST_CASE("store contract: active-learning cycles", "[store][contract]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    Store& st = under->store();
    const Compound a = compound(1), b = compound(2);
    st.insert_compound(a);
    st.insert_compound(b);
    st.insert_model(model("m-1", "m-1", 1, "superseded"), {});
    st.insert_model(model("m-2", "m-1", 2, "active"), {});
    CHECK(st.max_cycle_number("m-1") == 0);
    st.insert_cycle(cycle("cy-1", "m-1", 1));
    st.insert_cycle(cycle("cy-2", "m-2", 2));
    CHECK(st.max_cycle_number("m-1") == 2);
    CHECK(st.max_cycle_number("other-lineage") == 0);
    CHECK_FALSE(st.find_cycle("cy-unknown"));

    Cycle done = *st.find_cycle("cy-1");
    CHECK(done.status == "labeling");
    CHECK_FALSE(done.completed_at);
    done.status = "complete";
    done.metrics_before_json = R"({"rmse":1.2})";
    done.metrics_after_json = R"({"rmse":1.0})";
    done.items_labeled = 2;
    done.items_skipped = 1;
    done.new_model_id = "m-2";
    done.completed_at = "2026-01-02T00:00:00Z";
    done.expected_hits_remaining = 4.5;
    st.update_cycle(done);
    const auto found = st.find_cycle("cy-1");
    REQUIRE(found);
    CHECK(found->status == "complete");
    CHECK(found->metrics_after_json == done.metrics_after_json);
    CHECK(found->items_labeled == 2);
    CHECK(found->items_skipped == 1);
    CHECK(found->new_model_id == std::optional<std::string>("m-2"));
    CHECK(found->completed_at == done.completed_at);
    CHECK(found->expected_hits_remaining == std::optional<double>(4.5));

    const auto cycles = st.list_cycles("m-1"); // every version's cycles, newest first
    REQUIRE(cycles.size() == 2);
    CHECK(cycles[0].id == "cy-2");
    CHECK(cycles[1].id == "cy-1");

    // cycle_labels: the labels of labeled (or archived) items, by cycle number.
    st.insert_queue_item(queue_item("q-a", a, "m-1", "cy-1", 1.0));
    st.insert_queue_item(queue_item("q-b", b, "m-2", "cy-2", 1.0));
    CHECK(st.cycle_labels("m-1").empty());
    QueueItem qb = *st.find_queue_item("q-b");
    qb.status = "labeled";
    qb.label = -3.0;
    st.update_queue_item(qb);
    QueueItem qa = *st.find_queue_item("q-a");
    qa.status = "archived";
    qa.label = -1.0;
    st.update_queue_item(qa);
    const auto labels = st.cycle_labels("m-1");
    REQUIRE(labels.size() == 2);
    CHECK(labels[0].cycle_id == "cy-1");
    CHECK(labels[0].cycle_number == 1);
    CHECK(labels[0].label == -1.0);
    CHECK(labels[1].cycle_number == 2);
    CHECK(labels[1].label == -3.0);
}

TEST_CASE("store contract: sync ops, conflicts and replicates", "[store][contract]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    Store& st = under->store();
    st.insert_user(user("alice"));
    st.insert_user(user("bob"));
    st.insert_user(user("carol"));
    const Compound a = compound(1);
    st.insert_compound(a);
    st.insert_model(model("m-1", "m-1", 1, "active"), {});
    QueueItem item = queue_item("q-a", a, "m-1", "", 1.0);
    item.cycle_id = std::nullopt;
    st.insert_queue_item(item);
    QueueItem qa = *st.find_queue_item("q-a");
    CHECK_FALSE(qa.cycle_id);
    qa.status = "labeled";
    qa.label = 1.0;
    qa.labeled_by = "u-bob";
    st.update_queue_item(qa);

    const SyncOpRecord op{"op-1", "u-alice", "q-a", "label", "conflict", R"({"status":"conflict"})",
                          kT0};
    st.insert_sync_op(op);
    const auto found = st.find_sync_op("op-1");
    REQUIRE(found);
    CHECK(found->outcome == "conflict");
    CHECK(found->result_json == op.result_json);
    CHECK_FALSE(st.find_sync_op("op-unknown"));
    CHECK_THROWS(st.insert_sync_op(op)); // an op id is stored once

    LabelConflict k;
    k.id = "k-1";
    k.item_id = "q-a";
    k.op_id = "op-1";
    k.user_id = "u-alice";
    k.label = 2.0;
    k.notes = "second measurement";
    k.reason = "labeled_by_other";
    k.created_at = kT0;
    st.insert_conflict(k);
    const auto open = st.find_conflict("k-1");
    REQUIRE(open);
    CHECK(open->user_name == std::optional<std::string>("alice"));
    CHECK(open->status == "open");
    CHECK(open->notes == k.notes);
    CHECK_FALSE(open->resolution);
    CHECK(st.list_conflicts("open", "").size() == 1);
    CHECK(st.list_conflicts("open", "u-alice").size() == 1); // raised it
    CHECK(st.list_conflicts("open", "u-bob").size() == 1);   // labeled the item
    CHECK(st.list_conflicts("open", "u-carol").empty());
    CHECK(st.list_conflicts("resolved", "").empty());

    LabelConflict resolved = *open;
    resolved.status = "resolved";
    resolved.resolution = "keep_both";
    resolved.resolved_by = "u-carol";
    resolved.resolved_at = "2026-01-02T00:00:00Z";
    st.update_conflict(resolved);
    CHECK(st.list_conflicts("open", "").empty());
    const auto listed = st.list_conflicts("resolved", "");
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].resolution == std::optional<std::string>("keep_both"));
    CHECK(listed[0].resolved_by == std::optional<std::string>("u-carol"));
    CHECK(st.list_conflicts("", "").size() == 1);

    CHECK(st.replicate_labels("q-a").empty());
    st.insert_replicate("q-a", "k-1", 2.0, "u-alice", kT0);
    st.insert_replicate("q-a", "k-1", 1.5, "u-carol", kT0);
    CHECK(st.replicate_labels("q-a") == std::vector<double>{2.0, 1.5}); // in insertion order
}

TEST_CASE("store contract: jobs", "[store][contract]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    Store& st = under->store();
    st.insert_user(user("alice"));
    Job j;
    j.id = "j-1";
    j.kind = "retrain";
    j.message = "queued";
    j.created_by = "u-alice";
    j.created_at = kT0;
    st.insert_job(j);
    Job later = j;
    later.id = "j-2";
    later.created_at = "2026-01-02T00:00:00Z";
    later.created_by = std::nullopt;
    st.insert_job(later);
    CHECK_FALSE(st.find_job("j-unknown"));
    CHECK(st.find_job("j-1")->created_by == std::optional<std::string>("u-alice"));
    CHECK_FALSE(st.find_job("j-2")->created_by);
    const auto unfinished = st.unfinished_jobs(); // oldest first
    REQUIRE(unfinished.size() == 2);
    CHECK(unfinished[0].id == "j-1");

    Job running = *st.find_job("j-1");
    running.status = "running";
    running.progress = 0.5;
    running.message = "training";
    running.started_at = kT0;
    st.update_job(running);
    CHECK(st.find_job("j-1")->progress == 0.5);
    CHECK(st.unfinished_jobs().size() == 2);
    running.status = "succeeded";
    running.progress = 1.0;
    running.result_json = R"({"model_id":"m-2"})";
    running.finished_at = "2026-01-03T00:00:00Z";
    st.update_job(running);
    const auto done = st.find_job("j-1");
    REQUIRE(done);
    CHECK(done->status == "succeeded");
    CHECK(done->result_json == running.result_json);
    CHECK(done->finished_at == running.finished_at);
    CHECK_FALSE(done->error);
    CHECK(st.unfinished_jobs().size() == 1);
    CHECK_THROWS(st.insert_job(later)); // ids are unique
}

TEST_CASE("store contract: each queued job is claimed once, oldest first, a finished job never "
          "changes, a quiet worker's jobs are found",
          "[store][contract]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    Store& st = under->store();
    constexpr int kJobs = 40;
    for (int i = 0; i < kJobs; ++i) {
        Job j;
        j.id = "j-" + std::to_string(kJobs - i); // ids run backwards: order is created_at
        j.kind = "retrain";
        j.created_at =
            "2026-01-01T00:00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ".000Z";
        st.insert_job(j);
    }
    // The oldest first.
    const auto first = st.claim_job("worker-0", "2026-02-01T00:00:00.000Z");
    REQUIRE(first);
    CHECK(first->id == "j-40");
    CHECK(first->status == "running");
    CHECK(first->claimed_by == std::optional<std::string>("worker-0"));
    CHECK(st.find_job("j-40")->heartbeat_at ==
          std::optional<std::string>("2026-02-01T00:00:00.000Z"));
    // Four workers race for the rest: every job goes to exactly one of them.
    constexpr int kWorkers = 4;
    std::vector<std::vector<std::string>> got(kWorkers);
    std::vector<std::thread> threads;
    for (int w = 1; w <= kWorkers; ++w) {
        threads.emplace_back([&, w] {
            while (auto j =
                       st.claim_job("worker-" + std::to_string(w), "2026-02-01T00:00:01.000Z")) {
                got[w - 1].push_back(j->id);
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    std::set<std::string> claimed{"j-40"};
    std::size_t total = 1;
    for (const auto& ids : got) {
        total += ids.size();
        claimed.insert(ids.begin(), ids.end());
    }
    CHECK(total == kJobs);
    CHECK(claimed.size() == kJobs);
    CHECK_FALSE(st.claim_job("worker-0", "2026-02-01T00:00:02.000Z"));

    // Heartbeats touch only the worker's own running jobs; quiet ones are found.
    st.heartbeat_jobs("worker-0", "2026-02-01T00:01:00.000Z");
    CHECK(st.find_job("j-40")->heartbeat_at ==
          std::optional<std::string>("2026-02-01T00:01:00.000Z"));
    const auto quiet = st.abandoned_jobs("2026-02-01T00:00:30.000Z");
    CHECK(quiet.size() == kJobs - 1);
    CHECK(std::none_of(quiet.begin(), quiet.end(), [](const Job& j) { return j.id == "j-40"; }));
    CHECK(st.abandoned_jobs("2026-02-01T00:00:00.500Z").empty());

    // A finished job never changes: a late progress report of its worker is not written.
    Job failed = *st.find_job("j-40");
    failed.status = "failed";
    failed.error = "its worker went quiet";
    failed.finished_at = "2026-02-01T00:02:00.000Z";
    CHECK(st.update_job(failed));
    Job late = failed;
    late.status = "running";
    late.progress = 0.7;
    late.error.reset();
    CHECK_FALSE(st.update_job(late));
    CHECK(st.find_job("j-40")->status == "failed");
    CHECK(st.find_job("j-40")->error == std::optional<std::string>("its worker went quiet"));
    late.status = "succeeded";
    CHECK_FALSE(st.update_job(late));
    CHECK(st.find_job("j-40")->status == "failed");
}

TEST_CASE("store contract: the audit log", "[store][contract]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    Store& st = under->store();
    st.insert_user(user("alice"));
    st.insert_audit(AuditEntry{0, std::string("u-alice"), "label", "queue_item", "q-1",
                               R"({"label":null})", R"({"label":1.5})", kT0});
    st.insert_audit(AuditEntry{0, std::nullopt, "archive", "queue_item", "q-1", std::nullopt,
                               std::nullopt, "2026-01-02T00:00:00Z"});
    st.insert_audit(
        AuditEntry{0, std::string("u-alice"), "label", "queue_item", "q-2", {}, {}, kT0});
    const auto entries = st.audit_for("queue_item", "q-1"); // in the order written
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].action == "label");
    CHECK(entries[0].user_id == std::optional<std::string>("u-alice"));
    CHECK(entries[0].new_value_json == std::optional<std::string>(R"({"label":1.5})"));
    CHECK(entries[1].action == "archive");
    CHECK_FALSE(entries[1].user_id);
    CHECK_FALSE(entries[1].old_value_json);
    CHECK(entries[0].id < entries[1].id);
    CHECK(st.audit_for("queue_item", "q-3").empty());
    CHECK(st.audit_for("model", "q-1").empty());
}

TEST_CASE("store contract: transactions commit whole, roll back whole, and nest",
          "[store][contract]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    Store& st = under->store();

    st.transaction([&] {
        st.insert_user(user("alice"));
        st.insert_user(user("bob"));
    });
    CHECK(st.list_users().size() == 2);

    CHECK_THROWS_AS(st.transaction([&] {
        st.insert_user(user("carol"));
        throw std::runtime_error("the unit fails after its first write");
    }),
                    std::runtime_error);
    CHECK_FALSE(st.find_user_by_name("carol"));

    CHECK_THROWS(st.transaction([&] {
        st.insert_user(user("dave"));
        st.insert_user(user("alice")); // unique name: the store itself refuses
    }));
    CHECK_FALSE(st.find_user_by_name("dave"));

    CHECK_THROWS_AS(st.transaction([&] {
        st.transaction([&] { st.insert_user(user("erin")); });
        throw std::logic_error("the outer unit fails after the inner one returned");
    }),
                    std::logic_error);
    CHECK_FALSE(st.find_user_by_name("erin"));
    st.transaction([&] {
        st.insert_user(user("frank"));
        st.transaction([&] { st.insert_user(user("grace")); });
    });
    CHECK(st.list_users().size() == 4);
}

TEST_CASE("store contract: concurrent units keep their own fate", "[store][contract]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    Store& st = under->store();
    constexpr int kThreads = 4;
    constexpr int kUnits = 40; // per thread; every fourth fails
    std::atomic<int> failed{0};
    std::atomic<int> not_visible{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kUnits; ++i) {
                const std::string name = "user-" + std::to_string(t) + "-" + std::to_string(i);
                try {
                    st.transaction([&] {
                        st.insert_user(user(name));
                        st.insert_audit(
                            AuditEntry{0, "u-" + name, "create", "user", "u-" + name, {}, {}, kT0});
                        if (i % 4 == 0) {
                            throw std::runtime_error("unit fails");
                        }
                    });
                    // Once transaction() returned, the caller's own reads see the unit.
                    if (!st.find_user_by_name(name) || st.audit_for("user", "u-" + name).empty()) {
                        ++not_visible;
                    }
                } catch (const std::runtime_error&) {
                    ++failed;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    CHECK(failed.load() == kThreads * kUnits / 4);
    CHECK(not_visible.load() == 0);
    CHECK(st.list_users().size() == static_cast<std::size_t>(kThreads * kUnits * 3 / 4));
    CHECK(st.audit_for("user", "u-user-0-0").empty()); // a failed unit left nothing
    CHECK(st.audit_for("user", "u-user-0-1").size() == 1);
}

TEST_CASE("store contract: committed writes survive closing and reopening the store",
          "[store][contract]") {
    auto under = make_store(GENERATE(from_range(store_backends())));
    INFO("store: " << under->where());
    under->store().insert_user(user("alice"));
    under->store().transaction([&] { under->store().insert_compound(compound(1)); });
    under->reopen();
    Store& st = under->store();
    CHECK(st.find_user_by_name("alice"));
    CHECK(st.count_compounds() == 1);
    CHECK(st.find_compound(compound(1).id)->features == compound(1).features);
}
