// D-MPNN models over the real API: create one on ESOL (graphs built by RDKit from each
// compound's SMILES), refuse absurd network sizes naming the field, select from the unlabeled
// pool with the networks' spread, label, and retrain as a job into a new mpnn version.
#include "test_support.hpp"

#include "labelloop/base64.hpp"
#include "labelloop/ensemble.hpp"
#include "labelloop/features.hpp"
#include "labelloop/model_format.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace labelloop;
using json = nlohmann::json;
using labelloop::testing::bearer;
using labelloop::testing::body_of;
using labelloop::testing::RunningServer;

namespace {

int status_of(const httplib::Result& r) {
    REQUIRE(r);
    return r->status;
}

// ESOL rows [first, last) as a CSV without labels: the pool the model selects from.
service::ImportRequest unlabeled_esol(std::size_t first, std::size_t last) {
    std::istringstream in(testing::esol_csv(last));
    std::string line;
    service::ImportRequest req;
    req.content = "";
    for (std::size_t i = 0; std::getline(in, line); ++i) {
        if (i == 0 || i > first) {
            req.content += line + "\n";
        }
    }
    req.smiles_column = "smiles";
    req.dataset = "esol-pool";
    return req;
}

} // namespace

TEST_CASE("API: an mpnn model is created, selects from the pool and retrains", "[api][mpnn]") {
    RunningServer server;
    const auto team = testing::seed_team(server.services());
    const std::string& admin = team.admin.token;
    auto& s = server.services();
    REQUIRE(s.compounds.import(nullptr, testing::esol_import(150)).imported > 100);
    REQUIRE(s.compounds.import(nullptr, unlabeled_esol(150, 210)).imported > 40);
    const auto post = [&](const std::string& path, const json& body) {
        auto c = server.client();
        return c.Post(path.c_str(), bearer(admin), body.dump(), "application/json");
    };
    const auto get = [&](const std::string& path) {
        auto c = server.client();
        return c.Get(path.c_str(), bearer(admin));
    };

    json create = {{"name", "ESOL mpnn"},
                   {"property", "logS"},
                   {"dataset", "esol"},
                   {"params",
                    {{"member_type", "mpnn"},
                     {"n_members", 3},
                     {"seed", 5},
                     {"mpnn", {{"epochs", 8}, {"hidden", 32}, {"ffn_width", 32}}}}}};

    // Absurd sizes: 422 naming the field, nothing created.
    const auto refused = [&](const json& params, const std::string& field) {
        json body = create;
        body["params"] = params;
        const auto r = post("/api/v1/models", body);
        CHECK(status_of(r) == 422);
        const std::string message = body_of(r)["error"]["message"];
        INFO(message);
        CHECK(message.find(field) != std::string::npos);
    };
    refused({{"member_type", "mpnn"}, {"mpnn", {{"depth", 50}}}}, "mpnn.depth");
    refused({{"member_type", "mpnn"}, {"mpnn", {{"hidden", 1000000}}}}, "mpnn.hidden");
    refused({{"member_type", "mpnn"}, {"mpnn", {{"epochs", 100000}}}}, "mpnn.epochs");
    refused({{"member_type", "mpnn"}, {"mpnn", {{"learning_rate", 5}}}}, "mpnn.learning_rate");
    refused({{"member_type", "mpnn"}, {"n_members", 1000}}, "n_members");
    refused({{"member_type", "mpnn"}, {"mpnn", {{"layers", 2}}}}, "mpnn.layers");
    CHECK(body_of(get("/api/v1/models"))["models"].empty());

    const auto created = post("/api/v1/models", create);
    REQUIRE(status_of(created) == 201);
    const json model = body_of(created);
    INFO(model.dump());
    const std::string id = model["id"];
    CHECK(model["params"]["member_type"] == "mpnn");
    CHECK(model["params"]["n_members"] == 3);
    CHECK(model["params"]["mpnn"]["epochs"] == 8);
    CHECK(model["params"]["mpnn"]["use_descriptors"] == true);
    CHECK(std::isfinite(model["metrics"]["rmse"].get<double>()));
    CHECK(model["metrics"]["graph_refused"]["train"] == 0);
    CHECK(model["metrics"]["graph_refused"]["validation"] == 0);
    CHECK(model["metrics"]["calibration"]["n_oob"].get<int>() > 0);

    // The artifact is an mpnn ensemble the core loads.
    const auto art = get("/api/v1/models/" + id + "/artifact");
    REQUIRE(status_of(art) == 200);
    const auto loaded =
        load_model(reinterpret_cast<const std::uint8_t*>(art->body.data()), art->body.size());
    CHECK(loaded.params().member_type == MemberType::Mpnn);
    CHECK(loaded.n_members() == 3);
    CHECK(loaded.params().mpnn.hidden == 32);

    // The browser's path: the pool with graphs=1 carries each molecule graph in its features,
    // and the model file scores them to the server's own predictions.
    const auto pool_res = get("/api/v1/compounds?unlabeled_for_model=" + id + "&graphs=1");
    REQUIRE(status_of(pool_res) == 200);
    const json pool = body_of(pool_res);
    std::map<std::string, double> browser_prediction;
    for (const auto& c : pool["compounds"]) {
        CHECK_FALSE(c.contains("graph_error"));
        const auto f = decode_features(base64_decode(c["features"].get<std::string>()));
        REQUIRE(f.graph != nullptr);
        CHECK(f.graph->n_atoms > 0);
        browser_prediction[c["id"].get<std::string>()] = loaded.predict(f).mean;
    }
    CHECK(browser_prediction.size() > 40);
    const auto plain = get("/api/v1/compounds?unlabeled_for_model=" + id);
    REQUIRE(status_of(plain) == 200);
    const json plain_pool = body_of(plain);
    CHECK(plain_pool["compounds"].size() == pool["compounds"].size());
    for (const auto& c : plain_pool["compounds"]) {
        CHECK(decode_features(base64_decode(c["features"].get<std::string>())).graph == nullptr);
    }
    const auto bad = get("/api/v1/compounds?unlabeled_for_model=" + id + "&graphs=yes");
    CHECK(status_of(bad) == 422);
    CHECK(body_of(bad)["error"]["message"] == "graphs must be 0 or 1, got 'yes'.");

    // Select from the unlabeled pool: the networks disagree, so uncertainty ranks.
    const auto sel_res = post("/api/v1/active-learning/select",
                              {{"model_id", id}, {"strategy", "uncertainty"}, {"batch_size", 6}});
    REQUIRE(status_of(sel_res) == 201);
    const json sel = body_of(sel_res);
    REQUIRE(sel["items"].size() == 6);
    double previous = HUGE_VAL;
    for (const auto& item : sel["items"]) {
        const double u = item["uncertainty"];
        CHECK(std::isfinite(item["prediction"].get<double>()));
        CHECK(u > 0.0);
        CHECK(u <= previous); // most uncertain first
        previous = u;
    }
    // The server scored the selection with the same model and graphs as the browser path.
    for (const auto& item : sel["items"]) {
        const auto it = browser_prediction.find(item["compound_id"].get<std::string>());
        REQUIRE(it != browser_prediction.end());
        CHECK(it->second == Approx(item["prediction"].get<double>()).epsilon(1e-12));
    }

    // Label three and retrain as a job: the new version is an mpnn model too.
    for (int i = 0; i < 3; ++i) {
        const std::string item = sel["items"][i]["id"];
        REQUIRE(status_of(post("/api/v1/active-learning/queue/" + item + "/label",
                               {{"label", -2.0 - 0.5 * i}})) == 200);
    }
    const std::string cycle = sel["cycle_id"];
    const auto accepted =
        post("/api/v1/active-learning/cycles/" + cycle + "/retrain", {{"min_new_labels", 3}});
    REQUIRE(status_of(accepted) == 202);
    const std::string job_id = body_of(accepted)["job_id"];
    json job;
    std::vector<std::string> messages; // what a scientist watching the job sees
    for (int i = 0; i < 6000; ++i) {
        job = body_of(get("/api/v1/jobs/" + job_id));
        if (job["status"] == "succeeded" || job["status"] == "failed") {
            break;
        }
        const std::string message = job["message"];
        if (messages.empty() || messages.back() != message) {
            messages.push_back(message);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    INFO(job.dump());
    REQUIRE(job["status"] == "succeeded");
    // While it trained, the job said which network was at which epoch, with its loss.
    static const std::regex epoch_line(
        R"(training version 2: \d of 3 networks done, network \d at epoch \d/8, loss \d+\.\d{3})");
    CAPTURE(messages);
    CHECK(std::any_of(messages.begin(), messages.end(),
                      [](const std::string& m) { return std::regex_search(m, epoch_line); }));
    const std::string v2 = job["result"]["new_model_id"];
    const json m2 = body_of(get("/api/v1/models/" + v2));
    CHECK(m2["version"] == 2);
    CHECK(m2["params"]["member_type"] == "mpnn");
    CHECK(m2["params"]["mpnn"]["hidden"] == 32);
    CHECK(std::isfinite(m2["metrics"]["rmse"].get<double>()));
    // The open items were re-scored by the new networks.
    const auto queue = body_of(get("/api/v1/active-learning/queue?model_id=" + v2));
    for (const auto& item : queue["items"]) {
        if (item["status"] == "pending") {
            CHECK(std::isfinite(item["prediction"].get<double>()));
        }
    }
    // A second selection with the new version works on the remaining pool.
    const auto again = post("/api/v1/active-learning/select",
                            {{"model_id", v2}, {"strategy", "uncertainty"}, {"batch_size", 4}});
    REQUIRE(status_of(again) == 201);
    CHECK(body_of(again)["items"].size() == 4);
}
