#include "cli/simulate_command.hpp"

#include "cli/admin_commands.hpp"
#include "service/simulation.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace labelloop::cli {

const char* const kSimulateUsage =
    R"(  labelloop simulate --data FILE.csv --smiles COL --target COL
                   --task regression|classification --strategy NAME[,NAME...]
                   --batch B|P% --cycles C --init N|P% --seeds S [--val 0.2]
                   [--split random|scaffold] [--held-out 0.5] [--out DIR] [--members M]
                   [--objective maximize|minimize|window:LO:HI|class:C] [--beta B]
                   [--threshold T] [--params JSON]
      Replay active learning on data whose labels are known (they answer as the oracle),
      through the same services as real cycles, on a temporary database. Strategies:
      model improvement uncertainty, margin, entropy, hybrid, density, cluster; discovery
      (need --objective) greedy, ucb (--beta, default 2), ei, pi, thompson; and random; each
      optionally with a batch diversity rule (uncertainty+maxmin, greedy+tanimoto_cap).
      --batch and --init take a count or a share of the pool ("--init 5% --batch 1.25%").
      --split scaffold keeps the validation scaffolds out of the pool and --held-out of the
      pool in scaffold groups the initial set does not touch. Writes DIR/simulation.json
      (Cycle History can overlay it), curves.csv, learning_curves.svg and split.json (default
      DIR ./simulation) and prints per strategy the labels needed to come within 5 % of the
      full-pool model, the area under the curve relative to random, and where to stop. With
      --objective also discovery.csv and discovery_<hits>.svg: the share of the pool's hits
      (top 1 % / 5 % toward the objective, in the window, of the class) found per label,
      enrichment over random at 5, 10 and 20 % of the pool labelled, and how well the
      model's expected hits remaining tracked the true number.
)";

namespace {

std::int64_t integer(const std::string& key, const std::string& text) {
    std::size_t used = 0;
    long long v = 0;
    try {
        v = std::stoll(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty()) {
        throw UsageError(key + " expects a whole number, got '" + text + "'");
    }
    return v;
}

double real(const std::string& key, const std::string& text) {
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty()) {
        throw UsageError(key + " expects a number, got '" + text + "'");
    }
    return v;
}

void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) {
        throw std::runtime_error("cannot write '" + path.string() + "'");
    }
}

} // namespace

int run_simulate_command(const std::vector<std::string>& args) {
    static const std::set<std::string> known{
        "--data",   "--smiles", "--target",    "--task",  "--strategy", "--batch",   "--cycles",
        "--init",   "--seeds",  "--val",       "--split", "--out",      "--members", "--threshold",
        "--params", "--db",     "--objective", "--beta",  "--held-out"};
    std::map<std::string, std::string> o;
    // Options come in pairs: --name value.
    for (std::size_t i = 0; i < args.size(); i += 2) {
        if (known.count(args[i]) == 0) {
            throw UsageError("unknown option for simulate: '" + args[i] + "'");
        }
        if (i + 1 >= args.size()) {
            throw UsageError(args[i] + " expects a value");
        }
        o[args[i]] = args[i + 1];
    }
    for (const char* key : {"--data", "--target", "--task", "--strategy", "--batch", "--cycles",
                            "--init", "--seeds"}) {
        if (o.count(key) == 0) {
            throw UsageError(std::string("simulate needs ") + key);
        }
    }
    service::SimulationOptions options;
    options.data_path = o["--data"];
    options.smiles_column = o.count("--smiles") ? o["--smiles"] : "smiles";
    options.target_column = o["--target"];
    options.task = o["--task"];
    std::stringstream names(o["--strategy"]);
    for (std::string name; std::getline(names, name, ',');) {
        if (!name.empty()) {
            options.strategies.push_back(name);
        }
    }
    // "--batch 1.25%": a share of the pool, resolved once the validation set is drawn.
    const auto size_or_share = [&](const std::string& key, std::int64_t* size,
                                   std::optional<double>* share) {
        const std::string& text = o[key];
        if (!text.empty() && text.back() == '%') {
            *share = real(key, text.substr(0, text.size() - 1)) / 100.0;
        } else {
            *size = integer(key, text);
        }
    };
    size_or_share("--batch", &options.batch, &options.batch_share);
    options.cycles = integer("--cycles", o["--cycles"]);
    size_or_share("--init", &options.init, &options.init_share);
    options.seeds = integer("--seeds", o["--seeds"]);
    if (o.count("--val")) {
        options.validation_fraction = real("--val", o["--val"]);
    }
    if (o.count("--split")) {
        options.split = o["--split"];
    }
    if (o.count("--members")) {
        options.members = integer("--members", o["--members"]);
    }
    if (o.count("--held-out")) {
        options.held_out = real("--held-out", o["--held-out"]);
    }
    if (o.count("--beta")) {
        options.beta = real("--beta", o["--beta"]);
    }
    if (o.count("--threshold")) {
        options.threshold = real("--threshold", o["--threshold"]);
    }
    if (o.count("--params")) {
        options.params = nlohmann::json::parse(o["--params"], nullptr, false);
        if (!options.params.is_object()) {
            throw UsageError("--params expects a JSON object, e.g. '{\"member_type\":\"gbm\"}'");
        }
    }
    if (o.count("--db")) {
        options.db_path = o["--db"];
    }
    const std::filesystem::path out_dir = o.count("--out") ? o["--out"] : "simulation";
    options.progress = [](const std::string& line) {
        std::cerr << "simulate: " << line << "\n" << std::flush;
    };
    try {
        if (o.count("--objective")) {
            options.objective = service::parse_objective_option(o["--objective"]);
        }
        const auto result = service::run_simulation(options);
        std::filesystem::create_directories(out_dir);
        write(out_dir / "simulation.json", service::to_json(result).dump(1) + "\n");
        write(out_dir / "curves.csv", service::curves_csv(result));
        write(out_dir / "learning_curves.svg", service::curves_svg(result));
        write(out_dir / "split.json", result.split.dump() + "\n");
        std::string discovery_files;
        if (!result.hit_sets.empty()) {
            write(out_dir / "discovery.csv", service::discovery_csv(result));
            discovery_files = ", discovery.csv";
            for (const auto& [name, svg] : service::discovery_svgs(result)) {
                write(out_dir / name, svg);
                discovery_files += ", " + name;
            }
        }
        std::cout << service::summary_text(result) << "\nWrote " << (out_dir / "simulation.json")
                  << ", curves.csv, learning_curves.svg, split.json" << discovery_files << ".\n";
    } catch (const service::SimulationError& e) {
        throw UsageError(e.what());
    }
    return 0;
}

} // namespace labelloop::cli
