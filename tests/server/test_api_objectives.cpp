// Goal-directed discovery over the real API (issue 16): a model's objective (stored, read
// back, carried in its artifact, refused naming the field when it does not fit), the
// discovery strategies and their refusals, and the hits and expected hits on cycles.
#include "test_support.hpp"

#include "labelloop/ensemble.hpp"
#include "labelloop/features.hpp"
#include "labelloop/model_format.hpp"
#include "labelloop/objective.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

using namespace labelloop;
using json = nlohmann::json;
using labelloop::testing::bearer;
using labelloop::testing::body_of;

namespace {

struct World {
    testing::RunningServer server;
    testing::Team team = testing::seed_team(server.services());

    httplib::Result post_raw(const std::string& path, const std::string& body) {
        auto c = server.client();
        return c.Post(path.c_str(), bearer(team.admin.token), body, "application/json");
    }
    httplib::Result post(const std::string& path, const json& body) {
        return post_raw(path, body.dump());
    }
    httplib::Result get(const std::string& path) {
        auto c = server.client();
        return c.Get(path.c_str(), bearer(team.alice.token));
    }
    std::int64_t count(const char* sql) {
        auto s = server.db().prepare(sql);
        REQUIRE(s.step());
        return s.column_int(0);
    }
};

/// The first `rows` ESOL compounds labelled as a classification property: soluble = 1 when
/// the measured logS is above -3.
service::ImportRequest soluble_import(std::size_t rows) {
    std::istringstream in(testing::esol_csv(rows));
    std::string line;
    std::getline(in, line); // header
    std::string csv = "smiles,soluble\n";
    while (std::getline(in, line)) {
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
            line.pop_back();
        }
        // SMILES (last column) and logS (the one before) hold no commas.
        const auto last = line.rfind(',');
        const auto before = line.rfind(',', last - 1);
        const double logs = std::stod(line.substr(before + 1, last - before - 1));
        csv += line.substr(last + 1) + "," + (logs > -3.0 ? "1" : "0") + "\n";
    }
    service::ImportRequest r;
    r.content = csv;
    r.label_column = "soluble";
    r.property = "soluble";
    r.dataset = "esol-class";
    return r;
}

/// numpy's default percentile: linear interpolation between order statistics.
double percentile_of(std::vector<double> v, double pct) {
    std::sort(v.begin(), v.end());
    const double pos = pct / 100.0 * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(pos);
    const auto hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

/// Recomputed here from the stored artifact (and the objective it carries): the sum of
/// P(hit) over the lineage's compounds without a label.
double expected_hits_now(service::Services& s, const domain::Model& model) {
    const auto file = load_model_file(s.store.model_artifact(model.id));
    std::vector<Features> pool;
    for (const auto& c : s.store.list_unlabeled_compounds(model.lineage_id, 1'000'000'000, 0)) {
        pool.push_back(decode_features(c.features));
    }
    double sum = 0.0;
    for (const auto& p : file.model.predict_batch(pool, false)) {
        sum += probability_of_hit(file.objective, file.model.task(), p);
    }
    return sum;
}

/// A model on the first `n` of `ids` (the rest stays in its unlabelled pool).
domain::Model create_model(service::Services& s, const std::vector<std::string>& ids, std::size_t n,
                           const std::string& name, const Objective& objective) {
    service::CreateModelRequest req;
    req.name = name;
    req.property = "logS";
    req.compound_ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n));
    req.params = testing::quick_params();
    req.objective = objective;
    return s.models.create_model(nullptr, req);
}

Objective window(double lo, double hi) {
    Objective o;
    o.kind = ObjectiveKind::Window;
    o.lo = lo;
    o.hi = hi;
    return o;
}

