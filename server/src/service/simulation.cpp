#include "service/simulation.hpp"

#include "chem/readers.hpp"
#include "labelloop/features.hpp"
#include "labelloop/model_format.hpp"
#include "labelloop/sampling.hpp"
#include "service/compound_service.hpp"
#include "service/errors.hpp"
#include "service/model_engine.hpp"
#include "service/services.hpp"
#include "service/simulation_split.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

namespace labelloop::service {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const char* const kProperty = "simulated_target";
const char* const kDataset = "simulation";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw SimulationError("cannot read the data file '" + path + "'");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string fmt(double v, const char* format = "%.4f") {
    char buf[48];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

/// "uncertainty+maxmin" -> {"uncertainty", "maxmin"}: a strategy with a batch-diversity rule.
std::pair<std::string, std::string> split_strategy(const std::string& name) {
    const auto plus = name.find('+');
    if (plus == std::string::npos) {
        return {name, ""};
    }
    return {name.substr(0, plus), name.substr(plus + 1)};
}

double parse_bound(const std::string& text, const std::string& whole) {
    std::size_t used = 0;
    double v = 0.0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (text.empty() || used != text.size()) {
        throw SimulationError("--objective '" + whole + "': '" + text + "' is not a number");
    }
    if (!std::isfinite(v)) {
        throw SimulationError("--objective '" + whole +
                              "': the window bounds must be finite, got '" + text + "'");
    }
    return v;
}

/// Batch and initial set sizes (after resolving shares of the pool).
void check_sizes(const SimulationOptions& o) {
    const auto share = [](const std::optional<double>& v) {
        return v ? " (" + fmt(100.0 * *v, "%g") + " % of the pool)" : std::string();
    };
    if (!o.batch_share || o.batch > 0) {
        if (o.batch < 1 || o.batch > 1000) {
            throw SimulationError("--batch must be between 1 and 1000, got " +
                                  std::to_string(o.batch) + share(o.batch_share));
        }
    }
    if (!o.init_share || o.init > 0) {
        if (o.init < 10) {
            throw SimulationError("--init must be at least 10 (a model needs 10 labels to "
                                  "start), got " +
                                  std::to_string(o.init) + share(o.init_share));
        }
    }
}

void check_options(const SimulationOptions& o) {
    if (o.task != "regression" && o.task != "classification") {
        throw SimulationError("--task must be regression or classification, got '" + o.task + "'");
    }
    const Task task = o.task == "regression" ? Task::Regression : Task::Classification;
    if (o.split != "random" && o.split != "scaffold") {
        throw SimulationError("--split must be random or scaffold, got '" + o.split + "'");
    }
    if (!(o.held_out >= 0.0 && o.held_out < 1.0)) {
        throw SimulationError("--held-out must be at least 0 and below 1");
    }
    try {
        check_objective(o.objective, task);
    } catch (const ObjectiveError& e) {
        throw SimulationError("--objective " + describe(o.objective) + " on a " + o.task +
                              " task: " + e.what());
    }
    if (o.beta && !(*o.beta >= 0.0 && std::isfinite(*o.beta))) {
        throw SimulationError("--beta must be a finite number >= 0, got " + fmt(*o.beta, "%g"));
    }
    if (o.strategies.empty()) {
        throw SimulationError("--strategy needs at least one strategy");
    }
    std::set<std::string> seen;
    for (const auto& name : o.strategies) {
        const auto [base, diversity] = split_strategy(name);
        Strategy s = Strategy::Random;
        try {
            s = parse_strategy(base);
        } catch (const SelectionError& e) {
            throw SimulationError(std::string(e.what()) +
                                  "; each optionally with +maxmin or +tanimoto_cap");
        }
        if (!diversity.empty() && diversity != "maxmin" && diversity != "tanimoto_cap") {
            throw SimulationError("unknown diversity '" + diversity + "' in strategy '" + name +
                                  "' (expected maxmin or tanimoto_cap)");
        }
        if (is_discovery(s) && !o.objective.active()) {
            throw SimulationError("strategy '" + base +
                                  "' ranks toward an objective, and none was given: add "
                                  "--objective maximize|minimize|window:LO:HI|class:C");
        }
        if ((s == Strategy::Margin || s == Strategy::Hybrid) && o.task == "regression" &&
            !o.threshold) {
            throw SimulationError("strategy '" + base +
                                  "' on a regression task needs --threshold (the value to "
                                  "select around)");
        }
        if (s == Strategy::Thompson && o.members < 2) {
            throw SimulationError("strategy 'thompson' draws one ensemble member per pick and "
                                  "needs --members 2 or more");
        }
        if (s == Strategy::Thompson && diversity == "maxmin") {
            throw SimulationError("strategy 'thompson' picks one member's best compound at a "
                                  "time; use thompson or thompson+tanimoto_cap, not +maxmin");
        }
        if (s == Strategy::Cluster && !diversity.empty()) {
            throw SimulationError("strategy 'cluster' spreads its batch over the pool itself; "
                                  "use it without +" +
                                  diversity);
        }
        if (!seen.insert(name).second) {
            throw SimulationError("strategy '" + name + "' is listed twice");
        }
    }
    for (const auto& [share, name] :
         {std::pair{o.batch_share, "--batch"}, std::pair{o.init_share, "--init"}}) {
        if (share && !(*share > 0.0 && *share < 1.0)) {
            throw SimulationError(std::string(name) +
                                  " as a share of the pool must be above 0 % and below 100 %");
        }
    }
    check_sizes(o);
    if (o.cycles < 1) {
        throw SimulationError("--cycles must be at least 1");
    }
    if (o.seeds < 1) {
        throw SimulationError("--seeds must be at least 1");
    }
    if (!(o.validation_fraction > 0.0 && o.validation_fraction < 0.9)) {
        throw SimulationError("--val must be above 0 and below 0.9");
    }
    if (o.members < 1) {
        throw SimulationError("--members must be at least 1");
    }
}

/// The labeled rows as a two-column CSV for the import (unlabeled rows are no use to an
/// oracle, and would otherwise join the candidate pool).
std::string labeled_csv(const SimulationOptions& o, std::int64_t* n_rows) {
    const std::string text = read_file(o.data_path);
    chem::CsvColumns columns;
    columns.smiles = o.smiles_column;
    columns.label = o.target_column;
    chem::ReadResult read;
    try {
        read = chem::read_csv(text, columns);
    } catch (const chem::ImportFileError& e) {
        throw SimulationError(o.data_path + ": " + e.what());
    }
    std::string csv = "smiles,target\n";
    *n_rows = 0;
    for (const auto& r : read.records) {
        if (!r.label) {
            continue;
        }
        if (o.task == "classification" && *r.label != 0.0 && *r.label != 1.0) {
            throw SimulationError(o.data_path + " row " + std::to_string(r.row) + ": column '" +
                                  o.target_column + "' must be 0 or 1 for classification, got " +
                                  fmt(*r.label, "%g"));
        }
        csv += csv_field(r.smiles) + "," + fmt(*r.label, "%.17g") + "\n";
        ++*n_rows;
    }
    return csv;
}

double metric_of(const std::string& metrics_json, const std::string& metric) {
    const json m = json::parse(metrics_json, nullptr, false);
    if (!m.is_object() || !m.contains(metric) || !m[metric].is_number()) {
        throw SimulationError("the model reported no " + metric +
                              " on the validation set (metrics " + metrics_json +
                              "); is the validation set too small or single-class?");
    }
    return m[metric].get<double>();
}

/// Removes the database and its WAL side files when the simulation ends (also on error).
struct TemporaryDatabase {
    std::string path;
    bool owned = false;
    ~TemporaryDatabase() {
        if (owned) {
            std::error_code ec;
            for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
                fs::remove(path + suffix, ec);
            }
        }
    }
};

std::string temporary_db_path() {
    std::random_device rd;
    const auto tag = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    char name[64];
    std::snprintf(name, sizeof name, "labelloop-sim-%016llx.db",
                  static_cast<unsigned long long>(tag));
    return (fs::temp_directory_path() / name).string();
}

/// The simulation's pool as the model sees it: labels, features decoded once, and which
/// compounds the current run has labelled.
struct Pool {
    std::vector<domain::LabeledCompound> compounds;
    std::vector<Features> features;
    std::vector<double> values;
    std::map<std::string, std::size_t> index; // compound id -> position
};

/// The unlabelled compounds' features and their pool positions.
std::vector<std::size_t> unlabelled_of(const std::vector<bool>& labelled) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < labelled.size(); ++i) {
        if (!labelled[i]) {
            out.push_back(i);
        }
    }
    return out;
}

