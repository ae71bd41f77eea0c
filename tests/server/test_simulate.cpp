// Retrospective simulation end to end on 150 real ESOL molecules: the loop runs through the
// services on a temporary database, the files agree with each other, labels grow by the
// batch, the validation set stays fixed, strategies differ and a seed repeats exactly.
#include "test_support.hpp"

#include "cli/admin_commands.hpp"
#include "cli/simulate_command.hpp"
#include "service/simulation.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
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
    CHECK_THROWS_WITH(simulate(with("--strategy", "random,greedy")),
                      Catch::Contains("unknown strategy 'greedy'"));
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
