// The admin command line against a database file: user, token, import and model create
// mirror the API, and usage errors say what is wrong.
#include "test_support.hpp"

#include "cli/admin_commands.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

using namespace labelloop;

namespace {

/// Runs a CLI command with std::cout captured.
std::string run(int (*command)(const std::vector<std::string>&),
                const std::vector<std::string>& args) {
    std::ostringstream captured;
    auto* old = std::cout.rdbuf(captured.rdbuf());
    try {
        const int rc = command(args);
        std::cout.rdbuf(old);
        REQUIRE(rc == 0);
    } catch (...) {
        std::cout.rdbuf(old);
        throw;
    }
    return captured.str();
}

} // namespace

TEST_CASE("CLI: user add, token add, import and model create", "[cli]") {
    testing::TempDir dir;
    const std::string db = dir.file("cli.db");
    const std::string csv = dir.file("esol.csv");
    std::ofstream(csv) << testing::esol_csv(60) << "Broken,0,0,0,0,0,0,0,-1,C1CC(\n";

    const auto added =
        run(cli::run_user_command, {"add", "--name", "ada", "--role", "admin", "--db", db});
    CHECK(added.find("API token (shown only now): ll_") != std::string::npos);
    const auto token = run(cli::run_token_command, {"add", "--user", "ada", "--db", db});
    CHECK(token.find("ll_") != std::string::npos);
    CHECK_THROWS_WITH(run(cli::run_token_command, {"add", "--user", "nobody", "--db", db}),
                      Catch::Contains("no user named 'nobody'"));
    CHECK_THROWS_AS(run(cli::run_user_command, {"add", "--name", "x", "--db", db}),
                    cli::UsageError);
    CHECK_THROWS_AS(run(cli::run_user_command, {"remove"}), cli::UsageError);

    const auto imported =
        run(cli::run_import_command, {"--file", csv, "--id-column", "Compound ID", "--label-column",
                                      "measured log solubility in mols per litre", "--property",
                                      "logS", "--dataset", "esol", "--db", db});
    CHECK(imported.find("60 new compounds") != std::string::npos);
    CHECK(imported.find("row 62: ") != std::string::npos);

    const auto created =
        run(cli::run_model_command, {"create", "--name", "ESOL", "--property", "logS", "--dataset",
                                     "esol", "--members", "8", "--seed", "5", "--db", db});
    CHECK(created.find("version 1, 48 training / 12 validation") != std::string::npos);
    CHECK_THROWS_AS(run(cli::run_model_command, {"create", "--name", "x", "--property", "logS",
                                                 "--members", "many", "--db", db}),
                    cli::UsageError);

    service::Services s(db);
    CHECK(s.store.list_models().size() == 1);
    CHECK(s.store.list_users().size() == 1);
}

TEST_CASE("CLI: model create --member-type mpnn --params, with precise errors", "[cli][mpnn]") {
    testing::TempDir dir;
    const std::string db = dir.file("cli.db");
    const std::string csv = dir.file("esol.csv");
    std::ofstream(csv) << testing::esol_csv(40);
    run(cli::run_import_command,
        {"--file", csv, "--label-column", "measured log solubility in mols per litre", "--property",
         "logS", "--db", db});
    int n = 0; // a new name each time: names are unique, and checked before parameters
    const auto create = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = {
            "create", "--name", "networks " + std::to_string(++n), "--property", "logS",
            "--db",   db};
        args.insert(args.end(), extra.begin(), extra.end());
        return run(cli::run_model_command, args);
    };
    const auto created =
        create({"--member-type", "mpnn", "--members", "2", "--params",
                R"({"mpnn": {"epochs": 3, "hidden": 16, "ffn_width": 16}, "n_members": 9})"});
    CHECK_THAT(created, Catch::Contains("Created model"));
    {
        service::Services s(db);
        const auto models = s.store.list_models();
        REQUIRE(models.size() == 1);
        const auto params = nlohmann::json::parse(models[0].params_json);
        CHECK(params["member_type"] == "mpnn");
        CHECK(params["n_members"] == 2); // --members wins over --params
        CHECK(params["mpnn"]["epochs"] == 3);
        CHECK(params["mpnn"]["hidden"] == 16);
    }
    CHECK_THROWS_WITH(create({"--params", "{\"mpnn\": "}),
                      Catch::Contains("--params expects a JSON object"));
    CHECK_THROWS_WITH(create({"--params", "[1, 2]"}),
                      Catch::Contains("--params expects a JSON object"));
    CHECK_THROWS_WITH(create({"--member-type", "forest"}), Catch::Contains("forest"));
    CHECK_THROWS_WITH(create({"--member-type", "mpnn", "--params", R"({"mpnn": {"depth": 50}})"}),
                      Catch::Contains("mpnn.depth"));
    service::Services s(db);
    CHECK(s.store.list_models().size() == 1); // nothing stored by the refusals
}

TEST_CASE("CLI: model create --objective, with precise errors", "[cli][objective]") {
    testing::TempDir dir;
    const std::string db = dir.file("cli.db");
    const std::string csv = dir.file("esol.csv");
    std::ofstream(csv) << testing::esol_csv(40);
    run(cli::run_import_command,
        {"--file", csv, "--label-column", "measured log solubility in mols per litre", "--property",
         "logS", "--db", db});
    const auto create = [&](const std::string& name, std::vector<std::string> extra) {
        std::vector<std::string> args = {
            "create", "--name", name, "--property", "logS", "--members", "4", "--db", db};
        args.insert(args.end(), extra.begin(), extra.end());
        return run(cli::run_model_command, args);
    };
    CHECK_THAT(create("window", {"--objective", "window:-3:-1.5"}),
               Catch::Contains("Objective: window [-3, -1.5]"));
    CHECK_THAT(create("maximize", {"--objective", "maximize"}),
               Catch::Contains("Objective: maximize (hit >= "));
    CHECK_THAT(create("minimise", {"--objective", "minimise", "--hit-threshold", "-4"}),
               Catch::Contains("Objective: minimize (hit <= -4)"));
    CHECK_THAT(create("plain", {}), Catch::Contains("Objective: none"));

    const auto usage = [&](std::vector<std::string> extra, const std::string& says) {
        INFO(says);
        CHECK_THROWS_WITH(create("refused", std::move(extra)), Catch::Contains(says));
    };
    usage({"--objective", "best"},
          "--objective expects maximize, minimize, window:LO:HI or class:C");
    usage({"--objective", "window:1"}, "window:LO:HI");
    usage({"--objective", "window:a:2"}, "expects a finite number, got 'a'");
    usage({"--objective", "window:1:nan"}, "expects a finite number, got 'nan'");
    usage({"--objective", "class:2"}, "class:0 or class:1");
    usage({"--objective", "maximize:3"}, "--objective expects");
    usage({"--objective", "window:-3:-1", "--hit-threshold", "-2"},
          "--hit-threshold applies only to --objective maximize or minimize");
    usage({"--hit-threshold", "-2"}, "--hit-threshold needs --objective");
    usage({"--objective", "maximize", "--hit-threshold", "high"}, "expects a finite number");
    // Parsed, but does not fit the model: the service's answer, as over the API.
    usage({"--objective", "window:2:-1"}, "lower bound must not be above its upper bound");
    usage({"--objective", "class:1"}, "needs a classification model");

    service::Services s(db);
    CHECK(s.store.list_models().size() == 4);
    for (const auto& m : s.store.list_models()) {
        if (m.name == "minimise") {
            CHECK(m.objective.kind == ObjectiveKind::Minimize);
            CHECK(m.objective.hit_threshold == -4.0);
        }
    }
}