struct Batch {
    std::vector<std::string> item_ids;     // queue items to label
    std::vector<std::string> compound_ids; // in the same order
    double mean_uncertainty = 0.0;
    std::optional<std::string> cycle_id;
    std::int64_t added = 0;
};

/// What one strategy run needs to select a batch.
struct SelectContext {
    const SimulationOptions& options;
    Services& services;
    const domain::User& user;
    const Pool& pool;
};

/// One batch for `strategy` from the unlabelled pool with the active model, through the
/// active-learning service (select, queue): the model carries the objective, the request
/// beta, and the service ranks discovery strategies toward the objective from the best
/// training label, as for a real campaign.
Batch select_batch_for(const SelectContext& ctx, const domain::Model& model,
                       const std::string& strategy, std::uint64_t seed, bool preview) {
    const auto [base, diversity] = split_strategy(strategy);
    SelectRequest select;
    select.model_id = model.id;
    select.strategy = base;
    select.batch_size = ctx.options.batch;
    select.pool.kind = "dataset";
    select.pool.dataset = kDataset;
    select.threshold = ctx.options.threshold;
    select.beta = ctx.options.beta;
    select.seed = seed;
    select.preview = preview;
    if (!diversity.empty()) {
        select.diversity = json(diversity);
    }
    const auto selected = ctx.services.active_learning.select_samples(ctx.user, select);
    Batch batch;
    for (const auto& item : selected.items) {
        batch.mean_uncertainty += item.uncertainty.value_or(0.0);
        batch.item_ids.push_back(item.id);
        batch.compound_ids.push_back(item.compound_id);
    }
    batch.mean_uncertainty /= static_cast<double>(std::max<std::size_t>(1, selected.items.size()));
    batch.cycle_id = selected.cycle_id;
    batch.added = selected.added;
    return batch;
}

