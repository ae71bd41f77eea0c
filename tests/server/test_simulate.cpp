// Retrospective simulation end to end on real ESOL molecules: the loop runs through the
// services on a temporary database, the files agree with each other, labels grow by the
// batch, the validation set stays fixed, strategies differ and a seed repeats exactly; with
// an objective greedy finds the pool's best compounds far faster than random; the scaffold
// split keeps the held-out share's scaffolds unseen; bad options get precise errors.
#include "test_support.hpp"

#include "cli/admin_commands.hpp"
#include "cli/simulate_command.hpp"
#include "service/simulation.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

using namespace labelloop;
using json = nlohmann::json;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Runs `labelloop simulate` with stdout and stderr captured; returns stdout.
std::string simulate(const std::vector<std::string>& args, std::string* progress = nullptr) {
    std::ostringstream out;
    std::ostringstream err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    try {
        const int rc = cli::run_simulate_command(args);
        std::cout.rdbuf(old_out);
        std::cerr.rdbuf(old_err);
        REQUIRE(rc == 0);
    } catch (...) {
        std::cout.rdbuf(old_out);
        std::cerr.rdbuf(old_err);
        throw;
    }
    if (progress != nullptr) {
        *progress = err.str();
    }
    return out.str();
}

std::vector<std::string> base_args(const std::string& csv, const std::string& out) {
    return {"--data",     csv,
            "--smiles",   "smiles",
            "--target",   "measured log solubility in mols per litre",
            "--task",     "regression",
            "--strategy", "random,uncertainty",
            "--batch",    "10",
            "--cycles",   "2",
            "--init",     "20",
            "--seeds",    "1",
            "--members",  "4",
            "--params",   R"({"boosting_rounds":10})",
            "--out",      out};
}

} // namespace

TEST_CASE("simulate: a small ESOL run writes consistent curves and repeats by seed", "[simulate]") {
    testing::TempDir dir;
    const std::string csv = dir.file("esol150.csv");
    std::ofstream(csv) << testing::esol_csv(150);

    std::string progress;
    const std::string report = simulate(base_args(csv, dir.file("a")), &progress);
    CHECK(progress.find("cycle 2/2") != std::string::npos);
    CHECK(report.find("random:") != std::string::npos);
    CHECK(report.find("uncertainty:") != std::string::npos);
    CHECK(report.find("labels to reach the target") != std::string::npos);
    CHECK(report.find("stopping suggestion") != std::string::npos);

    const json sim = json::parse(slurp(dir.file("a") + "/simulation.json"));
    CHECK(sim["format"] == "labelloop-simulation");
    CHECK(sim["metric"] == "rmse");
    CHECK(sim["higher_is_better"] == false);
    const double full = sim["full_pool"]["metric"];
    CHECK(full > 0.0);
    CHECK(sim["full_pool"]["target"].get<double>() == Approx(full * 1.05));
    // 150 rows, 30 in validation (0.2), the rest is the candidate pool
    CHECK(sim["n_validation"].get<int>() + sim["n_pool"].get<int>() ==
          sim["n_compounds"].get<int>());
    CHECK(sim["n_validation"].get<int>() == Approx(0.2 * sim["n_compounds"].get<int>()).margin(1));
    REQUIRE(sim["strategies"].size() == 2);
    std::vector<std::vector<double>> metrics;
    for (const auto& s : sim["strategies"]) {
        REQUIRE(s["runs"].size() == 1);
        const auto& run = s["runs"][0];
        CHECK(run["labels"] == json::array({20, 30, 40})); // init, then + batch per cycle
        CHECK(run["metric"].size() == 3);
        CHECK(run["uncertainty"].size() == 3);
        CHECK(s["mean"]["metric"] == run["metric"]); // one seed: the mean is the run
        CHECK(s["mean"]["sd"] == json::array({0.0, 0.0, 0.0}));
        metrics.push_back(run["metric"].get<std::vector<double>>());
    }
    CHECK(sim["strategies"][0]["name"] == "random");
    CHECK(sim["strategies"][0]["area_ratio_vs_random"].get<double>() == Approx(1.0));
    CHECK(sim["strategies"][1]["area_ratio_vs_random"].is_number());
    // Same initial set: both start at the same score; then the picks differ.
    CHECK(metrics[0][0] == metrics[1][0]);
    CHECK(metrics[0] != metrics[1]);

    // The CSV holds the same numbers: 2 strategies x 3 points per run + 3 mean rows each.
    const std::string curves = slurp(dir.file("a") + "/curves.csv");
    std::istringstream lines(curves);
    std::string line;
    std::getline(lines, line);
    CHECK(line == "strategy,seed,cycle,labels,metric,sd,uncertainty");
    int rows = 0;
    while (std::getline(lines, line)) {
        ++rows;
    }
    CHECK(rows == 12);
    CHECK(curves.find("uncertainty,0,2,40,") != std::string::npos);
    CHECK(curves.find("random,mean,0,20,") != std::string::npos);

    const std::string svg = slurp(dir.file("a") + "/learning_curves.svg");
    CHECK(svg.find("<svg") == 0);
    CHECK(svg.find(">uncertainty</text>") != std::string::npos);

    // The validation set is the same compounds for every run: the split file lists them once,
    // and the initial set of the seed comes from the pool.
    const json split = json::parse(slurp(dir.file("a") + "/split.json"));
    int n_validation = 0;
    for (const auto& c : split["compounds"]) {
        n_validation += c["role"] == "validation" ? 1 : 0;
    }
    CHECK(n_validation == sim["n_validation"].get<int>());
    REQUIRE(split["init"].size() == 1);
    CHECK(split["init"][0].size() == 20);

    // Same seed, same options: identical curves and split.
    simulate(base_args(csv, dir.file("b")));
    CHECK(slurp(dir.file("b") + "/curves.csv") == curves);
    CHECK(slurp(dir.file("b") + "/split.json") == slurp(dir.file("a") + "/split.json"));
}

