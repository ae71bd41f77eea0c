// LabelLoop core benchmark: our BootstrapEnsemble side by side with scikit-learn's
// RandomForest on ESOL, Lipophilicity and BBBP (same seeded 80/20 split, same features), plus
// scoring throughput and Tanimoto throughput. Prints figures; asserts nothing.
//
//   labelloop_bench [--data DIR] [--cache DIR] [--sets esol,lipophilicity,bbbp]
//                   [--threads 2] [--member TYPE[,TYPE...]|both|all]
//                   [--no-sklearn] [--scoring-only] [--wasm-bench PATH.js]
//                   [--rounds N] [--lr X] [--depth N] [--ff X] [--leaf N] [--members N]
//                   [--no-linear] [--alpha X] [--bins N] [--l2 X] [--subsample X] [--split-seed N]
//                   [--model-seed N] [--seeds N] [--repeat N] [--worst N] [--mpnn JSON]
//
// TYPE is gradient_boosted, random_tree or mpnn; both = the two tree families, all = the three.
// An mpnn ensemble is fitted as the server fits one (model_engine's train): the size's
// recommended parameters with member_type mpnn and the network ensemble's 5 members (unless
// --members), each row's molecule graph built from RDKit's molecule JSON of the same row (see
// bench_data.hpp); rows whose graph is refused are left out of its training and test sets and
// counted.
//
// --model-seed N (default 0) seeds the ensemble itself: on one split, the spread over model
// seeds shows how much of a score difference between two variants is luck. --seeds N fits each
// family with model seeds N0 .. N0+N-1 (N0 = --model-seed) and adds a line with the mean and
// spread (sample standard deviation, min-max) of score, fit time and test interval coverage.
// --worst N prints, per fit, the N test rows (by position among the split's test rows) with
// the largest absolute error, to see whether a few compounds carry an RMSE.
// --repeat N fits each model N times and reports the fastest fit (for profiling the fit with
// perf; sklearn still fits once, so leave it at 1 for the side-by-side ratios).
// --mpnn JSON sets the networks' parameters as the API's params.mpnn does (e.g. '{"epochs": 60}').
//
// --split-seed N (default 0) picks another seeded 80/20 split (numpy RandomState(N)); its
// features are cached as DATASET.sN.tsv (seed 0 keeps DATASET.tsv). Running seeds 0-4 shows how
// much a score depends on the split.
//
// Features come from bench/featurize.py (python3-rdkit): Morgan r=2 2048 bits + the 28
// descriptors, cached as DATASET.tsv in the cache directory. --scoring-only (used for the
// WASM build under node) skips fitting comparisons and sklearn.
#include "bench_data.hpp"
#include "labelloop/applicability.hpp"
#include "labelloop/ensemble.hpp"
#include "labelloop/json_mapping.hpp"
#include "labelloop/metrics.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#ifndef LABELLOOP_DATA_DIR
#define LABELLOOP_DATA_DIR "../shared/data"
#endif

using namespace labelloop;
using Clock = std::chrono::steady_clock;

