// The simulation's result files and printed report (service/simulation.hpp).
#include "service/simulation.hpp"

#include "labelloop/sampling.hpp"

#include <cstdio>
#include <filesystem>
#include <sstream>

namespace labelloop::service {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string fmt(double v, const char* format = "%.4f") {
    char buf[48];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

json optional_number(const std::optional<double>& v) {
    return v ? json(*v) : json(nullptr);
}

json discovery_json(const SimulationResult& r) {
    if (r.hit_sets.empty()) {
        return nullptr;
    }
    json sets = json::array();
    for (const auto& set : r.hit_sets) {
        sets.push_back({{"name", set.name},
                        {"definition", set.definition},
                        {"count", set.count},
                        {"cutoff", optional_number(set.cutoff)}});
    }
    json strategies = json::array();
    for (const auto& s : r.summaries) {
        json runs = json::array();
        for (const auto& run : r.runs) {
            if (run.strategy != s.strategy) {
                continue;
            }
            json found = json::object();
            json expected = json::object();
            json remaining = json::object();
            for (std::size_t k = 0; k < r.hit_sets.size(); ++k) {
                found[r.hit_sets[k].name] = run.discovery.found[k];
                expected[r.hit_sets[k].name] = run.discovery.expected_remaining[k];
                remaining[r.hit_sets[k].name] = run.discovery.true_remaining[k];
            }
            runs.push_back({{"seed", run.seed},
                            {"labels", run.discovery.labels},
                            {"found", found},
                            {"expected_remaining", expected},
                            {"true_remaining", remaining}});
        }
        json mean = json::object();
        json enrichment = json::object();
        json estimate = json::object();
        for (const auto& d : s.discovery) {
            mean[d.set] = {{"labels", d.found_fraction.labels},
                           {"found_fraction", d.found_fraction.mean},
                           {"sd", d.found_fraction.sd}};
            json at = json::array();
            for (const auto& e : d.enrichment) {
                at.push_back({{"pool_fraction", e.pool_fraction},
                              {"labels", e.labels},
                              {"found_fraction", optional_number(e.found_fraction)},
                              {"vs_expected", optional_number(e.vs_expected)},
                              {"vs_random", optional_number(e.vs_random)}});
            }
            enrichment[d.set] = at;
            estimate[d.set] = {{"mae", d.estimate.mae},
                               {"bias", d.estimate.bias},
                               {"correlation", optional_number(d.estimate.correlation)}};
        }
        strategies.push_back({{"name", s.strategy},
                              {"runs", runs},
                              {"mean", mean},
                              {"enrichment", enrichment},
                              {"estimate", estimate}});
    }
    return {{"hit_sets", sets},
            {"estimate_note",
             "expected_remaining: the sum of P(hit) over the unlabelled pool under each model "
             "version; for top-k sets P(hit) uses the TRUE top-k cut-off as the hit threshold, "
             "known only in a simulation, to evaluate the estimate"},
            {"strategies", strategies}};
}

std::string data_name(const SimulationResult& r) {
    return fs::path(r.options.data_path).filename().string();
}

} // namespace

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
             {"area_ratio_vs_random", optional_number(s.area_ratio_vs_random)},
             {"labels_to_target", optional_number(s.labels_to_target)},
             {"stop", s.stop ? json{{"labels", s.stop->labels}, {"reason", s.stop->reason}}
                             : json(nullptr)}});
    }
    json timing = json::object();
    for (const auto& s : r.summaries) {
        timing[s.strategy] = {{"mean_retrain_seconds", s.mean_retrain_seconds}};
    }
    json objective = nullptr;
    if (o.objective.active()) {
        objective = {{"kind", to_string(o.objective.kind)}, {"description", describe(o.objective)}};
    }
    return {{"format", "labelloop-simulation"},
            {"version", 1},
            {"data", data_name(r)},
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
            {"held_out", o.split == "scaffold" ? json(o.held_out) : json(nullptr)},
            {"validation_fraction", o.validation_fraction},
            {"members", o.members},
            {"objective", objective},
            {"beta", o.beta ? json(*o.beta) : json(SelectionOptions{}.beta)},
            {"n_rows", r.n_rows},
            {"n_compounds", r.n_compounds},
            {"n_pool", r.n_pool},
            {"n_validation", r.n_validation},
            {"full_pool", {{"metric", r.full_pool_score}, {"target", r.target}}},
            {"strategies", strategies},
            {"discovery", discovery_json(r)},
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
                             data_name(r) + ": " + r.options.target_column + " (mean +- sd over " +
                                 std::to_string(r.options.seeds) + " seeds)",
                             "labels used", "validation " + r.metric, r.full_pool_score,
                             "full pool " + fmt(r.full_pool_score, "%.3f"));
}