TEST_CASE("simulate: the fixed validation set is honoured by model create", "[simulate]") {
    testing::TempDir dir;
    service::Services s(dir.file("v.db"));
    s.compounds.import(nullptr, testing::esol_import(40));
    const auto labeled = s.store.labeled_compounds("logS", std::nullopt);
    REQUIRE(labeled.size() >= 30);
    service::CreateModelRequest req;
    req.name = "fixed";
    req.property = "logS";
    req.params = testing::quick_params();
    for (std::size_t i = 0; i < 30; ++i) {
        req.compound_ids.push_back(labeled[i].compound_id);
    }
    req.validation_compound_ids = {labeled[3].compound_id, labeled[7].compound_id,
                                   labeled[11].compound_id};
    const auto model = s.models.create_model(nullptr, req);
    CHECK(model.n_train == 27);
    CHECK(model.n_validation == 3);
    std::vector<std::string> validation;
    for (const auto& m : s.store.members(model.lineage_id, "validation")) {
        validation.push_back(m.compound_id);
    }
    std::sort(validation.begin(), validation.end());
    auto expected = req.validation_compound_ids;
    std::sort(expected.begin(), expected.end());
    CHECK(validation == expected);

    req.name = "bad";
    req.validation_compound_ids = {"no-such-compound"};
    CHECK_THROWS_WITH(s.models.create_model(nullptr, req),
                      Catch::Contains("validation_compound_ids"));
}

TEST_CASE("simulate: bad arguments get clear errors", "[simulate]") {
    testing::TempDir dir;
    const std::string csv = dir.file("esol60.csv");
    std::ofstream(csv) << testing::esol_csv(60);
    auto with = [&](const std::string& key, const std::string& value) {
        auto args = base_args(csv, dir.file("out"));
        for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
            if (args[i] == key) {
                args[i + 1] = value;
            }
        }
        return args;
    };
    CHECK_THROWS_WITH(simulate(with("--target", "logS")), Catch::Contains("logS"));
    CHECK_THROWS_WITH(simulate(with("--smiles", "structure")), Catch::Contains("structure"));
    CHECK_THROWS_WITH(simulate(with("--strategy", "random,best")),
                      Catch::Contains("unknown strategy 'best'") && Catch::Contains("greedy") &&
                          Catch::Contains("cluster") && Catch::Contains("+maxmin"));
    CHECK_THROWS_WITH(simulate(with("--strategy", "uncertainty+spread")),
                      Catch::Contains("unknown diversity 'spread'"));
    // A discovery strategy needs to know what it is after.
    CHECK_THROWS_WITH(simulate(with("--strategy", "random,greedy")),
                      Catch::Contains("strategy 'greedy' ranks toward an objective") &&
                          Catch::Contains("--objective"));
    CHECK_THROWS_WITH(simulate(with("--strategy", "ucb")), Catch::Contains("--objective"));
    CHECK_THROWS_WITH(simulate(with("--strategy", "margin")), Catch::Contains("--threshold"));
    CHECK_THROWS_WITH(simulate(with("--task", "ranking")), Catch::Contains("--task"));
    CHECK_THROWS_WITH(simulate(with("--batch", "ten")), Catch::Contains("--batch"));
    auto time_split = base_args(csv, dir.file("out"));
    time_split.insert(time_split.end(), {"--split", "time"});
    CHECK_THROWS_WITH(simulate(time_split), Catch::Contains("--split"));
    // 60 rows: 48 outside validation; 20 + 10 x 5 = 70 labels cannot be had
    CHECK_THROWS_WITH(simulate(with("--cycles", "5")),
                      Catch::Contains("only 48 compounds outside the validation set"));
    CHECK_THROWS_WITH(simulate(with("--init", "100")), Catch::Contains("--init 100"));
    CHECK_THROWS_WITH(simulate(with("--data", dir.file("missing.csv"))),
                      Catch::Contains("cannot read"));
    CHECK_THROWS_WITH(simulate(with("--task", "classification")),
                      Catch::Contains("must be 0 or 1"));
    CHECK_THROWS_WITH(cli::run_simulate_command({"--data", csv}),
                      Catch::Contains("simulate needs --target"));
    CHECK_THROWS_WITH(simulate(with("--members", "0")), Catch::Contains("--members"));
}

