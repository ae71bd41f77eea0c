// `labelloop serve --demo`: the demo set-up on an empty database leaves a working queue,
// users whose printed tokens work, and a model trained on a subset with the rest as pool.
#include "test_support.hpp"

#include "cli/demo_setup.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

using namespace labelloop;
using json = nlohmann::json;

TEST_CASE("the demo set-up creates users, a model, a pool and a first batch", "[demo]") {
    std::ifstream in(std::string(LABELLOOP_SOURCE_DIR) + "/assets/demo/esol.csv");
    REQUIRE(in);
    std::stringstream csv;
    csv << in.rdbuf();

    testing::RunningServer server;
    REQUIRE(cli::database_is_empty(server.services()));
    cli::DemoOptions options;
    options.params = testing::quick_params();
    std::ostringstream out;
    const std::string model_id = cli::run_demo_setup(server.services(), csv.str(), out, options);
    CHECK_FALSE(cli::database_is_empty(server.services()));

    // The printed tokens work.
    const std::string text = out.str();
    std::smatch m;
    REQUIRE(std::regex_search(text, m, std::regex(R"(scientist\s+(ll_[0-9a-f]{64}))")));
    const std::string token = m[1];
    auto c = server.client();
    CHECK(testing::body_of(c.Get("/api/v1/me", testing::bearer(token)))["role"] == "scientist");

    const auto model =
        testing::body_of(c.Get(("/api/v1/models/" + model_id).c_str(), testing::bearer(token)));
    CHECK(model["name"] == "ESOL logS");
    CHECK(model["n_train"].get<int>() + model["n_validation"].get<int>() == 300);
    const auto queue = testing::body_of(
        c.Get(("/api/v1/active-learning/queue?status=pending&model_id=" + model_id).c_str(),
              testing::bearer(token)));
    CHECK(queue["total"] == 20);
    const auto pool = testing::body_of(
        c.Get(("/api/v1/compounds?limit=1&unlabeled_for_model=" + model_id).c_str(),
              testing::bearer(token)));
    CHECK(pool["total"].get<int>() > 700);
}

TEST_CASE("stopping the server mid-retrain fails the job cleanly, the old version stays",
          "[service][retrain][restart]") {
    testing::TempDir dir;
    const std::string db = dir.file("stop.db");
    std::string cycle_id;
    std::string model_id;
    std::string job_id;
    {
        testing::RunningServer server(db);
        auto& s = server.services();
        const auto team = testing::seed_team(s);
        const auto model = testing::seed_esol_model(s, 150, 100);
        model_id = model.id;
        s.store.connection()
            .prepare("UPDATE ml_models SET params = ? WHERE id = ?")
            .bind(1, json{{"n_members", 120}, {"boosting_rounds", 100}}.dump())
            .bind(2, model.id)
            .run();
        service::SelectRequest req;
        req.model_id = model.id;
        req.batch_size = 10;
        const auto sel = s.active_learning.select_samples(team.admin.user, req);
        cycle_id = *sel.cycle_id;
        for (const auto& item : sel.items) {
            service::LabelInput in;
            in.label = -1.0;
            s.active_learning.submit_label(team.alice.user, item.id, in);
        }
        auto c = server.client();
        auto r = c.Post(("/api/v1/active-learning/cycles/" + cycle_id + "/retrain").c_str(),
                        testing::bearer(team.admin.token), "{}", "application/json");
        REQUIRE(r);
        REQUIRE(r->status == 202);
        job_id = testing::body_of(r)["job_id"];
        for (int i = 0; i < 3000; ++i) {
            const auto job = s.store.find_job(job_id);
            if (job->status == "running" && job->progress > 0.0) {
                break;
            }
            REQUIRE(job->status != "succeeded");
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        // The API answers while the model trains.
        const auto t0 = std::chrono::steady_clock::now();
        auto queue =
            c.Get("/api/v1/active-learning/queue?limit=5", testing::bearer(team.alice.token));
        REQUIRE(queue);
        CHECK(queue->status == 200);
        auto job_now = c.Get(("/api/v1/jobs/" + job_id).c_str(), testing::bearer(team.alice.token));
        REQUIRE(job_now);
        CHECK(testing::body_of(job_now)["status"] == "running");
        INFO("answered in "
             << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
             << " s");
        // The server goes away here, in the middle of fitting: the fit cannot be cut
        // short (see run_retrain), but nothing of it is committed.
    }
    service::Services s(db);
    const auto job = *s.store.find_job(job_id);
    CHECK(job.status == "failed");
    CHECK(job.error.value_or("").find("stopped") != std::string::npos);
    CHECK(s.store.find_model(model_id)->status == "active");
    CHECK(s.store.list_versions(model_id).size() == 1);
    CHECK(s.store.find_cycle(cycle_id)->status == "labeling");
}