namespace {

using bench::Dataset;
using bench::split;

struct Options {
    std::string data_dir = LABELLOOP_DATA_DIR;
    std::string cache_dir = "/tmp/labelloop-bench";
    std::vector<std::string> sets{"esol", "lipophilicity", "bbbp"};
    unsigned threads = 2;
    std::string member = "gradient_boosted";
    bool sklearn = true;
    bool scoring_only = false;
    std::string wasm_bench;
    EnsembleParams overrides;
    std::string mpnn_json; // --mpnn '{"epochs": 60}': network parameters, as the API takes them
    bool has_rounds = false, has_lr = false, has_depth = false, has_ff = false, has_leaf = false,
         has_members = false, has_bins = false, has_l2 = false, has_subsample = false;
    bool no_linear = false;
    double alpha = 0.0;
    unsigned split_seed = 0;
    unsigned repeat = 1;
    std::uint64_t model_seed = 0;
    unsigned seeds = 1;
    std::size_t worst = 0;
};

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

Dataset load(const Options& o, const std::string& set) {
    return bench::load_dataset(o.data_dir, o.cache_dir, set, o.split_seed);
}

EnsembleParams params_for(const Options& o, MemberType type, std::size_t n_training) {
    EnsembleParams p = type == MemberType::RandomTree ? EnsembleParams::random_forest()
                                                      : EnsembleParams::recommended(n_training);
    if (type == MemberType::Mpnn) {
        // What the server's params_from_json makes of {"member_type": "mpnn"}.
        p.member_type = MemberType::Mpnn;
        p.n_members = EnsembleParams::mpnn_ensemble().n_members;
        if (!o.mpnn_json.empty()) { // --mpnn: as the API's params.mpnn
            p = parse_ensemble_params(nlohmann::json{{"mpnn", nlohmann::json::parse(o.mpnn_json)}},
                                      p);
        }
    }
    p.n_threads = o.threads;
    p.seed = o.model_seed;
    if (o.has_rounds) {
        p.boosting_rounds = o.overrides.boosting_rounds;
    }
    if (o.has_lr) {
        p.learning_rate = o.overrides.learning_rate;
    }
    if (o.has_depth) {
        p.max_depth = o.overrides.max_depth;
    }
    if (o.has_ff) {
        p.feature_fraction = o.overrides.feature_fraction;
    }
    if (o.has_leaf) {
        p.min_samples_leaf = o.overrides.min_samples_leaf;
    }
    if (o.no_linear) {
        p.linear_base = false;
    }
    if (o.alpha > 0) {
        p.ridge_alpha = o.alpha;
    }
    if (o.has_subsample) {
        p.row_subsample = o.overrides.row_subsample;
    }
    if (o.has_bins) {
        p.max_bins = o.overrides.max_bins;
    }
    if (o.has_l2) {
        p.l2_regularization = o.overrides.l2_regularization;
    }
    if (o.has_members) {
        p.n_members = o.overrides.n_members;
    }
    return p;
}

double score(Task task, const std::vector<double>& y, const std::vector<Prediction>& pred) {
    std::vector<double> mean;
    for (const auto& p : pred) {
        mean.push_back(p.mean);
    }
    return task == Task::Regression ? rmse(y, mean) : roc_auc(y, mean);
}

struct SklearnResult {
    double bits_score = 0, bits_fit = 0, full_score = 0, full_fit = 0;
};

SklearnResult run_sklearn(const Options& o, const Dataset& d) {
    const std::string cmd = "/usr/bin/python3 '" LABELLOOP_BENCH_DIR "/sklearn_baseline.py' '" +
                            bench::dataset_path(o.cache_dir, d.name, o.split_seed) + "' " +
                            to_string(d.task) + " " + std::to_string(o.threads) + " 0";
    SklearnResult r;
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) {
        throw std::runtime_error("cannot run " + cmd);
    }
    char buf[512];
    while (fgets(buf, sizeof buf, pipe)) {
        const std::string line(buf);
        auto num = [&](const std::string& key) {
            const auto at = line.find("\"" + key + "\": ");
            return std::stod(line.substr(at + key.size() + 4));
        };
        if (line.find("\"bits+descriptors\"") != std::string::npos) {
            r.full_score = num("score");
            r.full_fit = num("fit_s");
        } else if (line.find("\"bits\"") != std::string::npos) {
            r.bits_score = num("score");
            r.bits_fit = num("fit_s");
        }
    }
    if (pclose(pipe) != 0) {
        throw std::runtime_error("scikit-learn baseline failed: " + cmd);
    }
    return r;
}

void scoring_throughput(const BootstrapEnsemble& model, const Dataset& d, const char* where) {
    // Repeat until ~1 s so the figure is stable.
    std::size_t rows = 0;
    double checksum = 0; // of one pass, so native and WASM runs can be compared
    const auto t0 = Clock::now();
    while (seconds_since(t0) < 1.0) {
        // The pool-scoring path (select_batch and the server use predict_batch).
        const auto preds = model.predict_batch(d.test_x);
        if (rows == 0) {
            for (const auto& p : preds) {
                checksum += p.mean;
            }
        }
        rows += d.test_x.size();
    }
    const double s = seconds_since(t0);
    std::printf("scoring[%s] %s: %.2f M compound-members/s (%zu members, %.0f compounds/s, "
                "checksum %.6f)\n",
                where, d.name.c_str(),
                static_cast<double>(rows) * static_cast<double>(model.n_members()) / s / 1e6,
                model.n_members(), static_cast<double>(rows) / s, checksum);
}