/// The model's predictions for the unlabelled pool compounds and the discovery point of this
/// model version.
void observe(DiscoveryTrace& trace, const std::vector<HitSet>& sets, const SelectContext& ctx,
             const domain::Model& model, const std::vector<bool>& labelled) {
    if (sets.empty()) {
        return;
    }
    const auto ensemble = load_model(ctx.services.store.model_artifact(model.id));
    std::vector<Features> features;
    for (std::size_t i : unlabelled_of(labelled)) {
        features.push_back(ctx.pool.features[i]);
    }
    record_point(trace, sets, ensemble.task(), labelled, ensemble.predict_batch(features));
}

} // namespace

Objective parse_objective_option(const std::string& text) {
    Objective o;
    const auto colon = text.find(':');
    const std::string head = text.substr(0, colon);
    const std::string rest = colon == std::string::npos ? "" : text.substr(colon + 1);
    if (head == "window") {
        const auto second = rest.find(':');
        if (colon == std::string::npos || second == std::string::npos) {
            throw SimulationError("--objective '" + text +
                                  "': a window needs both bounds, e.g. window:1:3");
        }
        o.kind = ObjectiveKind::Window;
        o.lo = parse_bound(rest.substr(0, second), text);
        o.hi = parse_bound(rest.substr(second + 1), text);
        if (o.lo > o.hi) {
            throw SimulationError("--objective '" + text + "': the lower bound " + fmt(o.lo, "%g") +
                                  " is above the upper bound " + fmt(o.hi, "%g"));
        }
        return o;
    }
    if (head == "class") {
        if (rest != "0" && rest != "1") {
            throw SimulationError("--objective '" + text +
                                  "': name the class sought, class:1 or class:0");
        }
        o.kind = ObjectiveKind::Class;
        o.target_class = rest == "1" ? 1 : 0;
        return o;
    }
    if (colon == std::string::npos &&
        (text == "maximize" || text == "maximise" || text == "minimize" || text == "minimise" ||
         text == "none")) {
        o.kind = parse_objective_kind(text);
        return o;
    }
    throw SimulationError("unknown --objective '" + text +
                          "' (expected maximize, minimize, window:LO:HI, class:0, class:1 or "
                          "none)");
}