/// A new lineage whose model is the first member of `source` alone (training refuses fewer
/// than 2 members; a model file may still hold one).
domain::Model one_member_copy(service::Services& s, const domain::Model& source) {
    const auto file = load_model_file(s.store.model_artifact(source.id));
    EnsembleParams params = file.model.params();
    params.n_members = 1;
    const BootstrapEnsemble single(file.model.task(), file.model.layout(), params,
                                   {file.model.members().front()}, file.model.calibration(),
                                   file.model.applicability(), file.model.n_training());
    domain::Model m = source;
    m.id = util::new_uuid();
    m.lineage_id = m.id;
    m.name = "ESOL single";
    s.store.insert_model(m, save_model(single, source.objective));
    return m;
}

json wait_for_job(World& w, const std::string& job_id) {
    for (int i = 0; i < 6000; ++i) {
        const auto job = body_of(w.get("/api/v1/jobs/" + job_id));
        if (job["status"] == "succeeded" || job["status"] == "failed") {
            return job;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("the job did not finish");
    return {};
}

} // namespace

TEST_CASE("API: each objective kind is stored, read back and carried in the artifact",
          "[api][objective]") {
    World w;
    auto& s = w.server.services();
    s.compounds.import(nullptr, testing::esol_import(80));
    s.compounds.import(nullptr, soluble_import(80));

    struct Case {
        std::string name;
        std::string property;
        std::string task;
        json objective; // null: not sent
        json expected;  // null: maximize / minimize with the percentile threshold
        std::string text;
    };
    const std::vector<Case> cases = {
        {"no objective", "logS", "regression", nullptr, {{"kind", "none"}}, "none"},
        {"none", "logS", "regression", {{"kind", "none"}}, {{"kind", "none"}}, "none"},
        {"maximise", "logS", "regression", {{"kind", "maximise"}}, nullptr, "maximize (hit >= "},
        {"minimize", "logS", "regression", {{"kind", "minimize"}}, nullptr, "minimize (hit <= "},
        {"minimize -4.5",
         "logS",
         "regression",
         {{"kind", "minimize"}, {"hit_threshold", -4.5}},
         {{"kind", "minimize"}, {"hit_threshold", -4.5}},
         "minimize (hit <= -4.5)"},
        {"window",
         "logS",
         "regression",
         {{"kind", "window"}, {"lo", -3}, {"hi", -1.5}},
         {{"kind", "window"}, {"lo", -3.0}, {"hi", -1.5}},
         "window [-3, -1.5]"},
        {"class 1",
         "soluble",
         "classification",
         {{"kind", "class"}, {"class", 1}},
         {{"kind", "class"}, {"class", 1}},
         "class 1"},
        {"class 0",
         "soluble",
         "classification",
         {{"kind", "class"}, {"class", 0}, {"lo", nullptr}},
         {{"kind", "class"}, {"class", 0}},
         "class 0"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        json body = {{"name", c.name},
                     {"property", c.property},
                     {"task", c.task},
                     {"params", testing::quick_params()}};
        if (!c.objective.is_null()) {
            body["objective"] = c.objective;
        }
        const auto created = w.post("/api/v1/models", body);
        REQUIRE(created);
        REQUIRE(created->status == 201);
        const json model = body_of(created);
        json expected = c.expected;
        if (expected.is_null()) {
            // Without a hit threshold, maximize / minimize get the 90th / 10th percentile of
            // the labelled values the model starts from (training and validation).
            std::vector<double> labels;
            const json training = body_of(
                w.get("/api/v1/models/" + model["id"].get<std::string>() + "/training-set"));
            INFO(training.dump().substr(0, 300));
            for (const auto& m : training["compounds"]) {
                labels.push_back(m["label"].get<double>());
            }
            REQUIRE(labels.size() == 80);
            const bool maximize = c.text.rfind("maximize", 0) == 0;
            const double threshold = percentile_of(labels, maximize ? 90.0 : 10.0);
            REQUIRE(model["objective"]["hit_threshold"].is_number());
            CHECK(model["objective"]["hit_threshold"].get<double>() == Approx(threshold));
            expected = {{"kind", maximize ? "maximize" : "minimize"},
                        {"hit_threshold", model["objective"]["hit_threshold"]}};
            // A tenth of the labels are hits, give or take ties.
            const auto hits = std::count_if(labels.begin(), labels.end(), [&](double v) {
                return maximize ? v >= threshold : v <= threshold;
            });
            CHECK(hits >= 8);
            CHECK(hits <= 10);
        }
        CHECK(model["objective"] == expected);
        CHECK_THAT(model["objective_text"].get<std::string>(), Catch::StartsWith(c.text));

        const std::string id = model["id"].get<std::string>();
        const json again = body_of(w.get("/api/v1/models/" + id));
        CHECK(again["objective"] == expected);
        CHECK(again["objective_text"] == model["objective_text"]);
        bool listed = false;
        const json listing = body_of(w.get("/api/v1/models"));
        INFO(listing.dump().substr(0, 600));
        for (const auto& m : listing["models"]) {
            if (m["id"] == id) {
                listed = true;
                CHECK(m["objective"] == expected);
            }
        }
        CHECK(listed);

        // The browser reads the same objective from the artifact.
        auto art = w.get("/api/v1/models/" + id + "/artifact");
        REQUIRE(art);
        const auto file =
            load_model_file(std::vector<std::uint8_t>(art->body.begin(), art->body.end()));
        CHECK(to_string(file.objective.kind) == expected["kind"].get<std::string>());
        CHECK(describe(file.objective) == model["objective_text"].get<std::string>());
    }
}

TEST_CASE("API: an objective that does not fit is refused naming its field, nothing is stored",
          "[api][objective]") {
    World w;
    auto& s = w.server.services();
    s.compounds.import(nullptr, testing::esol_import(40));
    s.compounds.import(nullptr, soluble_import(40));
    const auto models_before = w.count("SELECT COUNT(*) FROM ml_models");
    const auto audit_before = w.count("SELECT COUNT(*) FROM audit_log");

    const auto body = [](const std::string& property, const std::string& task,
                         const std::string& objective) {
        return R"({"name": "refused", "property": ")" + property + R"(", "task": ")" + task +
               R"(", "params": {"n_members": 2}, "objective": )" + objective + "}";
    };
    const auto regression = [&](const std::string& o) { return body("logS", "regression", o); };
    const auto classifier = [&](const std::string& o) {
        return body("soluble", "classification", o);
    };
    const auto refused = [&](const std::string& text, int status, const std::string& field,
                             const std::string& says) {
        INFO(text);
        const auto r = w.post_raw("/api/v1/models", text);
        REQUIRE(r);
        INFO(r->body);
        CHECK(r->status == status);
        const json error = body_of(r)["error"];
        CHECK(error["details"]["field"] == field);
        CHECK_THAT(error["message"].get<std::string>(), Catch::Contains(says));
    };
    refused(regression(R"({"kind": "window", "lo": 2, "hi": -1})"), 422, "objective.lo",
            "lower bound must not be above its upper bound");
    refused(regression(R"({"kind": "window", "lo": "NaN", "hi": 1})"), 422, "objective.lo",
            "must be a number");
    // JSON has no NaN or infinity: a number beyond a double is refused as its field's value.
    refused(regression(R"({"kind": "window", "lo": -1, "hi": 1e999})"), 422, "objective.hi",
            "too large for a double");
    refused(regression(R"({"kind": "maximize", "hit_threshold": -1e999})"), 422,
            "objective.hit_threshold", "too large for a double");
    refused(regression(R"({"kind": "class", "class": 1})"), 422, "objective.kind",
            "needs a classification model");
    refused(classifier(R"({"kind": "window", "lo": 0, "hi": 1})"), 422, "objective.kind",
            "needs a regression model");
    refused(classifier(R"({"kind": "maximize"})"), 422, "objective.kind",
            "needs a regression model");
    refused(classifier(R"({"kind": "class", "class": 2})"), 422, "objective.class", "0 or 1");
    refused(classifier(R"({"kind": "class"})"), 422, "objective.class", "needs 'class'");
    refused(regression(R"({"kind": "best"})"), 422, "objective.kind", "unknown objective 'best'");
    refused(regression(R"({"kind": 3})"), 422, "objective.kind", "must be a string");
    refused(regression(R"({"lo": 1, "hi": 2})"), 422, "objective.kind", "needs 'kind'");
    refused(regression(R"({"kind": "window", "lo": -3, "hi": -1, "width": 2})"), 422,
            "objective.width", "Unknown field 'objective.width'");
    refused(regression(R"({"kind": "window", "lo": -3})"), 422, "objective.hi",
            "needs 'lo' and 'hi'");
    refused(regression(R"({"kind": "maximize", "lo": -3})"), 422, "objective.lo",
            "applies only to a window objective");
    refused(regression(R"({"kind": "window", "lo": -3, "hi": -1, "hit_threshold": -2})"), 422,
            "objective.hit_threshold", "applies only to a maximize or minimize objective");
    refused(regression(R"("maximize")"), 400, "objective", "must be an object");
    CHECK(w.count("SELECT COUNT(*) FROM ml_models") == models_before);
    CHECK(w.count("SELECT COUNT(*) FROM audit_log") == audit_before);
    CHECK(w.count("SELECT COUNT(*) FROM model_members") == 0);
}

