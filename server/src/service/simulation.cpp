#include "service/simulation.hpp"

#include "chem/readers.hpp"
#include "service/compound_service.hpp"
#include "service/errors.hpp"
#include "service/services.hpp"

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

void check_options(const SimulationOptions& o) {
    if (o.task != "regression" && o.task != "classification") {
        throw SimulationError("--task must be regression or classification, got '" + o.task + "'");
    }
    if (o.split != "random" && o.split != "scaffold") {
        throw SimulationError("--split must be random or scaffold, got '" + o.split + "'");
    }
    if (o.strategies.empty()) {
        throw SimulationError("--strategy needs at least one strategy");
    }
    static const std::set<std::string> known{"uncertainty", "margin", "entropy", "random",
                                             "hybrid"};
    std::set<std::string> seen;
    for (const auto& name : o.strategies) {
        const auto [s, diversity] = split_strategy(name);
        if (known.count(s) == 0) {
            throw SimulationError("unknown strategy '" + s +
                                  "' (expected uncertainty, margin, entropy, random or hybrid, "
                                  "optionally with +maxmin or +tanimoto_cap)");
        }
        if (!diversity.empty() && diversity != "maxmin" && diversity != "tanimoto_cap") {
            throw SimulationError("unknown diversity '" + diversity + "' in strategy '" + name +
                                  "' (expected maxmin or tanimoto_cap)");
        }
        if ((s == "margin" || s == "hybrid") && o.task == "regression" && !o.threshold) {
            throw SimulationError("strategy '" + s +
                                  "' on a regression task needs --threshold (the value to "
                                  "select around)");
        }
        if (!seen.insert(name).second) {
            throw SimulationError("strategy '" + name + "' is listed twice");
        }
    }
    if (o.batch < 1 || o.batch > 1000) {
        throw SimulationError("--batch must be between 1 and 1000");
    }
    if (o.cycles < 1) {
        throw SimulationError("--cycles must be at least 1");
    }
    if (o.init < 10) {
        throw SimulationError("--init must be at least 10 (a model needs 10 labels to start)");
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

} // namespace

SimulationResult run_simulation(const SimulationOptions& options) {
    check_options(options);
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
    full.params = params;
    full.params["seed"] = 0;
    say("training the full-pool model (" + std::to_string(options.members) + " members)");
    const auto full_model = services.models.create_model(nullptr, full);
    result.full_pool_score = metric_of(full_model.metrics_json, result.metric);
    result.target = curve::target_score(result.full_pool_score, result.higher_is_better);

    std::vector<std::string> validation_ids;
    std::vector<domain::LabeledCompound> pool;
    for (const auto& m : services.store.members(full_model.lineage_id, "")) {
        if (m.role == "validation") {
            validation_ids.push_back(m.compound_id);
        } else {
            pool.push_back(m);
        }
    }
    result.n_compounds = static_cast<std::int64_t>(validation_ids.size() + pool.size());
    result.n_pool = static_cast<std::int64_t>(pool.size());
    result.n_validation = static_cast<std::int64_t>(validation_ids.size());
    say("full-pool model: " + result.metric + " " + fmt(result.full_pool_score) + " on " +
        std::to_string(result.n_validation) + " validation compounds (target " +
        fmt(result.target) + ")");
    const std::int64_t needed = options.init + options.batch * options.cycles;
    if (needed > result.n_pool) {
        throw SimulationError("--init " + std::to_string(options.init) + " + --batch " +
                              std::to_string(options.batch) + " x --cycles " +
                              std::to_string(options.cycles) + " = " + std::to_string(needed) +
                              " labels, but the data has only " + std::to_string(result.n_pool) +
                              " compounds outside the validation set");
    }
    std::map<std::string, double> oracle;
    std::map<std::string, std::size_t> pool_index;
    json split_compounds = json::array();
    for (const auto& m : services.store.members(full_model.lineage_id, "")) {
        oracle[m.compound_id] = m.label;
    }
    for (std::size_t i = 0; i < pool.size(); ++i) {
        pool_index[pool[i].compound_id] = i;
        split_compounds.push_back(
            {{"smiles", pool[i].smiles}, {"label", pool[i].label}, {"role", "pool"}});
    }
    for (const auto& m : services.store.members(full_model.lineage_id, "validation")) {
        split_compounds.push_back(
            {{"smiles", m.smiles}, {"label", m.label}, {"role", "validation"}});
    }

    json init_sets = json::array();
    for (std::int64_t seed = 0; seed < options.seeds; ++seed) {
        // One initial set per seed, shared by every strategy: they start level.
        std::vector<std::size_t> order(pool.size());
        for (std::size_t i = 0; i < order.size(); ++i) {
            order[i] = i;
        }
        std::mt19937_64 rng(1000 + static_cast<std::uint64_t>(seed));
        std::shuffle(order.begin(), order.end(), rng);
        order.resize(static_cast<std::size_t>(options.init));
        std::sort(order.begin(), order.end());
        init_sets.push_back(order);

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
            for (std::size_t i : order) {
                create.compound_ids.push_back(pool[i].compound_id);
            }
            create.params = params;
            create.params["seed"] = seed;
            domain::Model model = services.models.create_model(nullptr, create);
            run.curve.labels.push_back(static_cast<double>(model.n_train));
            run.curve.metric.push_back(metric_of(model.metrics_json, result.metric));
            for (std::int64_t cycle = 0; cycle <= options.cycles; ++cycle) {
                SelectRequest select;
                select.model_id = model.id;
                const auto [base, diversity] = split_strategy(strategy);
                select.strategy = base;
                if (!diversity.empty()) {
                    select.diversity = json(diversity);
                }
                select.batch_size = options.batch;
                select.pool.kind = "dataset";
                select.pool.dataset = kDataset;
                select.threshold = options.threshold;
                select.seed = static_cast<std::uint64_t>(seed * 1000 + cycle);
                // After the last retrain only the next batch's uncertainty is wanted.
                select.preview = cycle == options.cycles;
                const auto selected = services.active_learning.select_samples(user, select);
                double uncertainty = 0.0;
                for (const auto& item : selected.items) {
                    uncertainty += item.uncertainty.value_or(0.0);
                }
                run.curve.uncertainty.push_back(
                    selected.items.empty()
                        ? 0.0
                        : uncertainty / static_cast<double>(selected.items.size()));
                if (select.preview) {
                    break;
                }
                for (const auto& item : selected.items) {
                    LabelInput label;
                    label.label = oracle.at(item.compound_id);
                    services.active_learning.submit_label(user, item.id, label);
                }
                const auto started = std::chrono::steady_clock::now();
                const auto job_id = services.active_learning.trigger_retrain(
                    user, *selected.cycle_id, std::max<std::int64_t>(1, selected.added));
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
                const auto active = services.store.active_model(model.lineage_id);
                model = *active;
                run.curve.labels.push_back(static_cast<double>(model.n_train));
                run.curve.metric.push_back(metric_of(model.metrics_json, result.metric));
                say(strategy + " seed " + std::to_string(seed) + " cycle " +
                    std::to_string(cycle + 1) + "/" + std::to_string(options.cycles) + ": " +
                    std::to_string(model.n_train) + " labels, " + result.metric + " " +
                    fmt(run.curve.metric.back()) + " (retrain " +
                    fmt(run.retrain_seconds.back(), "%.1f") + " s)");
            }
            result.runs.push_back(std::move(run));
        }
    }
    result.split = {{"compounds", split_compounds}, {"init", init_sets}};

    // Summaries on the mean curves.
    std::optional<double> random_area;
    for (const auto& strategy : options.strategies) {
        std::vector<curve::Curve> curves;
        StrategySummary s;
        s.strategy = strategy;
        double seconds = 0.0;
        std::size_t n_retrains = 0;
        for (const auto& r : result.runs) {
            if (r.strategy == strategy) {
                curves.push_back(r.curve);
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
        if (strategy == "random") {
            random_area = s.area;
        }
        result.summaries.push_back(std::move(s));
    }
    if (random_area) {
        for (auto& s : result.summaries) {
            s.area_ratio_vs_random =
                curve::area_ratio_vs_random(s.area, *random_area, result.higher_is_better);
        }
    }
    return result;
}

json to_json(const SimulationResult& r) {
    const auto& o = r.options;
    json strategies = json::array();
    for (const auto& s : r.summaries) {
        json runs = json::array();
        for (const auto& run : r.runs) {
            if (run.strategy == s.strategy) {
                runs.push_back({{"seed", run.seed},
                                {"labels", run.curve.labels},
                                {"metric", run.curve.metric},
                                {"uncertainty", run.curve.uncertainty}});
            }
        }
        strategies.push_back(
            {{"name", s.strategy},
             {"runs", runs},
             {"mean",
              {{"labels", s.mean.labels},
               {"metric", s.mean.mean},
               {"sd", s.mean.sd},
               {"uncertainty", s.mean.uncertainty}}},
             {"area", s.area},
             {"area_ratio_vs_random",
              s.area_ratio_vs_random ? json(*s.area_ratio_vs_random) : json(nullptr)},
             {"labels_to_target", s.labels_to_target ? json(*s.labels_to_target) : json(nullptr)},
             {"stop", s.stop ? json{{"labels", s.stop->labels}, {"reason", s.stop->reason}}
                             : json(nullptr)}});
    }
    json timing = json::object();
    for (const auto& s : r.summaries) {
        timing[s.strategy] = {{"mean_retrain_seconds", s.mean_retrain_seconds}};
    }
    return {{"format", "labelloop-simulation"},
            {"version", 1},
            {"data", fs::path(o.data_path).filename().string()},
            {"smiles_column", o.smiles_column},
            {"target_column", o.target_column},
            {"task", o.task},
            {"metric", r.metric},
            {"higher_is_better", r.higher_is_better},
            {"batch", o.batch},
            {"cycles", o.cycles},
            {"init", o.init},
            {"seeds", o.seeds},
            {"split", o.split},
            {"validation_fraction", o.validation_fraction},
            {"members", o.members},
            {"n_rows", r.n_rows},
            {"n_compounds", r.n_compounds},
            {"n_pool", r.n_pool},
            {"n_validation", r.n_validation},
            {"full_pool", {{"metric", r.full_pool_score}, {"target", r.target}}},
            {"strategies", strategies},
            {"timing", timing}};
}

std::string curves_csv(const SimulationResult& r) {
    std::string out = "strategy,seed,cycle,labels,metric,sd,uncertainty\n";
    auto row = [&](const std::string& strategy, const std::string& seed, std::size_t cycle,
                   double labels, double metric, std::optional<double> sd,
                   std::optional<double> uncertainty) {
        out += strategy + "," + seed + "," + std::to_string(cycle) + "," + fmt(labels, "%g") + "," +
               fmt(metric, "%.6f") + "," + (sd ? fmt(*sd, "%.6f") : std::string()) + "," +
               (uncertainty ? fmt(*uncertainty, "%.6f") : std::string()) + "\n";
    };
    for (const auto& run : r.runs) {
        for (std::size_t i = 0; i < run.curve.labels.size(); ++i) {
            row(run.strategy, std::to_string(run.seed), i, run.curve.labels[i], run.curve.metric[i],
                std::nullopt,
                i < run.curve.uncertainty.size() ? std::optional<double>(run.curve.uncertainty[i])
                                                 : std::nullopt);
        }
    }
    for (const auto& s : r.summaries) {
        for (std::size_t i = 0; i < s.mean.labels.size(); ++i) {
            row(s.strategy, "mean", i, s.mean.labels[i], s.mean.mean[i], s.mean.sd[i],
                i < s.mean.uncertainty.size() ? std::optional<double>(s.mean.uncertainty[i])
                                              : std::nullopt);
        }
    }
    return out;
}

std::string curves_svg(const SimulationResult& r) {
    std::vector<curve::SvgSeries> series;
    for (std::size_t i = 0; i < r.summaries.size(); ++i) {
        const auto& s = r.summaries[i];
        series.push_back(
            {s.strategy, curve::series_colour(i), s.mean.labels, s.mean.mean, s.mean.sd});
    }
    return curve::render_svg(series,
                             fs::path(r.options.data_path).filename().string() + ": " +
                                 r.options.target_column + " (mean +- sd over " +
                                 std::to_string(r.options.seeds) + " seeds)",
                             "labels used", "validation " + r.metric, r.full_pool_score,
                             "full pool " + fmt(r.full_pool_score, "%.3f"));
}

std::string summary_text(const SimulationResult& r) {
    std::ostringstream out;
    out << "Full-pool model: validation " << r.metric << " " << fmt(r.full_pool_score) << " ("
        << r.n_pool << " pool / " << r.n_validation << " validation compounds); target "
        << (r.higher_is_better ? ">= " : "<= ") << fmt(r.target) << " (within 5 %)\n";
    std::optional<double> random_labels;
    bool random_ran = false;
    for (const auto& s : r.summaries) {
        if (s.strategy == "random") {
            random_ran = true;
            random_labels = s.labels_to_target;
        }
    }
    for (const auto& s : r.summaries) {
        out << "\n" << s.strategy << ":\n  labels to reach the target: ";
        if (s.labels_to_target) {
            out << fmt(*s.labels_to_target, "%g");
            if (random_labels && s.strategy != "random") {
                out << " (" << fmt(100.0 * *s.labels_to_target / *random_labels, "%.0f")
                    << " % of random's " << fmt(*random_labels, "%g") << ")";
            }
        } else {
            out << "not reached within " << fmt(s.mean.labels.back(), "%g") << " labels";
        }
        out << "\n  area under the learning curve: " << fmt(s.area);
        if (s.area_ratio_vs_random) {
            out << " (" << fmt(*s.area_ratio_vs_random, "%.3f") << " x random; > 1 is better)";
        } else if (!random_ran) {
            out << " (add random to --strategy for a comparison)";
        }
        out << "\n  stopping suggestion: ";
        if (s.stop) {
            out << "stop at about " << fmt(s.stop->labels, "%g") << " labels: " << s.stop->reason;
        } else {
            out << "keep labeling: the curve was still improving at the last cycle";
        }
        out << "\n  mean retrain time: " << fmt(s.mean_retrain_seconds, "%.2f") << " s\n";
    }
    return out.str();
}

} // namespace labelloop::service