SimulationResult run_simulation(const SimulationOptions& requested) {
    check_options(requested);
    SimulationOptions options = requested;
    if (options.batch_share) {
        options.batch = 0; // resolved once the pool is known
    }
    if (options.init_share) {
        options.init = 0;
    }
    const auto say = [&](const std::string& line) {
        if (options.progress) {
            options.progress(line);
        }
    };
    SimulationResult result;
    result.options = options;
    result.higher_is_better = options.task == "classification";
    result.metric = result.higher_is_better ? "roc_auc" : "rmse";

    const std::string csv = labeled_csv(options, &result.n_rows);
    if (result.n_rows == 0) {
        throw SimulationError(options.data_path + ": no row has a value in column '" +
                              options.target_column + "'");
    }

    TemporaryDatabase db;
    db.path = options.db_path.empty() ? temporary_db_path() : options.db_path;
    db.owned = options.db_path.empty();
    Services services(db.path);
    const auto user = services.auth.create_user(nullptr, "simulation", "admin");

    say("importing " + std::to_string(result.n_rows) + " labeled rows");
    ImportRequest import;
    import.content = csv;
    import.smiles_column = "smiles";
    import.label_column = "target";
    import.property = kProperty;
    import.dataset = kDataset;
    const auto imported = services.compounds.import(nullptr, import);
    if (!imported.errors.empty()) {
        say(std::to_string(imported.errors.size()) +
            " rows could not be read and are left out "
            "(first: row " +
            std::to_string(imported.errors.front().row) + ": " + imported.errors.front().reason +
            ")");
    }

    // The full-pool model fixes the validation set and the score to reach.
    json params = options.params.is_object() ? options.params : json::object();
    params["n_members"] = options.members;
    CreateModelRequest full;
    full.name = "full pool";
    full.property = kProperty;
    full.task = options.task;
    full.dataset = kDataset;
    full.split = options.split;
    full.validation_fraction = options.validation_fraction;
    full.seed = 42;
    full.objective = options.objective;
    if (options.split == "scaffold") {
        // Chosen here rather than by model create, whose groups of acyclic compounds are keyed
        // by the database's random ids: the simulation must repeat by seed.
        const auto labeled =
            services.store.labeled_compounds(kProperty, services.store.find_dataset(kDataset));
        std::vector<std::string> keys;
        for (const auto& c : labeled) {
            keys.push_back(scaffold_key(c.scaffold, c.smiles));
        }
        const auto mask = scaffold_validation(keys, options.validation_fraction, full.seed);
        for (std::size_t i = 0; i < labeled.size(); ++i) {
            if (mask[i]) {
                full.validation_compound_ids.push_back(labeled[i].compound_id);
            }
        }
    }
    full.params = params;
    full.params["seed"] = 0;
    say("training the full-pool model (" + std::to_string(options.members) + " members)");
    const auto full_model = services.models.create_model(nullptr, full);
    result.full_pool_score = metric_of(full_model.metrics_json, result.metric);
    result.target = curve::target_score(result.full_pool_score, result.higher_is_better);

    std::vector<std::string> validation_ids;
    Pool pool;
    for (const auto& m : services.store.members(full_model.lineage_id, "")) {
        if (m.role == "validation") {
            validation_ids.push_back(m.compound_id);
        } else {
            pool.compounds.push_back(m);
        }
    }
    result.n_compounds = static_cast<std::int64_t>(validation_ids.size() + pool.compounds.size());
    result.n_pool = static_cast<std::int64_t>(pool.compounds.size());
    result.n_validation = static_cast<std::int64_t>(validation_ids.size());
    say("full-pool model: " + result.metric + " " + fmt(result.full_pool_score) + " on " +
        std::to_string(result.n_validation) + " validation compounds (target " +
        fmt(result.target) + ")");
    const auto pool_size = static_cast<double>(result.n_pool);
    if (options.init_share) {
        options.init = std::llround(*options.init_share * pool_size);
    }
    if (options.batch_share) {
        options.batch = static_cast<std::int64_t>(std::ceil(*options.batch_share * pool_size));
    }
    check_sizes(options);
    result.options = options;
    const std::int64_t needed = options.init + options.batch * options.cycles;
    if (needed > result.n_pool) {
        throw SimulationError("--init " + std::to_string(options.init) + " + --batch " +
                              std::to_string(options.batch) + " x --cycles " +
                              std::to_string(options.cycles) + " = " + std::to_string(needed) +
                              " labels, but the data has only " + std::to_string(result.n_pool) +
                              " compounds outside the validation set");
    }
    std::vector<std::string> keys;
    json split_compounds = json::array();
    const bool network = params.value("member_type", std::string()) == "mpnn";
    for (std::size_t i = 0; i < pool.compounds.size(); ++i) {
        const auto& c = pool.compounds[i];
        pool.index[c.compound_id] = i;
        pool.values.push_back(c.label);
        pool.features.push_back(decode_features(c.features));
        if (network) {
            // observe() scores the pool with the core directly: an mpnn reads the graph.
            std::string why;
            pool.features.back().graph = engine::molecule_graph(c.smiles, &why);
            if (!pool.features.back().graph) {
                throw SimulationError("compound '" + c.smiles +
                                      "' has no molecule graph for the mpnn model: " + why);
            }
        }
        keys.push_back(scaffold_key(c.scaffold, c.smiles));
        split_compounds.push_back(
            {{"smiles", c.smiles}, {"label", c.label}, {"scaffold", c.scaffold}, {"role", "pool"}});
    }
    for (const auto& m : services.store.members(full_model.lineage_id, "validation")) {
        split_compounds.push_back({{"smiles", m.smiles},
                                   {"label", m.label},
                                   {"scaffold", m.scaffold},
                                   {"role", "validation"}});
    }
    result.hit_sets = make_hit_sets(options.objective, pool.values);
    for (const auto& set : result.hit_sets) {
        say("hits: " + std::to_string(set.count) + " pool compounds " + set.definition);
    }

    const SelectContext ctx{options, services, user, pool};
    json init_sets = json::array();
    json held_out_sets = json::array();
    for (std::int64_t seed = 0; seed < options.seeds; ++seed) {
        // One initial set per seed, shared by every strategy: they start level.
        PoolSplit split;
        try {
            split = draw_pool_split(keys, options.split, options.held_out,
                                    static_cast<std::size_t>(options.init),
                                    static_cast<std::uint64_t>(seed));
        } catch (const std::invalid_argument& e) {
            throw SimulationError(std::string("seed ") + std::to_string(seed) + ": " + e.what());
        }
        init_sets.push_back(split.init);
        held_out_sets.push_back(split.held_out);
        if (options.split == "scaffold" && seed == 0) {
            say("scaffold split: " + std::to_string(split.held_out.size()) +
                " pool compounds in scaffold groups the initial set does not touch");
        }

        for (const auto& strategy : options.strategies) {
            SimulationRun run;
            run.strategy = strategy;
            run.seed = seed;
            CreateModelRequest create;
            create.name = strategy + " seed " + std::to_string(seed);
            create.property = kProperty;
            create.task = options.task;
            create.dataset = kDataset;
            create.validation_compound_ids = validation_ids;
            create.compound_ids = validation_ids;
            std::vector<bool> labelled(pool.compounds.size(), false);
            for (std::size_t i : split.init) {
                create.compound_ids.push_back(pool.compounds[i].compound_id);
                labelled[i] = true;
            }
            create.params = params;
            create.params["seed"] = seed;
            create.objective = options.objective;
            domain::Model model = services.models.create_model(nullptr, create);
            run.curve.labels.push_back(static_cast<double>(model.n_train));
            run.curve.metric.push_back(metric_of(model.metrics_json, result.metric));
            observe(run.discovery, result.hit_sets, ctx, model, labelled);
            for (std::int64_t cycle = 0; cycle <= options.cycles; ++cycle) {
                // After the last retrain only the next batch's uncertainty is wanted.
                const bool preview = cycle == options.cycles;
                const Batch batch = select_batch_for(
                    ctx, model, strategy, static_cast<std::uint64_t>(seed * 1000 + cycle), preview);
                run.curve.uncertainty.push_back(batch.mean_uncertainty);
                if (preview) {
                    break;
                }
                for (std::size_t k = 0; k < batch.item_ids.size(); ++k) {
                    LabelInput label;
                    const std::size_t i = pool.index.at(batch.compound_ids[k]);
                    label.label = pool.values[i];
                    services.active_learning.submit_label(user, batch.item_ids[k], label);
                    labelled[i] = true;
                }
                const auto started = std::chrono::steady_clock::now();
                const auto job_id = services.active_learning.trigger_retrain(
                    user, *batch.cycle_id, std::max<std::int64_t>(1, batch.added));
                services.jobs.wait_idle();
                run.retrain_seconds.push_back(
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                        .count());
                const auto job = services.active_learning.get_job(job_id);
                if (job.status != "succeeded") {
                    throw SimulationError("retraining failed in cycle " +
                                          std::to_string(cycle + 1) + " of " + create.name + ": " +
                                          job.error.value_or(job.message));
                }
                model = *services.store.active_model(model.lineage_id);
                run.curve.labels.push_back(static_cast<double>(model.n_train));
                run.curve.metric.push_back(metric_of(model.metrics_json, result.metric));
                observe(run.discovery, result.hit_sets, ctx, model, labelled);
                std::string found;
                if (!run.discovery.found.empty()) {
                    found = ", " + fmt(run.discovery.found[0].back(), "%g") + "/" +
                            std::to_string(result.hit_sets[0].count) + " " +
                            result.hit_sets[0].name + " hits";
                }
                say(strategy + " seed " + std::to_string(seed) + " cycle " +
                    std::to_string(cycle + 1) + "/" + std::to_string(options.cycles) + ": " +
                    std::to_string(model.n_train) + " labels, " + result.metric + " " +
                    fmt(run.curve.metric.back()) + found + " (retrain " +
                    fmt(run.retrain_seconds.back(), "%.1f") + " s)");
            }
            result.runs.push_back(std::move(run));
        }
    }
    json objective = nullptr;
    if (options.objective.active()) {
        objective = {{"kind", to_string(options.objective.kind)},
                     {"description", describe(options.objective)}};
        if (options.objective.kind == ObjectiveKind::Window) {
            objective["lo"] = options.objective.lo;
            objective["hi"] = options.objective.hi;
        } else if (options.objective.kind == ObjectiveKind::Class) {
            objective["class"] = options.objective.target_class;
        }
    }
    json hits = json::array();
    for (const auto& set : result.hit_sets) {
        std::vector<std::size_t> members;
        for (std::size_t i = 0; i < set.hit.size(); ++i) {
            if (set.hit[i]) {
                members.push_back(i);
            }
        }
        hits.push_back({{"name", set.name},
                        {"definition", set.definition},
                        {"cutoff", set.cutoff ? json(*set.cutoff) : json(nullptr)},
                        {"pool_indices", members}});
    }
    result.split = {
        {"split", options.split},
        {"held_out_share", options.split == "scaffold" ? json(options.held_out) : json(nullptr)},
        {"compounds", split_compounds},
        {"init", init_sets},
        {"held_out", held_out_sets},
        {"objective", objective},
        {"beta", options.beta ? json(*options.beta) : json(SelectionOptions{}.beta)},
        {"hit_sets", hits}};

    // Summaries on the mean curves; random first, so the others can be compared with it.
    std::vector<std::string> order = options.strategies;
    std::stable_partition(order.begin(), order.end(),
                          [](const std::string& s) { return s == "random"; });
    std::optional<double> random_area;
    std::vector<HitSetSummary> random_discovery;
    std::map<std::string, StrategySummary> by_name;
    for (const auto& strategy : order) {
        std::vector<curve::Curve> curves;
        std::vector<const DiscoveryTrace*> traces;
        StrategySummary s;
        s.strategy = strategy;
        double seconds = 0.0;
        std::size_t n_retrains = 0;
        for (const auto& r : result.runs) {
            if (r.strategy == strategy) {
                curves.push_back(r.curve);
                traces.push_back(&r.discovery);
                for (double t : r.retrain_seconds) {
                    seconds += t;
                    ++n_retrains;
                }
            }
        }
        s.mean = curve::mean_curve(curves);
        s.area = curve::area_under_curve(s.mean.labels, s.mean.mean);
        s.labels_to_target = curve::labels_to_reach(s.mean.labels, s.mean.mean, result.target,
                                                    result.higher_is_better);
        curve::Curve mean{s.mean.labels, s.mean.mean, s.mean.uncertainty};
        s.stop = curve::suggest_stop(mean, result.higher_is_better);
        s.mean_retrain_seconds = n_retrains ? seconds / static_cast<double>(n_retrains) : 0.0;
        const bool is_random = strategy == "random";
        s.discovery =
            summarize_discovery(result.hit_sets, traces, static_cast<std::size_t>(result.n_pool),
                                random_discovery.empty() ? nullptr : &random_discovery);
        if (is_random) {
            random_area = s.area;
            random_discovery = s.discovery;
            // Random against itself: 1 where it found any.
            s.discovery =
                summarize_discovery(result.hit_sets, traces,
                                    static_cast<std::size_t>(result.n_pool), &random_discovery);
        }
        by_name[strategy] = std::move(s);
    }
    for (const auto& strategy : options.strategies) {
        auto& s = by_name.at(strategy);
        if (random_area) {
            s.area_ratio_vs_random =
                curve::area_ratio_vs_random(s.area, *random_area, result.higher_is_better);
        }
        result.summaries.push_back(std::move(s));
    }
    return result;
}

} // namespace labelloop::service
