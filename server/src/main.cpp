// The one LabelLoop binary: `labelloop serve` runs the server; admin commands join here.
#include "cli/admin_commands.hpp"
#include "cli/db_copy.hpp"
#include "cli/serve_command.hpp"
#include "cli/simulate_command.hpp"
#include "labelloop/version.hpp"
#include "service/errors.hpp"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char* const kUsage =
    R"(LabelLoop: human-in-the-loop active learning for molecular property models.

Usage:
  labelloop serve [--db FILE] [--port N] [--host ADDRESS] [--demo] [--job-lease SECONDS]
      Serve the browser app and the API.
      --db FILE       SQLite database, created if missing (default ./labelloop.db), or a
                      PostgreSQL database: postgresql://USER:PASSWORD@HOST:PORT/DBNAME
      --port N        TCP port, 0 picks a free one (default 8080)
      --host ADDRESS  address to bind (default 127.0.0.1; 0.0.0.0 for every interface)
      --demo          on an empty database: load the ESOL demo set, a model, two users
                      (their tokens are printed) and a first batch to label
      --job-lease S   a retrain whose server process has not been heard of for S seconds
                      is failed by a live process (default 30; for several processes on
                      one PostgreSQL database)
  labelloop user add --name NAME --role admin|scientist [--db FILE]
      Add a user and print a new API token for them (shown once).
  labelloop token add --user NAME [--label TEXT] [--db FILE]
  labelloop import --file FILE.csv|FILE.sdf [--smiles-column C] [--id-column C]
                   [--label-column C --property NAME] [--dataset NAME]
                   [--source experimental|literature|expert_estimate]
                   [--confidence high|medium|low] [--db FILE]
      Import compounds (canonicalized, deduplicated by InChIKey, featurized); bad rows are
      listed with their row number and reason.
  labelloop model create --name NAME --property NAME [--task regression|classification]
                   [--dataset NAME] [--split random|scaffold] [--validation-fraction F]
                   [--seed N] [--members N] [--member-type gradient_boosted|random_tree|mpnn]
                   [--params JSON] [--objective maximize|minimize|window:LO:HI|class:C
                   [--hit-threshold X]]
                   [--db FILE]
      Train version 1 of a model on the imported labels, with a fixed validation split.
      --objective sets the goal discovery strategies (greedy, ucb, ei, pi, thompson) rank
      toward: maximize / minimize (regression; a hit is a value >= / <= --hit-threshold,
      by default the 90th / 10th percentile of the labelled values), window:LO:HI
      (regression; a hit lies in [LO, HI]) or class:0|1 (classification; the class sought).
      --member-type mpnn trains message-passing networks on the molecule graph (5 by
      default); --params takes any model parameter as the API does, e.g.
      '{"mpnn": {"epochs": 60, "hidden": 128}}' (see docs/API.md for the names and limits).
  labelloop db copy --from FILE --to postgresql://USER:PASSWORD@HOST:PORT/DBNAME
      Copy a whole SQLite database (every table, tokens included) into an empty PostgreSQL
      database in one transaction, then print the row counts of every table on both sides
      (non-zero exit when any differs). The SQLite file is only read.
  labelloop --version
  labelloop --help
)";

using labelloop::cli::UsageError;

int parse_port(const std::string& text) {
    std::size_t used = 0;
    int port = -1;
    try {
        port = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || port < 0 || port > 65535) {
        throw UsageError("--port expects a number from 0 to 65535, got '" + text + "'");
    }
    return port;
}

int serve(const std::vector<std::string>& args) {
    labelloop::cli::ServeOptions options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) {
                throw UsageError(arg + " expects a value");
            }
            return args[++i];
        };
        if (arg == "--db") {
            options.db_path = value();
        } else if (arg == "--port") {
            options.port = parse_port(value());
        } else if (arg == "--host") {
            options.host = value();
        } else if (arg == "--demo") {
            options.demo = true;
        } else if (arg == "--job-lease") {
            const std::string& v = value();
            char* end = nullptr;
            const double seconds = std::strtod(v.c_str(), &end);
            if (v.empty() || *end != '\0' || !(seconds >= 1 && seconds <= 86'400)) {
                throw UsageError("--job-lease expects seconds between 1 and 86400, not '" + v +
                                 "'");
            }
            options.job_lease = std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
        } else {
            throw UsageError("unknown option for serve: '" + arg + "'");
        }
    }
    return labelloop::cli::run_serve(options);
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
            std::cout << kUsage << labelloop::cli::kSimulateUsage;
            return args.empty() ? 2 : 0;
        }
        if (args[0] == "--version") {
            std::cout << "labelloop " << labelloop::kProductVersion << " (sync protocol "
                      << labelloop::kSyncProtocolVersion << ")\n";
            return 0;
        }
        const std::vector<std::string> rest(args.begin() + 1, args.end());
        if (args[0] == "serve") {
            return serve(rest);
        }
        if (args[0] == "user") {
            return labelloop::cli::run_user_command(rest);
        }
        if (args[0] == "token") {
            return labelloop::cli::run_token_command(rest);
        }
        if (args[0] == "import") {
            return labelloop::cli::run_import_command(rest);
        }
        if (args[0] == "model") {
            return labelloop::cli::run_model_command(rest);
        }
        if (args[0] == "db") {
            return labelloop::cli::run_db_command(rest);
        }
        if (args[0] == "simulate") {
            return labelloop::cli::run_simulate_command(rest);
        }
        throw UsageError("unknown command '" + args[0] + "'");
    } catch (const UsageError& e) {
        std::cerr << "labelloop: " << e.what() << "\n\n"
                  << kUsage << labelloop::cli::kSimulateUsage;
        return 2;
    } catch (const labelloop::service::ServiceError& e) {
        std::cerr << "labelloop: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "labelloop: error: " << e.what() << "\n";
        return 1;
    }
}