void tanimoto_throughput(const Dataset& d, const char* where) {
    std::vector<Fingerprint> fps;
    for (const auto& f : d.train_x) {
        fps.push_back(f.fingerprint);
    }
    double sum = 0;
    std::size_t pairs = 0;
    const auto t0 = Clock::now();
    while (seconds_since(t0) < 1.0) {
        for (std::size_t i = 0; i < 200 && i < fps.size(); ++i) {
            for (const auto& other : fps) {
                sum += tanimoto(fps[i], other);
            }
            pairs += fps.size();
        }
    }
    const double s = seconds_since(t0);
    std::printf("tanimoto[%s]: %.1f M comparisons/s on one core, tanimoto(a, b), %s popcount "
                "(sum %.3f)\n",
                where, static_cast<double>(pairs) / s / 1e6,
                std::string(popcount_kernel_name()).c_str(), sum);
    // The kernel kNN and the applicability domain use: popcounts cached per fingerprint.
    const FingerprintIndex index(fps);
    double sum2 = 0;
    std::size_t pairs2 = 0;
    const auto t1 = Clock::now();
    while (seconds_since(t1) < 1.0) {
        for (std::size_t i = 0; i < 200 && i < fps.size(); ++i) {
            for (double v : index.similarity_to_all(fps[i])) {
                sum2 += v;
            }
            pairs2 += fps.size();
        }
    }
    std::printf("tanimoto[%s]: %.1f M comparisons/s on one core, indexed (cached popcounts) "
                "(sum %.3f)\n",
                where, static_cast<double>(pairs2) / seconds_since(t1) / 1e6, sum2);
}

std::vector<MemberType> member_types(const std::string& text) {
    if (text == "both") {
        return {MemberType::GradientBoosted, MemberType::RandomTree};
    }
    if (text == "all") {
        return {MemberType::GradientBoosted, MemberType::RandomTree, MemberType::Mpnn};
    }
    std::vector<MemberType> types;
    for (const auto& name : split(text, ',')) {
        types.push_back(parse_member_type(name));
    }
    return types;
}

struct Spread {
    double mean = 0, sd = 0, min = 0, max = 0;
};

Spread spread_of(const std::vector<double>& v) {
    Spread s;
    s.min = *std::min_element(v.begin(), v.end());
    s.max = *std::max_element(v.begin(), v.end());
    for (double x : v) {
        s.mean += x / static_cast<double>(v.size());
    }
    for (double x : v) {
        s.sd += (x - s.mean) * (x - s.mean);
    }
    s.sd = v.size() > 1 ? std::sqrt(s.sd / static_cast<double>(v.size() - 1)) : 0.0;
    return s;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                throw std::invalid_argument(a + " needs a value");
            }
            return argv[++i];
        };
        if (a == "--data") {
            o.data_dir = next();
        } else if (a == "--cache") {
            o.cache_dir = next();
        } else if (a == "--sets") {
            o.sets = split(next(), ',');
        } else if (a == "--threads") {
            o.threads = static_cast<unsigned>(std::stoul(next()));
        } else if (a == "--member") {
            o.member = next();
        } else if (a == "--no-sklearn") {
            o.sklearn = false;
        } else if (a == "--scoring-only") {
            o.scoring_only = true;
        } else if (a == "--wasm-bench") {
            o.wasm_bench = next();
        } else if (a == "--rounds") {
            o.overrides.boosting_rounds = static_cast<unsigned>(std::stoul(next()));
            o.has_rounds = true;
        } else if (a == "--lr") {
            o.overrides.learning_rate = std::stod(next());
            o.has_lr = true;
        } else if (a == "--depth") {
            o.overrides.max_depth = static_cast<unsigned>(std::stoul(next()));
            o.has_depth = true;
        } else if (a == "--ff") {
            o.overrides.feature_fraction = std::stod(next());
            o.has_ff = true;
        } else if (a == "--leaf") {
            o.overrides.min_samples_leaf = static_cast<unsigned>(std::stoul(next()));
            o.has_leaf = true;
        } else if (a == "--no-linear") {
            o.no_linear = true;
        } else if (a == "--subsample") {
            o.overrides.row_subsample = std::stod(next());
            o.has_subsample = true;
        } else if (a == "--bins") {
            o.overrides.max_bins = static_cast<unsigned>(std::stoul(next()));
            o.has_bins = true;
        } else if (a == "--l2") {
            o.overrides.l2_regularization = std::stod(next());
            o.has_l2 = true;
        } else if (a == "--alpha") {
            o.alpha = std::stod(next());
        } else if (a == "--split-seed") {
            o.split_seed = static_cast<unsigned>(std::stoul(next()));
        } else if (a == "--model-seed") {
            o.model_seed = std::stoull(next());
        } else if (a == "--seeds") {
            o.seeds = std::max(1U, static_cast<unsigned>(std::stoul(next())));
        } else if (a == "--worst") {
            o.worst = std::stoul(next());
        } else if (a == "--repeat") {
            o.repeat = std::max(1U, static_cast<unsigned>(std::stoul(next())));
        } else if (a == "--mpnn") {
            o.mpnn_json = next();
        } else if (a == "--members") {
            o.overrides.n_members = std::stoul(next());
            o.has_members = true;
        } else {
            std::cerr << "unknown option " << a << "\n";
            return 2;
        }
    }