TEST_CASE("API: discovery and spread strategies select on an objective model, bad requests are "
          "refused naming the field",
          "[api][objective][select]") {
    World w;
    auto& s = w.server.services();
    const auto ids = s.compounds.import(nullptr, testing::esol_import(120)).compound_ids;
    REQUIRE(ids.size() == 120);
    Objective maximize;
    maximize.kind = ObjectiveKind::Maximize;
    const auto max_model = create_model(s, ids, 70, "ESOL max", maximize);
    const auto window_model = create_model(s, ids, 70, "ESOL window", window(-3.0, -1.0));
    const auto plain = create_model(s, ids, 70, "ESOL plain", {});
    const auto single = one_member_copy(s, window_model);
    const std::string select = "/api/v1/active-learning/select";

    // Greedy on maximize takes the compounds predicted highest: the top of the whole pool.
    const json preview = body_of(w.post(select, {{"model_id", max_model.id},
                                                 {"strategy", "greedy"},
                                                 {"batch_size", 50},
                                                 {"preview", true}}));
    REQUIRE(preview["items"].size() == 50);
    std::vector<double> predicted;
    for (const auto& item : preview["items"]) {
        predicted.push_back(item["prediction"].get<double>());
    }
    CHECK(std::is_sorted(predicted.rbegin(), predicted.rend()));
    const json greedy = body_of(
        w.post(select, {{"model_id", max_model.id}, {"strategy", "greedy"}, {"batch_size", 4}}));
    REQUIRE(greedy["items"].size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(greedy["items"][i]["compound_id"] == preview["items"][i]["compound_id"]);
    }

    const auto selected = [&](const domain::Model& model, json request) {
        request["model_id"] = model.id;
        request["batch_size"] = 4;
        const auto r = w.post(select, request);
        REQUIRE(r);
        INFO(request.dump() << " -> " << r->body);
        REQUIRE(r->status == 201);
        const json result = body_of(r);
        CHECK(result["items"].size() == 4);
        CHECK(result["added"] == 4);
        for (const auto& item : result["items"]) {
            CHECK(item["selection_strategy"] == request["strategy"]);
        }
        const json cycle = body_of(
            w.get("/api/v1/active-learning/cycles/" + result["cycle_id"].get<std::string>()));
        CHECK(cycle["selection_strategy"] == request["strategy"]);
        return cycle;
    };
    for (const char* strategy : {"greedy", "ei", "pi", "thompson", "density", "cluster"}) {
        INFO(strategy);
        const json cycle = selected(window_model, {{"strategy", strategy}});
        CHECK(cycle["hits_found"] == 0);
        CHECK(cycle["hits_found_total"] == 0);
        CHECK(cycle["expected_hits_remaining"].get<double>() >= 0.0);
        CHECK(cycle["expected_hits_remaining"].get<double>() <= 50.0);
    }
    selected(window_model, {{"strategy", "ucb"}, {"beta", 0.5}});
    // EI and PI on maximize improve on the best training label.
    selected(max_model, {{"strategy", "ei"}});
    selected(max_model, {{"strategy", "pi"}});
    selected(max_model, {{"strategy", "ucb"}});
    // Model-improvement strategies need no objective; such a model's cycles count no hits.
    for (const char* strategy : {"density", "cluster"}) {
        const json cycle = selected(plain, {{"strategy", strategy}});
        CHECK(cycle["hits_found"].is_null());
        CHECK(cycle["hits_found_total"].is_null());
        CHECK(cycle["expected_hits_remaining"].is_null());
    }

    const auto cycles_before = w.count("SELECT COUNT(*) FROM active_learning_cycles");
    const auto queue_before = w.count("SELECT COUNT(*) FROM label_queue");
    const auto refused = [&](const domain::Model& model, json request, int status,
                             const std::string& field, const std::string& says) {
        request["model_id"] = model.id;
        request["batch_size"] = 4;
        INFO(request.dump());
        const auto r = w.post(select, request);
        REQUIRE(r);
        INFO(r->body);
        CHECK(r->status == status);
        const json error = body_of(r)["error"];
        CHECK(error["details"]["field"] == field);
        CHECK_THAT(error["message"].get<std::string>(), Catch::Contains(says));
        return error;
    };
    for (const char* strategy : {"greedy", "ucb", "ei", "pi", "thompson"}) {
        refused(plain, {{"strategy", strategy}}, 422, "strategy",
                "Model 'ESOL plain' has no objective");
    }
    refused(window_model, {{"strategy", "ucb"}, {"beta", -0.5}}, 422, "beta", ">= 0");
    refused(window_model, {{"strategy", "ucb"}, {"beta", "wide"}}, 400, "beta", "a number");
    const json unknown =
        refused(window_model, {{"strategy", "bayes"}}, 422, "strategy", "Unknown strategy 'bayes'");
    CHECK_THAT(unknown["message"].get<std::string>(),
               Catch::Contains("greedy, ucb, ei, pi, thompson"));
    CHECK(unknown["details"]["strategies"].size() == 12);
    refused(single, {{"strategy", "thompson"}}, 422, "strategy", "at least 2 members");
    refused(window_model, {{"strategy", "thompson"}, {"diversity", "maxmin"}}, 422, "diversity",
            "thompson");
    refused(window_model,
            {{"strategy", "cluster"}, {"diversity", {{"kind", "tanimoto_cap"}, {"cap", 0.5}}}}, 422,
            "diversity", "cluster");
    refused(window_model, {{"strategy", "margin"}}, 422, "threshold", "threshold");
    CHECK(w.count("SELECT COUNT(*) FROM active_learning_cycles") == cycles_before);
    CHECK(w.count("SELECT COUNT(*) FROM label_queue") == queue_before);
}

