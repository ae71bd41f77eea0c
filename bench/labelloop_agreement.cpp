// Native-vs-WASM agreement check. Built in both trees; each build fits the same seeded models
// on the same synthetic compounds and prints predictions, uncertainties, applicability
// distances and a selection ranking as "key value" lines. The native build, given the WASM
// build's output with --compare FILE, checks every value to 1e-9 (ctest: core_wasm_agreement).
//
//   labelloop_agreement                 print this build's values
//   labelloop_agreement --compare FILE  compare FILE (from the other build) with this build
#include "labelloop/ensemble.hpp"
#include "labelloop/model_format.hpp"
#include "labelloop/sampling.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace labelloop;

namespace {

// Deterministic synthetic chemistry-like data: 40 "scaffolds" of correlated bits, the
// model descriptors, a label that depends non-linearly on both.
struct Synthetic {
    std::vector<Features> x;
    std::vector<double> y;
};

std::uint64_t splitmix(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double unit(std::uint64_t& s) {
    return static_cast<double>(splitmix(s) >> 11) * 0x1.0p-53;
}

Synthetic make_data(std::size_t n, std::uint64_t seed) {
    Synthetic d;
    std::uint64_t s = seed;
    for (std::size_t i = 0; i < n; ++i) {
        const auto scaffold = splitmix(s) % 40;
        std::vector<std::uint32_t> bits;
        for (std::uint32_t b = 0; b < 12; ++b) {
            bits.push_back(static_cast<std::uint32_t>((scaffold * 37 + b * 101) % 2048));
        }
        for (int extra = 0; extra < 25; ++extra) {
            bits.push_back(static_cast<std::uint32_t>(splitmix(s) % 2048));
        }
        Features f{Fingerprint::from_on_bits(bits), {}};
        for (std::size_t k = 0; k < kModelDescriptorNames.size(); ++k) {
            f.descriptors.push_back(static_cast<double>(scaffold % 7) + 3.0 * unit(s) +
                                    static_cast<double>(k));
        }
        const double y = 0.8 * f.descriptors[20] - 0.3 * f.descriptors[3] +
                         (f.fingerprint.test(bits[0]) && scaffold % 3 == 0 ? 1.5 : 0.0) +
                         0.2 * std::sin(f.descriptors[7]) + 0.3 * (unit(s) - 0.5);
        d.x.push_back(std::move(f));
        d.y.push_back(y);
    }
    return d;
}

std::uint64_t fnv1a(const std::vector<std::uint8_t>& bytes) {
    std::uint64_t h = 1469598103934665603ULL;
    for (auto b : bytes) {
        h = (h ^ b) * 1099511628211ULL;
    }
    return h;
}

void emit(std::ostream& out, const std::string& key, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out << key << ' ' << buf << '\n';
}

// A selection's batch: each pick's pool index and priority, in pick order.
void emit_batch(std::ostream& out, const std::string& key, const SelectionResult& r) {
    for (std::size_t i = 0; i < r.selected.size(); ++i) {
        emit(out, key + ".pick" + std::to_string(i), static_cast<double>(r.selected[i].index));
        emit(out, key + ".pick" + std::to_string(i) + ".priority", r.selected[i].priority_score);
    }
}

std::string run() {
    std::ostringstream out;
    const auto train = make_data(240, 7);
    const auto pool = make_data(60, 99);
    std::vector<double> weights(train.x.size(), 1.0);
    for (std::size_t i = 0; i < weights.size(); i += 5) {
        weights[i] = LabelWeightTable{}.weight(LabelSource::Literature, LabelConfidence::Medium);
    }
    std::vector<double> median_sorted = train.y;
    std::sort(median_sorted.begin(), median_sorted.end());
    const double median = median_sorted[median_sorted.size() / 2];
    std::vector<double> y_class;
    for (double v : train.y) {
        y_class.push_back(v > median ? 1.0 : 0.0);
    }

    struct Case {
        std::string name;
        Task task;
        EnsembleParams params;
    };
    EnsembleParams gbm;
    gbm.n_members = 16;
    gbm.boosting_rounds = 30;
    gbm.min_samples_leaf = 3;
    gbm.seed = 11;
    EnsembleParams gbm_linear = gbm;
    gbm_linear.linear_base = true;
    EnsembleParams rf = EnsembleParams::random_forest();
    rf.n_members = 16;
    rf.seed = 12;
    const std::vector<Case> cases{{"gbm_regression", Task::Regression, gbm},
                                  {"gbm_linear_regression", Task::Regression, gbm_linear},
                                  {"gbm_classification", Task::Classification, gbm},
                                  {"rf_regression", Task::Regression, rf},
                                  {"rf_classification", Task::Classification, rf}};
    for (const auto& c : cases) {
        const auto& y = c.task == Task::Regression ? train.y : y_class;
        const auto model = BootstrapEnsemble::fit(train.x, y, weights, c.task,
                                                  FeatureLayout::model_default(), c.params);
        out << c.name << ".model_fnv1a " << fnv1a(save_model(model)) << '\n';
        emit(out, c.name + ".z90", model.calibration().z90);
        emit(out, c.name + ".oob_score", model.calibration().oob_score);
        const auto preds = model.predict_batch(pool.x, true);
        for (std::size_t i = 0; i < preds.size(); ++i) {
            const std::string k = c.name + "[" + std::to_string(i) + "]";
            emit(out, k + ".mean", preds[i].mean);
            emit(out, k + ".std", preds[i].std);
            emit(out, k + ".member3", preds[i].members[3]);
            emit(out, k + ".ad", model.applicability().distance(pool.x[i].fingerprint));
        }
        SelectionOptions opt;
        opt.strategy = Strategy::Hybrid;
        opt.threshold = median;
        opt.batch_size = 8;
        opt.diversity = Diversity::MaxMin;
        const auto sel = select_batch(model, pool.x, opt);
        emit_batch(out, c.name, sel);
        // Every strategy, toward an objective: the same batch and scores in both builds.
        Objective objective;
        if (c.task == Task::Regression) {
            objective.kind = ObjectiveKind::Window;
            objective.lo = median;
            objective.hi = median + 1.0;
        } else {
            objective.kind = ObjectiveKind::Class;
        }
        for (Strategy s : all_strategies()) {
            SelectionOptions o;
            o.strategy = s;
            o.batch_size = 8;
            o.objective = objective;
            o.threshold = c.task == Task::Regression ? std::optional<double>(median) : std::nullopt;
            o.best_label = median;
            o.seed = 5;
            o.density_sample = 64;
            const auto r = select_batch(model, pool.x, o);
            emit_batch(out, c.name + "." + to_string(s), r);
        }
        // Maximize with EI / PI over an incumbent (the window above has none to improve on).
        if (c.task == Task::Regression) {
            for (Strategy s : {Strategy::ExpectedImprovement, Strategy::ProbabilityOfImprovement}) {
                SelectionOptions o;
                o.strategy = s;
                o.batch_size = 8;
                o.objective.kind = ObjectiveKind::Maximize;
                o.best_label = median;
                const auto r = select_batch(model, pool.x, o);
                emit_batch(out, c.name + ".max_" + to_string(s), r);
            }
        }
    }
    return out.str();
}

std::vector<std::pair<std::string, std::string>> parse(std::istream& in) {
    std::vector<std::pair<std::string, std::string>> kv;
    std::string key;
    std::string value;
    while (in >> key >> value) {
        kv.emplace_back(key, value);
    }
    return kv;
}

} // namespace

int main(int argc, char** argv) {
    const std::string mine = run();
    if (argc == 3 && std::string(argv[1]) == "--compare") {
        std::ifstream other_file(argv[2]);
        if (!other_file) {
            std::cerr << "cannot read " << argv[2] << "\n";
            return 2;
        }
        std::istringstream mine_in(mine);
        const auto a = parse(mine_in);
        const auto b = parse(other_file);
        if (a.size() != b.size()) {
            std::cerr << "value count differs: " << a.size() << " here, " << b.size() << " in "
                      << argv[2] << "\n";
            return 1;
        }
        double max_diff = 0.0;
        std::size_t failures = 0;
        std::size_t identical_models = 0;
        std::size_t models = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a[i].first != b[i].first) {
                std::cerr << "key " << i << " differs: " << a[i].first << " vs " << b[i].first
                          << "\n";
                return 1;
            }
            if (a[i].first.find("model_fnv1a") != std::string::npos) {
                ++models;
                identical_models += a[i].second == b[i].second ? 1 : 0;
                continue;
            }
            const double d = std::fabs(std::stod(a[i].second) - std::stod(b[i].second));
            max_diff = std::max(max_diff, d);
            if (!(d <= 1e-9)) {
                if (++failures <= 10) {
                    std::cerr << a[i].first << ": " << a[i].second << " here vs " << b[i].second
                              << "\n";
                }
            }
        }
        std::printf("%zu values compared, max |difference| %.3g, %zu failures; %zu of %zu model "
                    "artifacts byte-identical\n",
                    a.size() - models, max_diff, failures, identical_models, models);
        return failures == 0 ? 0 : 1;
    }
    std::fputs(mine.c_str(), stdout);
    return 0;
}
