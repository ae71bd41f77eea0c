// Import, model creation, selection and retraining through the services, on real ESOL
// compounds (RDKit featurization) and real ensembles: every retrain rule of issue 4.
#include "test_support.hpp"

#include "service/errors.hpp"
#include "service/model_engine.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace labelloop;
using labelloop::service::ErrorKind;
using labelloop::service::ServiceError;
using labelloop::testing::TempDir;
using json = nlohmann::json;

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

std::set<std::string> ids_of(const std::vector<domain::LabeledCompound>& rows) {
    std::set<std::string> out;
    for (const auto& r : rows) {
        out.insert(r.compound_id);
    }
    return out;
}

std::vector<domain::QueueItem> queue_of(service::Services& s, const std::string& model_id,
                                        const std::string& status) {
    domain::QueueFilter f;
    f.model_id = model_id;
    f.status = status;
    f.limit = 1000;
    return s.store.list_queue(f);
}

} // namespace

TEST_CASE("import keeps good rows, reports bad ones by row, deduplicates by InChIKey",
          "[service][import]") {
    TempDir dir;
    service::Services s(dir.file("import.db"));
    auto req = testing::esol_import(30);
    // Row 32: unparsable SMILES; row 33: the same molecule as row 2 written differently;
    // row 34: a label that is not a number.
    req.content += "Broken,0,0,0,0,0,0,0,-1.0,C1CC(\n";
    req.content += "Amigdalin again,0,0,0,0,0,0,0,-0.5,OCC3OC(OCC2OC(OC(C#N)c1ccccc1)C(O)C(O)"
                   "C2O)C(O)C(O)C3O\n";
    req.content += "Bad label,0,0,0,0,0,0,0,abc,CCO\n";
    const auto result = s.compounds.import(nullptr, req);
    CHECK(result.rows == 33);
    CHECK(result.imported == 30);
    CHECK(result.duplicates == 1);
    REQUIRE(result.errors.size() == 2);
    CHECK(result.errors[0].row == 32);
    CHECK(result.errors[1].row == 34);
    CHECK(s.store.count_compounds() == 30);
    CHECK(s.store.labeled_compounds("logS", std::nullopt).size() == 30);
    // The duplicate's label replaced the first one (newest measurement wins).
    const auto amigdalin = s.store.find_compound(result.compound_ids[0]);
    REQUIRE(amigdalin);
    CHECK(amigdalin->name == "Amigdalin");
    CHECK_FALSE(amigdalin->features.empty());
    CHECK(amigdalin->inchikey.size() == 27);

    // A missing column rejects the whole file and writes nothing.
    auto bad = testing::esol_import(5);
    bad.smiles_column = "structure";
    CHECK(kind_of([&] { s.compounds.import(nullptr, bad); }) == ErrorKind::InvalidValue);
    bad = testing::esol_import(5);
    bad.property.reset();
    CHECK(kind_of([&] { s.compounds.import(nullptr, bad); }) == ErrorKind::InvalidValue);
    CHECK(s.store.count_compounds() == 30);
}

TEST_CASE("a new model fixes its validation set and records metrics", "[service][model]") {
    TempDir dir;
    service::Services s(dir.file("model.db"));
    const auto model = testing::seed_esol_model(s, 120, 100);
    CHECK(model.version == 1);
    CHECK(model.status == "active");
    CHECK(model.n_train == 80);
    CHECK(model.n_validation == 20);
    const auto metrics = json::parse(model.metrics_json);
    CHECK(metrics["n"] == 20);
    CHECK(metrics["rmse"].get<double>() > 0.0);
    CHECK(metrics.contains("calibration"));
    CHECK(s.store.members(model.lineage_id, "validation").size() == 20);
    CHECK_FALSE(s.store.model_artifact(model.id).empty());
    CHECK(s.store.count_unlabeled_compounds(model.lineage_id) == 20);

    // Scaffold split: no validation scaffold (ring system) appears in training.
    service::CreateModelRequest req;
    req.name = "scaffold split";
    req.property = "logS";
    req.split = "scaffold";
    req.params = testing::quick_params();
    const auto scaffold_model = s.models.create_model(nullptr, req);
    std::set<std::string> train_scaffolds;
    for (const auto& m : s.store.members(scaffold_model.lineage_id, "train")) {
        train_scaffolds.insert(m.scaffold);
    }
    for (const auto& m : s.store.members(scaffold_model.lineage_id, "validation")) {
        if (!m.scaffold.empty()) {
            CHECK(train_scaffolds.count(m.scaffold) == 0);
        }
    }

    req.name = "too few";
    req.property = "no such property";
    CHECK(kind_of([&] { s.models.create_model(nullptr, req); }) == ErrorKind::InvalidValue);
    req.property = "logS";
    req.name = "ESOL logS";
    CHECK(kind_of([&] { s.models.create_model(nullptr, req); }) == ErrorKind::Conflict);
    req.name = "bad task";
    req.task = "clustering";
    CHECK(kind_of([&] { s.models.create_model(nullptr, req); }) == ErrorKind::InvalidValue);
}

