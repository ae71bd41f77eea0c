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