TEST_CASE("API: cycles count hits among their labels and the hits the model still expects",
          "[api][objective][cycles]") {
    World w;
    auto& s = w.server.services();
    const auto ids = s.compounds.import(nullptr, testing::esol_import(120)).compound_ids;
    const auto model = create_model(s, ids, 70, "ESOL window", window(-3.0, -1.0));
    const std::string base = "/api/v1/active-learning";

    const json first = body_of(
        w.post(base + "/select", {{"model_id", model.id}, {"strategy", "ucb"}, {"batch_size", 6}}));
    const std::string c1 = first["cycle_id"].get<std::string>();
    REQUIRE(first["items"].size() == 6);
    // At selection the selecting version scores the 50 compounds without a label (the six
    // just queued among them).
    const double expected_at_selection = expected_hits_now(s, model);
    json cycle = body_of(w.get(base + "/cycles/" + c1));
    CHECK(cycle["hits_found"] == 0);
    CHECK(cycle["hits_found_total"] == 0);
    CHECK(cycle["expected_hits_remaining"].get<double>() ==
          Approx(expected_at_selection).margin(1e-9));
    CHECK(expected_at_selection > 0.0);
    CHECK(expected_at_selection < 50.0);

    // Window [-3, -1], bounds included: -2, -1 and -3 are hits; -3.01, 0.5 and -0.99 not.
    const std::vector<double> labels = {-2.0, -1.0, -3.0, -3.01, 0.5, -0.99};
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto r =
            w.post(base + "/queue/" + first["items"][i]["id"].get<std::string>() + "/label",
                   {{"label", labels[i]}});
        REQUIRE(r);
        REQUIRE(r->status == 200);
    }
    cycle = body_of(w.get(base + "/cycles/" + c1));
    CHECK(cycle["hits_found"] == 3);
    CHECK(cycle["hits_found_total"] == 3);
    // Still the selecting version's figure while the cycle is open.
    CHECK(cycle["expected_hits_remaining"].get<double>() ==
          Approx(expected_at_selection).margin(1e-9));

    const auto retrain = w.post(base + "/cycles/" + c1 + "/retrain", {{"min_new_labels", 6}});
    REQUIRE(retrain);
    REQUIRE(retrain->status == 202);
    const json job = wait_for_job(w, body_of(retrain)["job_id"].get<std::string>());
    REQUIRE(job["status"] == "succeeded");
    const std::string v2_id = job["result"]["new_model_id"].get<std::string>();
    const auto v2 = s.models.get_model(v2_id);

    // The new version keeps the objective, in its record and its artifact.
    const json v2_json = body_of(w.get("/api/v1/models/" + v2_id));
    CHECK(v2_json["version"] == 2);
    CHECK(v2_json["objective"] == json{{"kind", "window"}, {"lo", -3.0}, {"hi", -1.0}});
    CHECK(v2_json["objective_text"] == "window [-3, -1]");
    CHECK(load_model_file(s.store.model_artifact(v2_id)).objective == model.objective);

    // After the retrain: the same hits, and what version 2 expects among the 44 compounds
    // still without a label.
    REQUIRE(s.store.count_unlabeled_compounds(model.lineage_id) == 44);
    cycle = body_of(w.get(base + "/cycles/" + c1));
    CHECK(cycle["status"] == "complete");
    CHECK(cycle["hits_found"] == 3);
    CHECK(cycle["hits_found_total"] == 3);
    CHECK(cycle["expected_hits_remaining"].get<double>() ==
          Approx(expected_hits_now(s, v2)).margin(1e-9));

    // A second cycle: its own hits, and the running total over both.
    const json second = body_of(
        w.post(base + "/select", {{"model_id", v2_id}, {"strategy", "greedy"}, {"batch_size", 4}}));
    const std::string c2 = second["cycle_id"].get<std::string>();
    const double expected_second = expected_hits_now(s, v2);
    const std::vector<double> more = {-1.5, 2.0, 3.0, -4.0};
    for (std::size_t i = 0; i < more.size(); ++i) {
        REQUIRE(w.post(base + "/queue/" + second["items"][i]["id"].get<std::string>() + "/label",
                       {{"label", more[i]}})
                    ->status == 200);
    }
    const json cycles = body_of(w.get(base + "/cycles?model_id=" + v2_id))["cycles"];
    REQUIRE(cycles.size() == 2);
    CHECK(cycles[0]["id"] == c2);
    CHECK(cycles[0]["hits_found"] == 1);
    CHECK(cycles[0]["hits_found_total"] == 4);
    CHECK(cycles[0]["expected_hits_remaining"].get<double>() ==
          Approx(expected_second).margin(1e-9));
    CHECK(cycles[1]["id"] == c1);
    CHECK(cycles[1]["hits_found"] == 3);
    CHECK(cycles[1]["hits_found_total"] == 3);
    const json stats = body_of(w.get(base + "/stats/" + v2_id));
    CHECK(stats["cycles"][0]["hits_found_total"] == 4);
}