TEST_CASE("selection scores the pool, opens a cycle, and never picks a compound twice",
          "[service][select]") {
    TempDir dir;
    service::Services s(dir.file("select.db"));
    const auto team = testing::seed_team(s);
    const auto model = testing::seed_esol_model(s, 100, 60);
    auto& al = s.active_learning;

    service::SelectRequest req;
    req.model_id = model.id;
    req.batch_size = 10;
    req.preview = true;
    const auto preview = al.select_samples(team.admin.user, req);
    CHECK(preview.items.size() == 10);
    CHECK_FALSE(preview.cycle_id.has_value());
    CHECK(s.store.count_queue({}) == 0);

    req.preview = false;
    const auto first = al.select_samples(team.admin.user, req);
    REQUIRE(first.cycle_id);
    CHECK(first.added == 10);
    CHECK(first.selection_batch == 1);
    for (std::size_t i = 0; i < first.items.size(); ++i) {
        const auto& q = first.items[i];
        CHECK(q.status == "pending");
        CHECK(q.uncertainty.has_value());
        CHECK(q.prediction.has_value());
        CHECK(q.applicability_distance.has_value());
        CHECK(q.selection_batch == 1);
        CHECK(q.cycle_id == first.cycle_id);
        if (i > 0) {
            CHECK(*q.priority_score <= *first.items[i - 1].priority_score);
        }
    }
    CHECK(preview.items[0].compound_id == first.items[0].compound_id);
    const auto cycle = s.store.find_cycle(*first.cycle_id);
    CHECK(cycle->status == "labeling");
    CHECK(cycle->items_selected == 10);

    req.strategy = "random";
    const auto second = al.select_samples(team.admin.user, req);
    CHECK(second.selection_batch == 2);
    std::set<std::string> seen;
    for (const auto& q : first.items) {
        seen.insert(q.compound_id);
    }
    for (const auto& q : second.items) {
        CHECK(seen.count(q.compound_id) == 0);
    }

    // A posted list: compounds already queued are duplicates, not errors.
    req.pool.kind = "compounds";
    req.pool.compound_ids = {first.items[0].compound_id, first.items[1].compound_id};
    const auto again = al.select_samples(team.admin.user, req);
    CHECK(again.added == 0);
    CHECK(again.duplicates == 2);

    req.pool = {};
    req.strategy = "margin"; // regression margin needs a threshold
    CHECK(kind_of([&] { al.select_samples(team.admin.user, req); }) == ErrorKind::InvalidValue);
    req.threshold = -3.0;
    CHECK(al.select_samples(team.admin.user, req).added == 10);
    req.strategy = "cleverest";
    CHECK(kind_of([&] { al.select_samples(team.admin.user, req); }) == ErrorKind::InvalidValue);
    req.strategy = "uncertainty";
    req.pool.kind = "dataset";
    req.pool.dataset = "nope";
    CHECK(kind_of([&] { al.select_samples(team.admin.user, req); }) == ErrorKind::NotFound);
    req.pool = {};
    CHECK(kind_of([&] { al.select_samples(team.alice.user, req); }) == ErrorKind::Forbidden);
}