TEST_CASE("simulate: bad objective, beta and strategy combinations get precise errors",
          "[simulate]") {
    testing::TempDir dir;
    const std::string csv = dir.file("esol60.csv");
    std::ofstream(csv) << testing::esol_csv(60);
    auto with = [&](std::vector<std::string> extra) {
        auto args = base_args(csv, dir.file("out"));
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    auto with_strategy = [&](const std::string& strategy, std::vector<std::string> extra) {
        auto args = with(std::move(extra));
        args[9] = strategy; // after "--strategy"
        return args;
    };
    REQUIRE(base_args(csv, "")[8] == "--strategy");
    CHECK_THROWS_WITH(simulate(with({"--objective", "window:3:1"})),
                      Catch::Contains("--objective 'window:3:1'") &&
                          Catch::Contains("lower bound 3 is above the upper bound 1"));
    CHECK_THROWS_WITH(simulate(with({"--objective", "window:1"})),
                      Catch::Contains("needs both bounds"));
    CHECK_THROWS_WITH(simulate(with({"--objective", "window:one:3"})),
                      Catch::Contains("'one' is not a number"));
    CHECK_THROWS_WITH(simulate(with({"--objective", "window:nan:3"})),
                      Catch::Contains("must be finite"));
    CHECK_THROWS_WITH(simulate(with({"--objective", "highest"})),
                      Catch::Contains("unknown --objective 'highest'") &&
                          Catch::Contains("window:LO:HI"));
    CHECK_THROWS_WITH(simulate(with({"--objective", "class:2"})),
                      Catch::Contains("class:1 or class:0"));
    // An objective that does not fit the task.
    CHECK_THROWS_WITH(simulate(with({"--objective", "class:1"})),
                      Catch::Contains("--objective class 1 on a regression task") &&
                          Catch::Contains("needs a classification model"));
    CHECK_THROWS_WITH(simulate(with({"--objective", "maximize", "--beta", "-1"})),
                      Catch::Contains("--beta must be a finite number >= 0, got -1"));
    CHECK_THROWS_WITH(simulate(with({"--objective", "maximize", "--beta", "wide"})),
                      Catch::Contains("--beta expects a number"));
    CHECK_THROWS_WITH(simulate(with_strategy("thompson+maxmin", {"--objective", "maximize"})),
                      Catch::Contains("thompson") && Catch::Contains("not +maxmin"));
    CHECK_THROWS_WITH(simulate(with_strategy("cluster+maxmin", {})),
                      Catch::Contains("strategy 'cluster' spreads its batch"));
    CHECK_THROWS_WITH(
        simulate(with_strategy("thompson", {"--objective", "maximize", "--members", "1"})),
        Catch::Contains("needs --members 2 or more"));
    CHECK_THROWS_WITH(simulate(with({"--batch", "0%"})),
                      Catch::Contains("--batch as a share of the pool must be above 0 %"));
    // 48 pool compounds: 10 % of them is 5, too few to start a model.
    CHECK_THROWS_WITH(simulate(with({"--init", "10%"})),
                      Catch::Contains("--init must be at least 10") &&
                          Catch::Contains("got 5 (10 % of the pool)"));
    CHECK_THROWS_WITH(simulate(with({"--split", "scaffold", "--held-out", "1"})),
                      Catch::Contains("--held-out must be at least 0 and below 1"));
    // Nearly the whole pool held out: too few compounds left for the initial set.
    CHECK_THROWS_WITH(simulate(with({"--split", "scaffold", "--held-out", "0.9"})),
                      Catch::Contains("initial set needs 20 compounds") &&
                          Catch::Contains("--held-out"));
}

TEST_CASE("simulate: hit sets, discovery points and enrichment by hand", "[simulate]") {
    using service::make_hit_sets;
    std::vector<double> values;
    for (int v = 1; v <= 40; ++v) {
        values.push_back(v);
    }
    values.push_back(40.0); // a tie with the best: both are in the top 1 %
    Objective maximize;
    maximize.kind = ObjectiveKind::Maximize;
    auto sets = make_hit_sets(maximize, values);
    REQUIRE(sets.size() == 2);
    CHECK(sets[0].name == "top_1");
    CHECK(sets[0].count == 2); // ceil(0.41) = 1 compound, plus its tie
    CHECK(*sets[0].cutoff == 40.0);
    CHECK(sets[0].hit[39]);
    CHECK(sets[0].hit[40]);
    CHECK(sets[1].name == "top_5");
    CHECK(sets[1].count == 3); // ceil(2.05) = 3: 40, 40, 39
    CHECK(*sets[1].cutoff == 39.0);
    CHECK(*sets[1].estimate_objective.hit_threshold == 39.0);

    Objective minimize;
    minimize.kind = ObjectiveKind::Minimize;
    sets = make_hit_sets(minimize, values);
    CHECK(sets[0].count == 1);
    CHECK(*sets[0].cutoff == 1.0);
    CHECK(sets[0].hit[0]);
    CHECK(sets[1].definition.find("value <= 3") != std::string::npos);

    Objective window;
    window.kind = ObjectiveKind::Window;
    window.lo = 10;
    window.hi = 19.5;
    sets = make_hit_sets(window, values);
    REQUIRE(sets.size() == 1);
    CHECK(sets[0].name == "window");
    CHECK(sets[0].count == 10);
    CHECK(make_hit_sets(Objective{}, values).empty());

    // Four pool compounds, two hits of class 1; compound 0 (a hit) labelled. The model's
    // P(class 1) for the unlabelled 1, 2, 3: 0.9, 0.2, 0.5 -> 1.6 expected, 1 true remaining.
    Objective positive;
    positive.kind = ObjectiveKind::Class;
    sets = make_hit_sets(positive, {1, 1, 0, 0});
    REQUIRE(sets.size() == 1);
    CHECK(sets[0].name == "class_1");
    service::DiscoveryTrace trace;
    std::vector<Prediction> p(3);
    p[0].mean = 0.9;
    p[1].mean = 0.2;
    p[2].mean = 0.5;
    service::record_point(trace, sets, Task::Classification, {true, false, false, false}, p);
    CHECK(trace.labels == std::vector<double>{1});
    CHECK(trace.found[0] == std::vector<double>{1});
    CHECK(trace.true_remaining[0] == std::vector<double>{1});
    CHECK(trace.expected_remaining[0][0] == Approx(1.6));
    CHECK_THROWS(
        service::record_point(trace, sets, Task::Classification, {true, true, false, false}, p));

    // Enrichment: pool of 100, 10 hits. A run finding 1, 3, 6 hits at 5, 10, 20 labels:
    // at 10 % of the pool 30 % found = 3 x random's expectation; random's run found 1 at 10.
    sets[0].count = 10;
    service::DiscoveryTrace run;
    run.labels = {5, 10, 20};
    run.found = {{1, 3, 6}};
    run.expected_remaining = {{9, 7, 4}};
    run.true_remaining = {{9, 7, 4}};
    service::DiscoveryTrace random = run;
    random.found = {{0, 1, 2}};
    random.expected_remaining = {{11, 10, 9}};
    random.true_remaining = {{10, 9, 8}};
    const auto r = service::summarize_discovery(sets, {&random}, 100, nullptr);
    CHECK(r[0].estimate.mae == Approx(1.0));
    CHECK(r[0].estimate.bias == Approx(1.0));
    CHECK(*r[0].estimate.correlation == Approx(1.0));
    const auto s = service::summarize_discovery(sets, {&run}, 100, &r);
    REQUIRE(s[0].enrichment.size() == 3);
    CHECK(*s[0].enrichment[1].found_fraction == Approx(0.3));
    CHECK(*s[0].enrichment[1].vs_expected == Approx(3.0));
    CHECK(*s[0].enrichment[1].vs_random == Approx(3.0));
    CHECK(*s[0].enrichment[2].vs_random == Approx(3.0));
    CHECK(!s[0].enrichment[0].vs_random); // random had found none yet
    CHECK(s[0].estimate.mae == 0.0);
    CHECK(*service::interpolate({5, 10, 20}, {1, 3, 6}, 15) == Approx(4.5));
    CHECK(!service::interpolate({5, 10, 20}, {1, 3, 6}, 21));
    CHECK(*service::interpolate({5, 10, 20}, {1, 3, 6}, 21, 1.0) == 6);
}

TEST_CASE("simulate: greedy toward maximize finds the soluble compounds far faster than random",
          "[simulate]") {
    testing::TempDir dir;
    const std::string csv = dir.file("esol600.csv");
    std::ofstream(csv) << testing::esol_csv(600);
    // 600 rows -> ~478 pool compounds; 24 initial (5 %) + 6 x 12 = 20 % of the pool.
    simulate({"--data",      csv,
              "--target",    "measured log solubility in mols per litre",
              "--task",      "regression",
              "--strategy",  "random,greedy,ucb",
              "--objective", "maximize",
              "--batch",     "12",
              "--cycles",    "6",
              "--init",      "24",
              "--seeds",     "2",
              "--members",   "8",
              "--params",    R"({"boosting_rounds":20})",
              "--out",       dir.file("d")});
    const json sim = json::parse(slurp(dir.file("d") + "/simulation.json"));
    CHECK(sim["objective"]["kind"] == "maximize");
    const auto& discovery = sim["discovery"];
    REQUIRE(discovery["hit_sets"].size() == 2);
    CHECK(discovery["hit_sets"][1]["name"] == "top_5");
    const int n_pool = sim["n_pool"];
    CHECK(discovery["hit_sets"][1]["count"].get<int>() >= n_pool / 20);
    std::map<std::string, json> by_name;
    for (const auto& s : discovery["strategies"]) {
        by_name[s["name"]] = s;
    }
    REQUIRE(by_name.count("random") == 1);
    REQUIRE(by_name.count("greedy") == 1);
    // At 20 % of the pool labelled greedy has found at least 3x the top-5 % hits random found,
    // and 3x what random finds on average (20 % of them).
    const auto& greedy = by_name["greedy"]["enrichment"]["top_5"][2];
    const auto& random = by_name["random"]["enrichment"]["top_5"][2];
    CHECK(greedy["pool_fraction"] == 0.2);
    REQUIRE(greedy["found_fraction"].is_number());
    REQUIRE(random["found_fraction"].is_number());
    CHECK(greedy["found_fraction"].get<double>() >= 3.0 * random["found_fraction"].get<double>());
    CHECK(greedy["vs_expected"].get<double>() >= 3.0);
    CHECK(greedy["vs_random"].get<double>() >= 3.0);
    // Every run starts from the same initial set: same hits found at the first point.
    CHECK(by_name["greedy"]["runs"][0]["found"]["top_5"][0] ==
          by_name["random"]["runs"][0]["found"]["top_5"][0]);
    // Per run: labels grow by the batch; found + true remaining = the set; the estimate is
    // a number of compounds between 0 and the unlabelled pool.
    const int top5 = discovery["hit_sets"][1]["count"];
    for (const auto& run : by_name["ucb"]["runs"]) {
        CHECK(run["labels"] == json::array({24, 36, 48, 60, 72, 84, 96}));
        for (std::size_t i = 0; i < run["labels"].size(); ++i) {
            CHECK(run["found"]["top_5"][i].get<double>() +
                      run["true_remaining"]["top_5"][i].get<double>() ==
                  top5);
            const double expected = run["expected_remaining"]["top_5"][i];
            CHECK(expected >= 0.0);
            CHECK(expected <= n_pool - run["labels"][i].get<double>());
        }
    }
    // The CSV and one plot per hit set.
    const std::string csv_text = slurp(dir.file("d") + "/discovery.csv");
    CHECK(csv_text.rfind("strategy,seed,cycle,labels,hit_set,found,found_fraction,sd,"
                         "expected_remaining,true_remaining\n",
                         0) == 0);
    CHECK(csv_text.find("\ngreedy,1,6,96,top_5,") != std::string::npos);
    CHECK(csv_text.find("\nrandom,mean,0,24,top_1,") != std::string::npos);
    CHECK(slurp(dir.file("d") + "/discovery_top_1.svg").find(">greedy</text>") !=
          std::string::npos);
    CHECK(slurp(dir.file("d") + "/discovery_top_5.svg").find("expected at random") !=
          std::string::npos);
    // The split file carries the hit sets for peers.
    const json split = json::parse(slurp(dir.file("d") + "/split.json"));
    CHECK(split["objective"]["kind"] == "maximize");
    CHECK(split["hit_sets"][1]["pool_indices"].size() == static_cast<std::size_t>(top5));
}

TEST_CASE("simulate: the scaffold split keeps the held-out pool share's scaffolds unseen and "
          "repeats by seed",
          "[simulate]") {
    testing::TempDir dir;
    const std::string csv = dir.file("esol300.csv");
    std::ofstream(csv) << testing::esol_csv(300);
    auto args = [&](const std::string& out) {
        return std::vector<std::string>{
            "--data",    csv,          "--target",   "measured log solubility in mols per litre",
            "--task",    "regression", "--strategy", "random,density,cluster",
            "--batch",   "4%",         "--cycles",   "2",
            "--init",    "10%",        "--seeds",    "2",
            "--members", "4",          "--params",   R"({"boosting_rounds":10})",
            "--split",   "scaffold",   "--out",      out};
    };
    const std::string report = simulate(args(dir.file("a")));
    CHECK(report.find("scaffold split") != std::string::npos);
    CHECK(report.find("density:") != std::string::npos);
    CHECK(report.find("cluster:") != std::string::npos);
    const json split = json::parse(slurp(dir.file("a") + "/split.json"));
    CHECK(split["split"] == "scaffold");
    // Sizes given as shares of the pool: resolved on the pool the validation split left.
    const json sim = json::parse(slurp(dir.file("a") + "/simulation.json"));
    const double n_pool = sim["n_pool"];
    CHECK(sim["init"] == std::llround(0.1 * n_pool));
    CHECK(sim["batch"] == static_cast<std::int64_t>(std::ceil(0.04 * n_pool)));
    CHECK(split["init"][0].size() == sim["init"].get<std::size_t>());
    std::vector<json> pool;
    std::set<std::string> validation_scaffolds;
    for (const auto& c : split["compounds"]) {
        if (c["role"] == "pool") {
            pool.push_back(c);
        } else if (c["scaffold"] != "") { // acyclic compounds are each a group of their own
            validation_scaffolds.insert(c["scaffold"].get<std::string>());
        }
    }
    REQUIRE(split["held_out"].size() == 2);
    for (std::size_t seed = 0; seed < 2; ++seed) {
        std::set<std::string> held_out_scaffolds;
        const auto held_out = split["held_out"][seed].get<std::vector<std::size_t>>();
        // About half the pool, never more.
        CHECK(held_out.size() <= pool.size() / 2);
        CHECK(held_out.size() >= pool.size() / 4);
        for (std::size_t i : held_out) {
            const std::string scaffold = pool[i]["scaffold"];
            if (!scaffold.empty()) {
                held_out_scaffolds.insert(scaffold);
            }
        }
        const std::set<std::size_t> held(held_out.begin(), held_out.end());
        for (std::size_t i = 0; i < pool.size(); ++i) {
            const std::string scaffold = pool[i]["scaffold"];
            // Validation scaffolds never occur in the pool.
            CHECK(validation_scaffolds.count(scaffold) == 0);
            // Outside the held-out share there is no held-out scaffold.
            if (held.count(i) == 0 && !scaffold.empty()) {
                CHECK(held_out_scaffolds.count(scaffold) == 0);
            }
        }
        for (std::size_t i : split["init"][seed].get<std::vector<std::size_t>>()) {
            CHECK(held.count(i) == 0);
        }
    }
    CHECK(split["held_out"][0] != split["held_out"][1]);
    // Same seeds, same split and curves.
    simulate(args(dir.file("b")));
    CHECK(slurp(dir.file("b") + "/split.json") == slurp(dir.file("a") + "/split.json"));
    CHECK(slurp(dir.file("b") + "/curves.csv") == slurp(dir.file("a") + "/curves.csv"));
}
