// Models, compounds, selection, cycles, retraining jobs and export over the real API, and
// the restart-safety of retraining (a server killed mid-retrain).
#include "test_support.hpp"

#include "labelloop/base64.hpp"
#include "labelloop/features.hpp"
#include "labelloop/model_format.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace labelloop;
using json = nlohmann::json;
using labelloop::testing::bearer;
using labelloop::testing::body_of;
using labelloop::testing::RunningServer;

namespace {

struct ModelWorld {
    RunningServer server;
    testing::Team team = testing::seed_team(server.services());
    domain::Model model = testing::seed_esol_model(server.services(), 120, 70);

    httplib::Result post(const std::string& path, const json& body, const std::string& token) {
        auto c = server.client();
        return c.Post(path.c_str(), bearer(token), body.dump(), "application/json");
    }
    httplib::Result get(const std::string& path, const std::string& token) {
        auto c = server.client();
        return c.Get(path.c_str(), bearer(token));
    }
};

int status_of(const httplib::Result& r) {
    REQUIRE(r);
    return r->status;
}

json wait_for_job(ModelWorld& w, const std::string& job_id) {
    for (int i = 0; i < 6000; ++i) {
        const auto job = body_of(w.get("/api/v1/jobs/" + job_id, w.team.alice.token));
        if (job["status"] == "succeeded" || job["status"] == "failed") {
            return job;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("the job did not finish");
    return {};
}

} // namespace

TEST_CASE("API: models, versions, the artifact and the training set", "[api][models]") {
    ModelWorld w;
    const auto list = body_of(w.get("/api/v1/models", w.team.alice.token));
    REQUIRE(list["models"].size() == 1);
    const json& m = list["models"][0];
    for (const char* key :
         {"id", "name", "property", "task", "version", "status", "parent_id", "lineage_id",
          "metrics", "params", "n_train", "n_validation", "created_at"}) {
        INFO(key);
        CHECK(m.contains(key));
    }
    CHECK(m["status"] == "active");
    CHECK(m["metrics"]["rmse"].is_number());

    const auto one = body_of(w.get("/api/v1/models/" + w.model.id, w.team.alice.token));
    CHECK(one["name"] == "ESOL logS");
    CHECK(
        body_of(w.get("/api/v1/models/" + w.model.id + "/versions", w.team.alice.token))["versions"]
            .size() == 1);
    CHECK(status_of(w.get("/api/v1/models/nope", w.team.alice.token)) == 404);

    // The artifact is the core format: the browser loads the same bytes.
    auto art = w.get("/api/v1/models/" + w.model.id + "/artifact", w.team.alice.token);
    REQUIRE(art);
    CHECK(art->status == 200);
    CHECK(art->get_header_value("Content-Type") == "application/octet-stream");
    const std::vector<std::uint8_t> bytes(art->body.begin(), art->body.end());
    const auto loaded = load_model(bytes);
    CHECK(loaded.n_training() == static_cast<std::size_t>(w.model.n_train));

    const auto ts =
        body_of(w.get("/api/v1/models/" + w.model.id + "/training-set", w.team.alice.token));
    REQUIRE(ts["compounds"].size() == 70);
    int validation = 0;
    for (const auto& c : ts["compounds"]) {
        validation += c["set"] == "validation" ? 1 : 0;
        const auto f = decode_features(base64_decode(c["features"].get<std::string>()));
        CHECK(f.descriptors.size() == kModelDescriptorNames.size());
    }
    CHECK(validation == w.model.n_validation);

    // Creating a model over the API (admin only).
    json create = {{"name", "ESOL scaffold"},
                   {"property", "logS"},
                   {"split", "scaffold"},
                   {"params", testing::quick_params()}};
    CHECK(status_of(w.post("/api/v1/models", create, w.team.alice.token)) == 403);
    auto created = w.post("/api/v1/models", create, w.team.admin.token);
    CHECK(status_of(created) == 201);
    CHECK(body_of(created)["version"] == 1);
    create["task"] = "ranking";
    create["name"] = "bad";
    CHECK(status_of(w.post("/api/v1/models", create, w.team.admin.token)) == 422);

    // Model parameters: every one is stored (unset ones as the core recommends for the
    // training set's size), and a typo, a wrong type or an out-of-range value is refused
    // with its name, creating nothing.
    const json stored = body_of(created)["params"];
    for (const char* key :
         {"n_members", "member_type", "max_depth", "min_samples_leaf", "feature_fraction",
          "max_bins", "boosting_rounds", "learning_rate", "row_subsample", "l2_regularization",
          "linear_base", "ridge_alpha", "seed", "label_weights"}) {
        INFO(key);
        CHECK(stored.contains(key));
    }
    CHECK(stored["n_members"] == 8);
    CHECK(stored["max_depth"] == EnsembleParams::recommended(60).max_depth);
    const auto n_models = body_of(w.get("/api/v1/models", w.team.alice.token))["models"].size();
    create["task"] = "regression";
    const auto refused = [&](const json& params, int status, const std::string& says) {
        create["params"] = params;
        const auto r = w.post("/api/v1/models", create, w.team.admin.token);
        CHECK(status_of(r) == status);
        CHECK_THAT(body_of(r)["error"]["message"].get<std::string>(), Catch::Contains(says));
    };
    refused({{"trees", 5}}, 422, "unknown model parameter 'trees'");
    refused({{"learning_rate", "fast"}}, 422, "bad model parameters");
    refused({{"row_subsample", 1.5}}, 422, "row_subsample must be in (0, 1]");
    refused(json::array({1, 2}), 400, "Field 'params' must be an object");
    CHECK(body_of(w.get("/api/v1/models", w.team.alice.token))["models"].size() == n_models);
}

TEST_CASE("API: compounds: import, get, similar, the unlabeled pool", "[api][compounds]") {
    ModelWorld w;
    auto c = w.server.client();
    json import = {{"format", "csv"},
                   {"content", "name,smiles,logS\nethanol,CCO,1.1\nbad,C1CC(,0\n"
                               "phenol,c1ccccc1O,-0.04\n"},
                   {"id_column", "name"},
                   {"label_column", "logS"},
                   {"property", "logS"}};
    CHECK(status_of(w.post("/api/v1/compounds/import", import, w.team.alice.token)) == 403);
    const auto result = body_of(w.post("/api/v1/compounds/import", import, w.team.admin.token));
    // Ethanol is also in ESOL: known compounds count as duplicates, labels still apply.
    CHECK(result["imported"].get<int>() + result["duplicates"].get<int>() == 2);
    REQUIRE(result["errors"].size() == 1);
    CHECK(result["errors"][0]["row"] == 3);
    CHECK(result["errors"][0]["reason"].get<std::string>().find("C1CC(") != std::string::npos);
    import["format"] = "xlsx";
    CHECK(status_of(w.post("/api/v1/compounds/import", import, w.team.admin.token)) == 422);

    const std::string ethanol = result["compound_ids"][0];
    const auto compound = body_of(w.get("/api/v1/compounds/" + ethanol, w.team.alice.token));
    CHECK(compound["smiles"] == "CCO");
    CHECK(compound["inchikey"] == "LFQSCWFLJHTTHZ-UHFFFAOYSA-N");
    CHECK(compound["features"].is_string());
    CHECK(status_of(w.get("/api/v1/compounds/nope", w.team.alice.token)) == 404);

    const auto similar =
        body_of(w.get("/api/v1/compounds/" + ethanol + "/similar?k=3", w.team.alice.token));
    REQUIRE(similar["similar"].size() == 3);
    CHECK(similar["similar"][0]["similarity"].get<double>() >=
          similar["similar"][1]["similarity"].get<double>());
    CHECK(similar["similar"][0]["id"] != ethanol);
    CHECK(status_of(w.get("/api/v1/compounds/" + ethanol + "/similar?k=0", w.team.alice.token)) ==
          422);

    const auto pool = body_of(w.get(
        "/api/v1/compounds?unlabeled_for_model=" + w.model.id + "&limit=10", w.team.alice.token));
    CHECK(pool["total"] == 120 - 70 + result["imported"].get<int>());
    CHECK(pool["compounds"].size() == 10);
    CHECK(status_of(w.get("/api/v1/compounds?unlabeled_for_model=nope", w.team.alice.token)) ==
          404);

    // A named dataset as a pool: its compounds, paged; an unknown name is a clear 404.
    const auto dataset =
        body_of(w.get("/api/v1/compounds?dataset=esol&limit=7&offset=3", w.team.alice.token));
    CHECK(dataset["total"].get<int>() >= 120);
    CHECK(dataset["compounds"].size() == 7);
    CHECK(dataset["compounds"][0]["features"].is_string());
    const auto unknown = w.get("/api/v1/compounds?dataset=no-such-set", w.team.alice.token);
    CHECK(status_of(unknown) == 404);
    CHECK(body_of(unknown)["error"]["message"] == "There is no dataset named 'no-such-set'.");
}

TEST_CASE("API: select, label, retrain as a job while the API keeps answering", "[api][retrain]") {
    ModelWorld w;
    const std::string& admin = w.team.admin.token;
    auto r = w.post("/api/v1/active-learning/select",
                    {{"model_id", w.model.id},
                     {"strategy", "hybrid"},
                     {"threshold", -3.0},
                     {"batch_size", 12},
                     {"diversity", {{"kind", "tanimoto_cap"}, {"cap", 0.9}}}},
                    admin);
    REQUIRE(status_of(r) == 201);
    const auto sel = body_of(r);
    CHECK(sel["added"] == 12);
    const std::string cycle_id = sel["cycle_id"];
    CHECK(status_of(w.post("/api/v1/active-learning/select", {{"model_id", "nope"}}, admin)) ==
          404);
    CHECK(status_of(w.post("/api/v1/active-learning/select",
                           {{"model_id", w.model.id}, {"batch_size", 0}}, admin)) == 422);
    CHECK(status_of(w.post("/api/v1/active-learning/select",
                           {{"model_id", w.model.id}, {"pool", {{"kind", "everything"}}}},
                           admin)) == 422);
    // Malformed hybrid weights and diversity are refused naming the field (a string for
    // weights once surfaced as a JSON library message).
    const auto refused = [&](const json& extra, int status, const std::string& message) {
        json body = {{"model_id", w.model.id}, {"strategy", "hybrid"}, {"threshold", -3.0}};
        body.update(extra);
        const auto res = w.post("/api/v1/active-learning/select", body, admin);
        CHECK(status_of(res) == status);
        CHECK(body_of(res)["error"]["message"] == message);
    };
    refused({{"weights", "x"}}, 400,
            "Field 'weights' must be an object {uncertainty, margin, applicability}.");
    refused({{"weights", {{"uncertainty", "high"}}}}, 400,
            "Field 'weights.uncertainty' must be a number.");
    refused({{"weights", {{"novelty", 0.5}}}}, 422,
            "Unknown field 'weights.novelty': use uncertainty, margin or applicability.");
    refused({{"diversity", 3}}, 400,
            "Field 'diversity' must be a string or an object {kind, cap, pool}.");
    refused({{"diversity", {{"kind", "maxmin"}, {"pool", -1}}}}, 400,
            "Field 'diversity.pool' must be a non-negative integer.");
    refused({{"diversity", {{"cap", "0.7"}}}}, 400, "Field 'diversity.cap' must be a number.");
    refused({{"diversity", {{"kind", "tanimoto_cap"}, {"radius", 2}}}}, 422,
            "Unknown field 'diversity.radius': use kind, cap or pool.");

    const auto cycles =
        body_of(w.get("/api/v1/active-learning/cycles?model_id=" + w.model.id, w.team.alice.token));
    REQUIRE(cycles["cycles"].size() == 1);
    CHECK(cycles["cycles"][0]["status"] == "labeling");
    CHECK(status_of(w.get("/api/v1/active-learning/cycles", w.team.alice.token)) == 400);

    const std::string retrain = "/api/v1/active-learning/cycles/" + cycle_id + "/retrain";
    auto too_few = w.post(retrain, json::object(), admin);
    CHECK(status_of(too_few) == 409);
    CHECK(body_of(too_few)["error"]["details"]["min_new_labels"] == 10);
    CHECK(status_of(w.post("/api/v1/active-learning/cycles/nope/retrain", json::object(), admin)) ==
          404);

    for (int i = 0; i < 3; ++i) {
        const std::string id = sel["items"][i]["id"];
        // The first note reads as a spreadsheet formula: the CSV export must defuse it.
        CHECK(status_of(w.post("/api/v1/active-learning/queue/" + id + "/label",
                               {{"label", -1.0 - i},
                                {"source", "literature"},
                                {"notes", i == 0 ? "=HYPERLINK(\"http://x\",\"y\")" : "fine"}},
                               w.team.alice.token)) == 200);
    }
    auto accepted = w.post(retrain, {{"min_new_labels", 3}}, admin);
    REQUIRE(status_of(accepted) == 202);
    const std::string job_id = body_of(accepted)["job_id"];
    // The API answers while the job runs.
    CHECK(status_of(w.get("/api/v1/active-learning/queue?limit=5", w.team.alice.token)) == 200);
    const auto job_now = body_of(w.get("/api/v1/jobs/" + job_id, w.team.alice.token));
    for (const char* key : {"id", "kind", "status", "progress", "message", "error", "result"}) {
        CHECK(job_now.contains(key));
    }
    const auto job = wait_for_job(w, job_id);
    INFO(job.dump());
    REQUIRE(job["status"] == "succeeded");
    const std::string v2 = job["result"]["new_model_id"];
    CHECK(body_of(w.get("/api/v1/models/" + w.model.id, w.team.alice.token))["status"] ==
          "superseded");
    CHECK(body_of(w.get("/api/v1/models/" + v2, w.team.alice.token))["status"] == "active");
    CHECK(body_of(w.get("/api/v1/models/" + v2 + "/versions", w.team.alice.token))["versions"]
              .size() == 2);

    const auto stats = body_of(w.get("/api/v1/active-learning/stats/" + v2, w.team.alice.token));
    CHECK(stats["queue"]["archived"] == 3);
    CHECK(stats["queue"]["pending"] == 9);
    CHECK(stats["cycles"][0]["status"] == "complete");
    CHECK(stats["cycles"][0]["metrics_before"]["n"] == stats["cycles"][0]["metrics_after"]["n"]);
    CHECK(status_of(w.get("/api/v1/jobs/nope", w.team.alice.token)) == 404);
    CHECK(status_of(w.post(retrain, json::object(), admin)) == 409); // cycle complete

    // Audit trail of one labeled item: label then archive.
    const std::string first = sel["items"][0]["id"];
    const auto audit = body_of(
        w.get("/api/v1/audit?entity_type=queue_item&entity_id=" + first, w.team.alice.token));
    REQUIRE(audit["entries"].size() == 2);
    CHECK(audit["entries"][0]["action"] == "label");
    CHECK(audit["entries"][1]["action"] == "archive");

    // Export: every queue item of the lineage, and every label.
    auto csv = w.get("/api/v1/export/queue.csv?model_id=" + v2, w.team.alice.token);
    REQUIRE(status_of(csv) == 200);
    CHECK(csv->get_header_value("Content-Type") == "text/csv");
    CHECK(std::count(csv->body.begin(), csv->body.end(), '\n') == 1 + 12);
    CHECK(csv->body.find(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"") != std::string::npos);
    CHECK(csv->body.find(",=HYPERLINK") == std::string::npos);
    CHECK(csv->body.find(",\"=HYPERLINK") == std::string::npos);
    auto labels = w.get("/api/v1/export/labels.csv?model_id=" + v2, w.team.alice.token);
    CHECK(std::count(labels->body.begin(), labels->body.end(), '\n') == 1 + 70 + 3);
    auto sdf = w.get("/api/v1/export/labels.sdf?model_id=" + v2, w.team.alice.token);
    CHECK(status_of(sdf) == 200);
    CHECK(sdf->body.find("$$$$") != std::string::npos);
    CHECK(status_of(w.get("/api/v1/export/queue.csv", w.team.alice.token)) == 400);
}

TEST_CASE("a server killed mid-retrain restarts consistent: old version active, job failed",
          "[service][retrain][restart]") {
    testing::TempDir dir;
    const std::string db = dir.file("crash.db");
    std::string cycle_id;
    std::string model_id;
    std::string admin_id;
    std::vector<std::string> labeled;
    {
        service::Services s(db);
        const auto team = testing::seed_team(s);
        admin_id = team.admin.user.id;
        const auto model = testing::seed_esol_model(s, 160, 100);
        model_id = model.id;
        // Make the retrain slow enough to be caught in the middle.
        s.store.connection()
            .prepare("UPDATE ml_models SET params = ? WHERE id = ?")
            .bind(1, json{{"n_members", 400}, {"boosting_rounds", 150}}.dump())
            .bind(2, model.id)
            .run();
        service::SelectRequest req;
        req.model_id = model.id;
        req.batch_size = 12;
        const auto sel = s.active_learning.select_samples(team.admin.user, req);
        cycle_id = *sel.cycle_id;
        for (int i = 0; i < 10; ++i) {
            service::LabelInput in;
            in.label = -2.0;
            s.active_learning.submit_label(team.alice.user,
                                           sel.items[static_cast<std::size_t>(i)].id, in);
            labeled.push_back(sel.items[static_cast<std::size_t>(i)].id);
        }
    }

    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // The "server": starts the retrain and is killed while it trains.
        try {
            service::Services s(db);
            const auto admin = *s.store.find_user(admin_id);
            s.active_learning.trigger_retrain(admin, cycle_id, 10);
            for (;;) {
                pause();
            }
        } catch (...) {
            _exit(3);
        }
    }
    bool caught_training = false;
    {
        store::Database watcher(db);
        for (int i = 0; i < 3000 && !caught_training; ++i) {
            auto st = watcher.prepare("SELECT status, progress FROM jobs");
            if (st.step()) {
                REQUIRE(st.column_text(0) != "succeeded");
                caught_training = st.column_text(0) == "running" && st.column_double(1) > 0.0;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(caught_training);
    REQUIRE(WIFSIGNALED(status));

    service::Services s(db);
    CHECK(s.recovered_jobs == 1);
    const auto job = s.store.unfinished_jobs();
    CHECK(job.empty());
    std::string failed_id;
    {
        // Scoped: a live statement would pin this connection's snapshot.
        auto jobs = s.store.connection().prepare("SELECT id FROM jobs");
        REQUIRE(jobs.step());
        failed_id = jobs.column_text(0);
    }
    const auto failed = *s.store.find_job(failed_id);
    CHECK(failed.status == "failed");
    CHECK(failed.error->find("previous model version stays active") != std::string::npos);
    CHECK(s.store.find_model(model_id)->status == "active");
    CHECK(s.store.list_versions(model_id).size() == 1);
    CHECK(s.store.find_cycle(cycle_id)->status == "labeling");
    for (const auto& id : labeled) {
        CHECK(s.store.find_queue_item(id)->status == "labeled");
    }
    // And the retrain can simply be started again.
    s.store.connection()
        .prepare("UPDATE ml_models SET params = ? WHERE id = ?")
        .bind(1, testing::quick_params().dump())
        .bind(2, model_id)
        .run();
    const auto admin = *s.store.find_user(admin_id);
    const auto job_id = s.active_learning.trigger_retrain(admin, cycle_id, 10);
    s.jobs.wait_idle();
    CHECK(s.store.find_job(job_id)->status == "succeeded");
    CHECK(s.store.find_model(model_id)->status == "superseded");
}

TEST_CASE("at start-up a job left running is marked failed and a queued one is run",
          "[service][restart]") {
    testing::TempDir dir;
    const std::string db = dir.file("recover.db");
    domain::Job running;
    domain::Job queued;
    {
        service::Services s(db, service::ServicesOptions::one_shot());
        running.id = util::new_uuid();
        running.kind = "retrain";
        running.status = "running";
        running.created_at = util::utc_now();
        running.started_at = running.created_at;
        running.claimed_by = "gone:1:dead";
        running.heartbeat_at = running.created_at;
        s.store.insert_job(running);
        queued = running;
        queued.id = util::new_uuid();
        queued.status = "queued";
        queued.started_at.reset();
        queued.claimed_by.reset();
        queued.heartbeat_at.reset();
        s.store.insert_job(queued);
    }
    service::Services s(db);
    CHECK(s.recovered_jobs == 1);
    const auto failed = *s.store.find_job(running.id);
    CHECK(failed.status == "failed");
    CHECK(failed.error->find("server stopped while this job was running") != std::string::npos);
    // The queued job was claimed by this process's worker and run (it names no cycle, so the
    // run itself fails, with the reason).
    s.jobs.wait_idle();
    const auto ran = *s.store.find_job(queued.id);
    CHECK(ran.claimed_by == s.jobs.worker_id());
    CHECK(ran.started_at.has_value());
    CHECK(ran.status == "failed");
    CHECK(ran.error->find("ycle") != std::string::npos);
    CHECK(s.store.unfinished_jobs().empty());
}