TEST_CASE("retraining follows every rule: same validation set, archive, re-score, supersede",
          "[service][retrain]") {
    TempDir dir;
    service::Services s(dir.file("retrain.db"));
    const auto team = testing::seed_team(s);
    const auto v1 = testing::seed_esol_model(s, 140, 80);
    auto& al = s.active_learning;
    const auto validation_before = ids_of(s.store.members(v1.lineage_id, "validation"));
    const auto train_before = ids_of(s.store.members(v1.lineage_id, "train"));

    service::SelectRequest req;
    req.model_id = v1.id;
    req.batch_size = 16;
    const auto sel = al.select_samples(team.admin.user, req);
    REQUIRE(sel.added == 16);

    // Too few labels: a clear 409 with the counts.
    try {
        al.trigger_retrain(team.admin.user, *sel.cycle_id, 10);
        FAIL("expected a conflict");
    } catch (const ServiceError& e) {
        CHECK(e.kind() == ErrorKind::Conflict);
        CHECK(e.details()["new_labels"] == 0);
        CHECK(e.details()["min_new_labels"] == 10);
        CHECK(std::string(e.what()).find("at least 10 new labels") != std::string::npos);
    }
    CHECK(kind_of([&] { al.trigger_retrain(team.alice.user, *sel.cycle_id, 1); }) ==
          ErrorKind::Forbidden);

    // Label 10 of them with the true ESOL values, one skip; 5 stay pending.
    const auto labels = s.store.labeled_compounds("logS", std::nullopt);
    std::map<std::string, double> truth;
    for (const auto& l : labels) {
        truth[l.compound_id] = l.label;
    }
    std::vector<std::string> labeled_ids;
    for (int i = 0; i < 10; ++i) {
        service::LabelInput in;
        in.label = truth.at(sel.items[static_cast<std::size_t>(i)].compound_id);
        in.source = i % 2 ? "literature" : "experimental";
        in.confidence = i % 3 ? "high" : "low";
        al.submit_label(team.alice.user, sel.items[static_cast<std::size_t>(i)].id, in);
        labeled_ids.push_back(sel.items[static_cast<std::size_t>(i)].id);
    }
    al.skip(team.alice.user, sel.items[10].id, std::nullopt);
    const auto pending_before = queue_of(s, v1.id, "pending");
    REQUIRE(pending_before.size() == 5);

    const std::string job_id = al.trigger_retrain(team.admin.user, *sel.cycle_id, 10);
    CHECK(kind_of([&] { al.trigger_retrain(team.admin.user, *sel.cycle_id, 10); }) ==
          ErrorKind::Conflict);
    s.jobs.wait_idle();
    const auto job = s.store.find_job(job_id);
    REQUIRE(job);
    INFO("job error: " << job->error.value_or(""));
    REQUIRE(job->status == "succeeded");
    CHECK(job->progress == 1.0);
    const auto result = json::parse(*job->result_json);

    // A new version is active, the old one superseded.
    const auto old_now = *s.store.find_model(v1.id);
    CHECK(old_now.status == "superseded");
    const auto v2 = *s.store.active_model(v1.lineage_id);
    CHECK(v2.id == result["new_model_id"]);
    CHECK(v2.version == 2);
    CHECK(v2.parent_id == v1.id);
    CHECK(v2.n_train == v1.n_train + 10);
    CHECK(v2.n_validation == v1.n_validation);

    // The same validation set; new labels went to training only, with source/confidence.
    CHECK(ids_of(s.store.members(v1.lineage_id, "validation")) == validation_before);
    const auto train_after = s.store.members(v1.lineage_id, "train");
    CHECK(train_after.size() == train_before.size() + 10);
    int added = 0;
    for (const auto& m : train_after) {
        if (train_before.count(m.compound_id) == 0) {
            ++added;
            CHECK(m.added_version == 2);
        }
    }
    CHECK(added == 10);
    const auto params = json::parse(v2.params_json);
    CHECK(params["label_weights"]["source"][2] == 0.5);

    // Labeled items are archived against the old version; pending ones re-scored on v2.
    for (const auto& id : labeled_ids) {
        const auto item = *s.store.find_queue_item(id);
        CHECK(item.status == "archived");
        CHECK(item.model_id == v1.id);
    }
    CHECK(s.store.find_queue_item(sel.items[10].id)->status == "skipped");
    const auto pending_after = queue_of(s, v2.id, "pending");
    REQUIRE(pending_after.size() == 5);
    int changed = 0;
    for (const auto& after : pending_after) {
        for (const auto& before : pending_before) {
            if (before.id == after.id) {
                CHECK(after.version == before.version + 1);
                changed += *after.uncertainty != *before.uncertainty ? 1 : 0;
            }
        }
    }
    CHECK(changed > 0);

    // Before/after metrics on the identical validation set; the cycle is complete.
    const auto cycle = *s.store.find_cycle(*sel.cycle_id);
    CHECK(cycle.status == "complete");
    CHECK(cycle.new_model_id == v2.id);
    const auto before = json::parse(*cycle.metrics_before_json);
    const auto after = json::parse(*cycle.metrics_after_json);
    CHECK(before["n"] == after["n"]);
    CHECK(before["n"] == v1.n_validation);
    CHECK(before["rmse"].get<double>() ==
          Approx(json::parse(v1.metrics_json)["rmse"].get<double>()).epsilon(1e-9));
    CHECK(result["metrics_before"] == before);
    CHECK(result["archived"] == 10);

    // The superseded version cannot select any more; the new one can.
    CHECK(kind_of([&] { al.select_samples(team.admin.user, req); }) == ErrorKind::Conflict);
    req.model_id = v2.id;
    CHECK(al.select_samples(team.admin.user, req).selection_batch == 2);
    const auto stats = al.get_cycle_stats(v2.id);
    CHECK(stats["queue"]["archived"] == 10);
    CHECK(stats["versions"].size() == 2);
}

