#include "cli/admin_commands.hpp"

#include "service/errors.hpp"
#include "service/model_engine.hpp"
#include "service/services.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace labelloop::cli {
namespace {

// A one-shot command runs no job worker: it must not take, nor fail, a running server's jobs.
const service::ServicesOptions kOneShot = service::ServicesOptions::one_shot();

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

/// A finite number for `option`, the whole text (no trailing characters, no nan/inf).
double number_for(const std::string& option, const std::string& text) {
    std::size_t used = 0;
    double value = 0.0;
    try {
        value = std::stod(text, &used);
    } catch (const std::logic_error&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || !std::isfinite(value)) {
        throw UsageError(option + " expects a finite number, got '" + text + "'");
    }
    return value;
}

/// --objective maximize|minimize|window:LO:HI|class:C and --hit-threshold X. Whether the
/// objective fits the model's task is the service's check (the same as over the API).
Objective objective_from(const std::optional<std::string>& spec,
                         const std::optional<std::string>& hit_threshold) {
    Objective o;
    if (!spec) {
        if (hit_threshold) {
            throw UsageError("--hit-threshold needs --objective maximize or minimize");
        }
        return o;
    }
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto colon = spec->find(':', start);
        parts.push_back(spec->substr(start, colon - start));
        if (colon == std::string::npos) {
            break;
        }
        start = colon + 1;
    }
    const std::string usage = "--objective expects maximize, minimize, window:LO:HI or class:C "
                              "(C is 0 or 1), got '" +
                              *spec + "'";
    try {
        o.kind = parse_objective_kind(parts[0]);
    } catch (const ObjectiveError&) {
        throw UsageError(usage);
    }
    switch (o.kind) {
    case ObjectiveKind::None:
        if (parts.size() != 1) {
            throw UsageError(usage);
        }
        break;
    case ObjectiveKind::Maximize:
    case ObjectiveKind::Minimize:
        if (parts.size() != 1) {
            throw UsageError(usage);
        }
        if (hit_threshold) {
            o.hit_threshold = number_for("--hit-threshold", *hit_threshold);
        }
        break;
    case ObjectiveKind::Window:
        if (parts.size() != 3) {
            throw UsageError("--objective window expects window:LO:HI (e.g. window:1:3), got '" +
                             *spec + "'");
        }
        o.lo = number_for("--objective window:LO:HI (LO)", parts[1]);
        o.hi = number_for("--objective window:LO:HI (HI)", parts[2]);
        break;
    case ObjectiveKind::Class:
        if (parts.size() != 2 || (parts[1] != "0" && parts[1] != "1")) {
            throw UsageError("--objective class expects class:0 or class:1 (the class sought), "
                             "got '" +
                             *spec + "'");
        }
        o.target_class = parts[1] == "1" ? 1 : 0;
        break;
    }
    if (hit_threshold && o.kind != ObjectiveKind::Maximize && o.kind != ObjectiveKind::Minimize) {
        throw UsageError("--hit-threshold applies only to --objective maximize or minimize (a "
                         "window's hits are its range, a class objective's the class sought)");
    }
    return o;
}

} // namespace

int run_user_command(const std::vector<std::string>& args) {
    if (args.empty() || args[0] != "add") {
        throw UsageError("usage: labelloop user add --name N --role admin|scientist");
    }
    const auto o = parse_options(args, 1, {"--name", "--role", "--db"});
    service::Services s(get(o, "--db", "labelloop.db"), kOneShot);
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
    service::Services s(get(o, "--db", "labelloop.db"), kOneShot);
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
    service::Services s(get(o, "--db", "labelloop.db"), kOneShot);
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
                                  "--validation-fraction", "--seed", "--members", "--member-type",
                                  "--params", "--objective", "--hit-threshold", "--db"});
    service::CreateModelRequest req;
    req.name = required(o, "--name");
    req.property = required(o, "--property");
    req.task = get(o, "--task", "regression");
    req.dataset = maybe(o, "--dataset");
    req.split = get(o, "--split", "random");
    // --params: any model parameter as over the API (e.g. '{"mpnn": {"epochs": 60}}');
    // --members and --member-type win over the same fields in it. The service checks values.
    if (auto params = maybe(o, "--params")) {
        req.params = nlohmann::json::parse(*params, nullptr, false);
        if (!req.params.is_object()) {
            throw UsageError("--params expects a JSON object, e.g. '{\"mpnn\": {\"epochs\": 60}}'");
        }
    }
    if (auto type = maybe(o, "--member-type")) {
        req.params["member_type"] = *type;
    }
    try {
        req.validation_fraction = std::stod(get(o, "--validation-fraction", "0.2"));
        req.seed = std::stoull(get(o, "--seed", "42"));
        if (auto members = maybe(o, "--members")) {
            req.params["n_members"] = std::stoul(*members);
        }
    } catch (const std::logic_error&) {
        throw UsageError("--validation-fraction, --seed and --members expect numbers");
    }
    req.objective = objective_from(maybe(o, "--objective"), maybe(o, "--hit-threshold"));
    service::Services s(get(o, "--db", "labelloop.db"), kOneShot);
    // Progress once training has started (the request is checked first, so a refused one
    // prints only its error), one line rewritten in place.
    int shown = -1;
    const auto model = s.models.create_model(nullptr, req, [&](const FitProgress& p) {
        const int percent = static_cast<int>(p.fraction * 100.0);
        if (percent != shown) {
            shown = percent;
            std::cout << "\rTraining '" << req.name << "': " << percent << " %";
            if (p.epochs > 0) {
                std::cout << " (" << service::engine::describe_progress(p) << ")   ";
            }
            std::cout << std::flush;
        }
    });
    if (shown >= 0) {
        std::cout << "\n";
    }
    std::cout << "Created model " << model.id << " (version 1, " << model.n_train << " training / "
              << model.n_validation << " validation compounds)\n"
              << "Objective: " << describe(model.objective) << "\n"
              << "Validation metrics: " << model.metrics_json << "\n";
    return 0;
}

} // namespace labelloop::cli