std::string discovery_csv(const SimulationResult& r) {
    if (r.hit_sets.empty()) {
        return "";
    }
    std::string out =
        "strategy,seed,cycle,labels,hit_set,found,found_fraction,sd,expected_remaining,"
        "true_remaining\n";
    for (const auto& run : r.runs) {
        for (std::size_t k = 0; k < r.hit_sets.size(); ++k) {
            const double total = static_cast<double>(std::max<std::size_t>(1, r.hit_sets[k].count));
            for (std::size_t i = 0; i < run.discovery.labels.size(); ++i) {
                out += run.strategy + "," + std::to_string(run.seed) + "," + std::to_string(i) +
                       "," + fmt(run.discovery.labels[i], "%g") + "," + r.hit_sets[k].name + "," +
                       fmt(run.discovery.found[k][i], "%g") + "," +
                       fmt(run.discovery.found[k][i] / total, "%.6f") + ",," +
                       fmt(run.discovery.expected_remaining[k][i], "%.4f") + "," +
                       fmt(run.discovery.true_remaining[k][i], "%g") + "\n";
            }
        }
    }
    for (const auto& s : r.summaries) {
        for (const auto& d : s.discovery) {
            for (std::size_t i = 0; i < d.found_fraction.labels.size(); ++i) {
                out += s.strategy + ",mean," + std::to_string(i) + "," +
                       fmt(d.found_fraction.labels[i], "%g") + "," + d.set + ",," +
                       fmt(d.found_fraction.mean[i], "%.6f") + "," +
                       fmt(d.found_fraction.sd[i], "%.6f") + ",,\n";
            }
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> discovery_svgs(const SimulationResult& r) {
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t k = 0; k < r.hit_sets.size(); ++k) {
        std::vector<curve::SvgSeries> series;
        for (std::size_t i = 0; i < r.summaries.size(); ++i) {
            const auto& d = r.summaries[i].discovery[k];
            series.push_back({r.summaries[i].strategy, curve::series_colour(i),
                              d.found_fraction.labels, d.found_fraction.mean, d.found_fraction.sd});
        }
        // What random sampling finds on average: the share of the pool labelled.
        if (!r.summaries.empty()) {
            const auto& labels = r.summaries[0].discovery[k].found_fraction.labels;
            std::vector<double> expected;
            for (double l : labels) {
                expected.push_back(l / static_cast<double>(r.n_pool));
            }
            series.push_back({"expected at random", "#bbbbbb", labels, expected, {}});
        }
        out.emplace_back(
            "discovery_" + r.hit_sets[k].name + ".svg",
            curve::render_svg(series,
                              data_name(r) + ": hits found, " + r.hit_sets[k].definition + ", " +
                                  std::to_string(r.hit_sets[k].count) +
                                  " in the pool (mean +- sd over " +
                                  std::to_string(r.options.seeds) + " seeds)",
                              "labels used", "share of the pool's hits found", 1.0, "all hits"));
    }
    return out;
}

std::string summary_text(const SimulationResult& r) {
    std::ostringstream out;
    out << "Full-pool model: validation " << r.metric << " " << fmt(r.full_pool_score) << " ("
        << r.n_pool << " pool / " << r.n_validation << " validation compounds, " << r.options.split
        << " split); target " << (r.higher_is_better ? ">= " : "<= ") << fmt(r.target)
        << " (within 5 %)\n";
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
        for (std::size_t k = 0; k < s.discovery.size(); ++k) {
            const auto& d = s.discovery[k];
            // "5 / 10 / 20 %" columns, "-" where the schedule did not get there.
            std::string at;
            std::string found;
            std::string expected;
            std::string vs_random;
            bool any_random = false;
            for (const auto& e : d.enrichment) {
                const std::string sep = at.empty() ? "" : " / ";
                at += sep + fmt(100.0 * e.pool_fraction, "%g");
                found += sep + (e.found_fraction ? fmt(100.0 * *e.found_fraction, "%.0f") : "-");
                expected += sep + (e.vs_expected ? fmt(*e.vs_expected, "%.2f") : "-");
                vs_random += sep + (e.vs_random ? fmt(*e.vs_random, "%.2f") : "-");
                any_random = any_random || e.vs_random.has_value();
            }
            out << "  hits " << d.set << " (" << r.hit_sets[k].count << " in the pool): " << found
                << " % found at " << at << " % of the pool labelled = " << expected
                << " x random's expectation";
            if (any_random) {
                out << ", " << vs_random << " x the random run";
            }
            out << "\n    expected hits remaining vs true: mean abs error "
                << fmt(d.estimate.mae, "%.1f") << ", bias " << fmt(d.estimate.bias, "%+.1f")
                << ", correlation over cycles "
                << (d.estimate.correlation ? fmt(*d.estimate.correlation, "%.2f")
                                           : std::string("-"))
                << "\n";
        }
    }
    if (!r.hit_sets.empty()) {
        out << "\nHits: ";
        for (std::size_t k = 0; k < r.hit_sets.size(); ++k) {
            out << (k ? "; " : "") << r.hit_sets[k].name << " = " << r.hit_sets[k].count
                << " pool compounds " << r.hit_sets[k].definition;
        }
        out << ". For top-k sets the expected-remaining estimate uses the true cut-off (known "
               "only in a simulation).\n";
    }
    return out.str();
}

} // namespace labelloop::service