TEST_CASE("a retrain also completes earlier cycles whose items are all settled",
          "[service][retrain][cycles]") {
    TempDir dir;
    service::Services s(dir.file("cycles.db"));
    const auto team = testing::seed_team(s);
    const auto v1 = testing::seed_esol_model(s, 140, 80);
    auto& al = s.active_learning;
    std::map<std::string, double> truth;
    for (const auto& l : s.store.labeled_compounds("logS", std::nullopt)) {
        truth[l.compound_id] = l.label;
    }
    const auto label = [&](const domain::QueueItem& item) {
        service::LabelInput in;
        in.label = truth.at(item.compound_id);
        in.source = "experimental";
        in.confidence = "high";
        al.submit_label(team.alice.user, item.id, in);
    };
    service::SelectRequest req;
    req.model_id = v1.id;
    // Cycle A: 4 items, all labeled. Cycle B: 4 items, 1 labeled, 3 left pending.
    // Cycle C: 4 items, all labeled; the retrain is started from C.
    req.batch_size = 4;
    const auto a = al.select_samples(team.admin.user, req);
    const auto b = al.select_samples(team.admin.user, req);
    const auto c = al.select_samples(team.admin.user, req);
    REQUIRE((a.added == 4 && b.added == 4 && c.added == 4));
    for (const auto& item : a.items) {
        label(item);
    }
    label(b.items[0]);
    for (const auto& item : c.items) {
        label(item);
    }
    const std::string job_id = al.trigger_retrain(team.admin.user, *c.cycle_id, 5);
    s.jobs.wait_idle();
    const auto job = *s.store.find_job(job_id);
    INFO("job error: " << job.error.value_or(""));
    REQUIRE(job.status == "succeeded");
    const auto result = json::parse(*job.result_json);
    CHECK(result["new_labels"] == 9);
    CHECK(result["cycles_also_completed"] == 1);
    const auto v2 = *s.store.active_model(v1.lineage_id);

    const auto cycle_a = *s.store.find_cycle(*a.cycle_id);
    const auto cycle_b = *s.store.find_cycle(*b.cycle_id);
    const auto cycle_c = *s.store.find_cycle(*c.cycle_id);
    CHECK(cycle_c.status == "complete");
    // A's labels went into v2 with C's: A is complete with the same before/after figures.
    CHECK(cycle_a.status == "complete");
    CHECK(cycle_a.new_model_id == v2.id);
    CHECK(cycle_a.metrics_before_json == cycle_c.metrics_before_json);
    CHECK(cycle_a.metrics_after_json == cycle_c.metrics_after_json);
    CHECK(cycle_a.completed_at.has_value());
    const auto audit = s.store.audit_for("cycle", cycle_a.id);
    REQUIRE_FALSE(audit.empty());
    CHECK(audit.back().action == "complete");
    // B still has open items (moved to v2): it keeps labeling and can be retrained later.
    CHECK(cycle_b.status == "labeling");
    CHECK_FALSE(cycle_b.new_model_id.has_value());
    CHECK(queue_of(s, v2.id, "pending").size() == 3);
}

