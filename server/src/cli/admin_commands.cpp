#include "cli/admin_commands.hpp"

#include "service/errors.hpp"
#include "service/services.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace labelloop::cli {
namespace {

/// "--key value" pairs; every option takes a value.
std::map<std::string, std::string> parse_options(const std::vector<std::string>& args,
                                                 std::size_t first,
                                                 const std::vector<std::string>& known) {
    std::map<std::string, std::string> out;
    for (std::size_t i = first; i < args.size(); ++i) {
        const std::string& key = args[i];
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            throw UsageError("unknown option '" + key + "'");
        }
        if (i + 1 >= args.size()) {
            throw UsageError(key + " expects a value");
        }
        out[key] = args[++i];
    }
    return out;
}

std::string required(const std::map<std::string, std::string>& o, const std::string& key) {
    auto it = o.find(key);
    if (it == o.end()) {
        throw UsageError("missing " + key);
    }
    return it->second;
}

std::string get(const std::map<std::string, std::string>& o, const std::string& key,
                const std::string& fallback) {
    auto it = o.find(key);
    return it == o.end() ? fallback : it->second;
}

std::optional<std::string> maybe(const std::map<std::string, std::string>& o,
                                 const std::string& key) {
    auto it = o.find(key);
    if (it == o.end()) {
        return std::nullopt;
    }
    return it->second;
}

} // namespace

int run_user_command(const std::vector<std::string>& args) {
    if (args.empty() || args[0] != "add") {
        throw UsageError("usage: labelloop user add --name N --role admin|scientist");
    }
    const auto o = parse_options(args, 1, {"--name", "--role", "--db"});
    service::Services s(get(o, "--db", "labelloop.db"));
    const auto user = s.auth.create_user(nullptr, required(o, "--name"), required(o, "--role"));
    const auto token = s.auth.issue_token(nullptr, user.id, "cli");
    std::cout << "Added " << user.role << " '" << user.name << "' (" << user.id << ").\n"
              << "API token (shown only now): " << token.secret << "\n";
    return 0;
}

int run_token_command(const std::vector<std::string>& args) {
    if (args.empty() || args[0] != "add") {
        throw UsageError("usage: labelloop token add --user NAME [--label L]");
    }
    const auto o = parse_options(args, 1, {"--user", "--label", "--db"});
    service::Services s(get(o, "--db", "labelloop.db"));
    const auto user = s.store.find_user_by_name(required(o, "--user"));
    if (!user) {
        throw std::runtime_error("there is no user named '" + required(o, "--user") + "'");
    }
    const auto token = s.auth.issue_token(nullptr, user->id, get(o, "--label", "cli"));
    std::cout << "API token for " << user->name << " (shown only now): " << token.secret << "\n";
    return 0;
}

int run_import_command(const std::vector<std::string>& args) {
    const auto o =
        parse_options(args, 0,
                      {"--file", "--format", "--smiles-column", "--id-column", "--label-column",
                       "--property", "--dataset", "--source", "--confidence", "--db"});
    const std::string path = required(o, "--file");
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read '" + path + "'");
    }
    std::ostringstream text;
    text << in.rdbuf();
    service::ImportRequest req;
    const bool sdf = path.size() > 4 && (path.substr(path.size() - 4) == ".sdf" ||
                                         path.substr(path.size() - 4) == ".SDF");
    req.format = get(o, "--format", sdf ? "sdf" : "csv");
    req.content = text.str();
    req.smiles_column = get(o, "--smiles-column", "smiles");
    req.id_column = maybe(o, "--id-column");
    req.label_column = maybe(o, "--label-column");
    req.property = maybe(o, "--property");
    req.dataset = maybe(o, "--dataset");
    req.source = get(o, "--source", "experimental");
    req.confidence = get(o, "--confidence", "high");
    service::Services s(get(o, "--db", "labelloop.db"));
    const auto result = s.compounds.import(nullptr, req);
    std::cout << "Read " << result.rows << " rows: " << result.imported << " new compounds, "
              << result.duplicates << " already known, " << result.labels << " labels, "
              << result.errors.size() << " rows with errors.\n";
    for (const auto& e : result.errors) {
        std::cout << "  row " << e.row << ": " << e.reason << "\n";
    }
    return 0;
}

int run_model_command(const std::vector<std::string>& args) {
    if (args.empty() || args[0] != "create") {
        throw UsageError("usage: labelloop model create --name N --property P ...");
    }
    const auto o = parse_options(args, 1,
                                 {"--name", "--property", "--task", "--dataset", "--split",
                                  "--validation-fraction", "--seed", "--members", "--db"});
    service::CreateModelRequest req;
    req.name = required(o, "--name");
    req.property = required(o, "--property");
    req.task = get(o, "--task", "regression");
    req.dataset = maybe(o, "--dataset");
    req.split = get(o, "--split", "random");
    try {
        req.validation_fraction = std::stod(get(o, "--validation-fraction", "0.2"));
        req.seed = std::stoull(get(o, "--seed", "42"));
        if (auto members = maybe(o, "--members")) {
            req.params["n_members"] = std::stoul(*members);
        }
    } catch (const std::logic_error&) {
        throw UsageError("--validation-fraction, --seed and --members expect numbers");
    }
    service::Services s(get(o, "--db", "labelloop.db"));
    // Progress once training has started (the request is checked first, so a refused one
    // prints only its error), one line rewritten in place.
    int shown = -1;
    const auto model = s.models.create_model(nullptr, req, [&](double fraction) {
        const int percent = static_cast<int>(fraction * 100.0);
        if (percent != shown) {
            shown = percent;
            std::cout << "\rTraining '" << req.name << "': " << percent << " %" << std::flush;
        }
    });
    if (shown >= 0) {
        std::cout << "\n";
    }
    std::cout << "Created model " << model.id << " (version 1, " << model.n_train << " training / "
              << model.n_validation << " validation compounds)\n"
              << "Validation metrics: " << model.metrics_json << "\n";
    return 0;
}

} // namespace labelloop::cli