#ifdef __EMSCRIPTEN__
    const char* where = "wasm";
#else
    const char* where = "native";
#endif
    const std::vector<MemberType> types = member_types(o.member);
    std::printf("%-14s %-17s %10s %9s | %-22s %9s %9s | %s\n", "dataset", "model", "score", "fit_s",
                "sklearn RF", "score", "fit_s", "ratios (score, fit time)");
    for (const auto& set : o.sets) {
        const Dataset d = load(o, set);
        const char* metric = d.task == Task::Regression ? "RMSE" : "ROC-AUC";
        SklearnResult sk;
        if (o.sklearn && !o.scoring_only) {
            sk = run_sklearn(o, d);
        }
        std::optional<bench::GraphDataset> graphs; // built once, for the mpnn
        for (auto type : types) {
            const Dataset* data = &d;
            if (type == MemberType::Mpnn) {
                if (!graphs) {
                    graphs = bench::with_graphs(d, o.data_dir, o.cache_dir, o.split_seed);
                    if (graphs->refused > 0) {
                        std::printf("%-14s   mpnn: %zu rows without a molecule graph left out "
                                    "(first: %s)\n",
                                    "", graphs->refused, graphs->example.c_str());
                    }
                }
                data = &graphs->data;
            }
            const std::vector<double> weights(data->train_x.size(), 1.0);
            std::vector<double> scores, fits, coverages;
            for (unsigned s = 0; s < o.seeds; ++s) {
                Options seeded = o;
                seeded.model_seed = o.model_seed + s;
                const auto params = params_for(seeded, type, data->train_x.size());
                auto fit_once = [&] {
                    return BootstrapEnsemble::fit(data->train_x, data->train_y, weights, data->task,
                                                  FeatureLayout::model_default(), params);
                };
                auto t0 = Clock::now();
                const auto model = fit_once();
                double fit_s = seconds_since(t0);
                for (unsigned rep = 1; rep < o.repeat; ++rep) {
                    t0 = Clock::now();
                    (void)fit_once();
                    fit_s = std::min(fit_s, seconds_since(t0));
                }
                const auto pred = model.predict_batch(data->test_x);
                const double ours = score(data->task, data->test_y, pred);
                const auto metrics = compute_metrics(data->task, data->test_y, pred);
                scores.push_back(ours);
                fits.push_back(fit_s);
                if (metrics.contains("interval_coverage_90")) {
                    coverages.push_back(metrics["interval_coverage_90"].get<double>());
                }
                if (!o.scoring_only) {
                    std::string name = to_string(type);
                    if (o.seeds > 1) {
                        name += " s" + std::to_string(seeded.model_seed);
                    }
                    std::printf("%-14s %-17s %6s %.4f %9.3f |", d.name.c_str(), name.c_str(),
                                metric, ours, fit_s);
                    if (o.sklearn) {
                        std::printf(" %-22s %9.4f %9.3f | score %.3f, fit %.1fx faster\n",
                                    "bits only", sk.bits_score, sk.bits_fit, ours / sk.bits_score,
                                    sk.bits_fit / fit_s);
                        std::printf("%-14s %-17s %10s %9s | %-22s %9.4f %9.3f | score %.3f, fit "
                                    "%.1fx faster\n",
                                    "", "", "", "", "bits+28 descriptors", sk.full_score,
                                    sk.full_fit, ours / sk.full_score, sk.full_fit / fit_s);
                    } else {
                        std::printf("\n");
                    }
                    std::printf("%-14s   metrics %s; OOB: score %.4f, 90%% interval coverage "
                                "%.3f gaussian / %.3f calibrated (z90 %.3f)\n",
                                "", metrics.dump().c_str(), model.calibration().oob_score,
                                model.calibration().oob_coverage_gaussian,
                                model.calibration().oob_coverage, model.calibration().z90);
                }
                if (o.worst > 0 && !o.scoring_only) {
                    std::vector<std::size_t> order(pred.size());
                    for (std::size_t i = 0; i < order.size(); ++i) {
                        order[i] = i;
                    }
                    const auto error = [&](std::size_t i) {
                        return std::abs(data->test_y[i] - pred[i].mean);
                    };
                    std::sort(order.begin(), order.end(),
                              [&](std::size_t a, std::size_t b) { return error(a) > error(b); });
                    for (std::size_t k = 0; k < o.worst && k < order.size(); ++k) {
                        const std::size_t i = order[k];
                        std::printf("%-14s   worst %zu: test row %zu, label %.3f, predicted %.3f "
                                    "(sd %.3f, 90%% interval %.3f to %.3f)\n",
                                    "", k + 1, i, data->test_y[i], pred[i].mean, pred[i].std,
                                    pred[i].lower90, pred[i].upper90);
                    }
                }
                if (s == 0) {
                    scoring_throughput(model, *data, where);
                }
            }
            if (o.seeds > 1 && !o.scoring_only) {
                const Spread sc = spread_of(scores);
                const Spread ft = spread_of(fits);
                std::printf("%-14s %-17s %6s %.4f +- %.4f (%.4f-%.4f), fit %.2f +- %.2f s over "
                            "%u seeds",
                            d.name.c_str(), (to_string(type) + " mean").c_str(), metric, sc.mean,
                            sc.sd, sc.min, sc.max, ft.mean, ft.sd, o.seeds);
                if (!coverages.empty()) {
                    const Spread cv = spread_of(coverages);
                    std::printf(", test 90%% coverage %.3f +- %.3f", cv.mean, cv.sd);
                }
                if (o.sklearn) {
                    std::printf("; score / sklearn bits+28 %.3f", sc.mean / sk.full_score);
                }
                std::printf("\n");
            }
        }
        if (set == o.sets.front()) {
            tanimoto_throughput(d, where);
        }
    }
    if (!o.wasm_bench.empty()) {
        std::fflush(stdout);
        // The WASM bench cannot run python3-rdkit for the molecule graphs: trees only there.
        std::string wasm_members;
        for (auto type : types) {
            if (type != MemberType::Mpnn) {
                wasm_members += (wasm_members.empty() ? "" : ",") + to_string(type);
            }
        }
        if (wasm_members.empty()) {
            return 0;
        }
        const std::string cmd = "node --no-experimental-fetch '" + o.wasm_bench +
                                "' --scoring-only --threads 1 --sets " + o.sets.front() +
                                " --member " + wasm_members + " --cache '" + o.cache_dir +
                                "' --split-seed " + std::to_string(o.split_seed);
        if (std::system(cmd.c_str()) != 0) {
            std::fprintf(stderr, "WASM bench failed: %s\n", cmd.c_str());
            return 1;
        }
    }
    return 0;
}