TEST_CASE("label weights from source and confidence change what the model learns",
          "[service][retrain][weights]") {
    TempDir dir;
    service::Services s(dir.file("weights.db"));
    testing::seed_esol_model(s, 80, 80);
    const auto rows = s.store.labeled_compounds("logS", std::nullopt);
    std::vector<service::engine::TrainingRow> train;
    for (const auto& r : rows) {
        train.push_back({r.features, r.label, "experimental", "high"});
    }
    // The same absurd label on the first 5 compounds: trusted in one fit, doubted in the other.
    auto trusted = train;
    auto doubted = train;
    for (std::size_t i = 0; i < 5; ++i) {
        trusted[i].label = doubted[i].label = 8.0;
        doubted[i].source = "expert_estimate";
        doubted[i].confidence = "low";
    }
    const std::vector<service::engine::TrainingRow> probe(trusted.begin(), trusted.begin() + 5);
    const auto params = testing::quick_params();
    const auto a = service::engine::train("regression", trusted, probe, params, {});
    const auto b = service::engine::train("regression", doubted, probe, params, {});
    // Measured against the absurd labels: the trusted fit follows them more closely.
    CHECK(a.metrics["rmse"].get<double>() < b.metrics["rmse"].get<double>());
}

TEST_CASE("a posted SMILES pool is imported and scored, one bad SMILES changes nothing",
          "[service][select]") {
    TempDir dir;
    service::Services s(dir.file("smiles.db"));
    const auto team = testing::seed_team(s);
    const auto model = testing::seed_esol_model(s, 60, 60);
    const auto before = s.store.count_compounds();
    service::SelectRequest req;
    req.model_id = model.id;
    req.batch_size = 2;
    req.pool.kind = "compounds";
    req.pool.smiles = {"CCCCCCO", "c1ccc2ccccc2c1", "C1CC("};
    CHECK(kind_of([&] { s.active_learning.select_samples(team.admin.user, req); }) ==
          ErrorKind::InvalidValue);
    CHECK(s.store.count_compounds() == before);
    req.pool.smiles.pop_back();
    const auto result = s.active_learning.select_samples(team.admin.user, req);
    CHECK(result.added == 2);
    CHECK(s.store.count_compounds() == before + 2);
}

TEST_CASE("exported SDF labels import again as SDF with the same structures and labels",
          "[service][import][export]") {
    TempDir dir;
    service::Services s(dir.file("sdf-out.db"));
    const auto model = testing::seed_esol_model(s, 40, 40);
    const std::string sdf = s.compounds.export_labels_sdf(model.id);
    CHECK(std::count(sdf.begin(), sdf.end(), '$') == 4 * 40);

    service::Services other(dir.file("sdf-in.db"));
    service::ImportRequest req;
    req.format = "sdf";
    req.content = sdf;
    req.id_column = "compound_id";
    req.label_column = "logS";
    req.property = "logS";
    const auto result = other.compounds.import(nullptr, req);
    CHECK(result.errors.empty());
    CHECK(result.imported == 40);
    CHECK(result.labels == 40);
    std::map<std::string, double> before;
    for (const auto& l : s.store.labeled_compounds("logS", std::nullopt)) {
        before[s.store.find_compound(l.compound_id)->inchikey] = l.label;
    }
    for (const auto& l : other.store.labeled_compounds("logS", std::nullopt)) {
        const auto key = other.store.find_compound(l.compound_id)->inchikey;
        REQUIRE(before.count(key) == 1);
        CHECK(before[key] == Approx(l.label).epsilon(1e-9));
    }
    CHECK(kind_of([&] { s.compounds.export_labels_sdf("nope"); }) == ErrorKind::NotFound);
    const std::string csv = s.compounds.export_labels_csv(model.id);
    CHECK(csv.rfind("compound_id,smiles,name,logS,label_source,label_confidence,set\n", 0) == 0);
}

TEST_CASE("the same import and seed give the same model in two databases", "[service][model]") {
    TempDir dir;
    service::Services a(dir.file("a.db"));
    service::Services b(dir.file("b.db"));
    const auto ma = testing::seed_esol_model(a, 90, 90);
    const auto mb = testing::seed_esol_model(b, 90, 90);
    CHECK(ma.metrics_json == mb.metrics_json);
    CHECK(a.store.model_artifact(ma.id) == b.store.model_artifact(mb.id));
}
