// The only server TU (with model_service's training helpers) that touches the core's models.
// Keep httplib out of here: the core pulls in Eigen, whose `_res` clashes with <resolv.h>.
#include "service/model_engine.hpp"

#include "chem/chem.hpp"

#include "labelloop/applicability.hpp"
#include "labelloop/ensemble.hpp"
#include "labelloop/features.hpp"
#include "labelloop/json_mapping.hpp"
#include "labelloop/label_weights.hpp"
#include "labelloop/metrics.hpp"
#include "labelloop/model_format.hpp"
#include "labelloop/sampling.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace labelloop::service::engine {
namespace {

using json = nlohmann::json;

/// Loaded models by id: an artifact never changes once stored, so a model id is a cache key.
std::shared_ptr<const BootstrapEnsemble> cached_model(const std::string& model_id,
                                                      const std::vector<std::uint8_t>& artifact) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const BootstrapEnsemble>> cache;
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(model_id);
    if (it != cache.end()) {
        return it->second;
    }
    auto model = std::make_shared<const BootstrapEnsemble>(load_model(artifact));
    if (cache.size() > 16) {
        cache.clear();
    }
    cache.emplace(model_id, model);
    return model;
}

/// Decoded feature rows, with molecule graphs when the model reads them: `kept[i]` is the
/// input position of x[i]; compounds whose graph was refused are left out and counted.
struct DecodedRows {
    std::vector<Features> x;
    std::vector<std::size_t> kept;
    std::size_t graph_refused = 0;
    std::string example; // the first refusal, for messages
};

// `blob_of(i)` gives compound i's features blob, `smiles_of(i)` its SMILES (only called with
// graphs).
template <typename BlobOf, typename SmilesOf>
DecodedRows decode_rows(std::size_t n, BlobOf blob_of, SmilesOf smiles_of, bool with_graphs) {
    DecodedRows out;
    out.x.reserve(n);
    out.kept.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        Features f = decode_features(blob_of(i));
        if (with_graphs) {
            std::string why;
            f.graph = molecule_graph(smiles_of(i), &why);
            if (!f.graph) {
                if (out.graph_refused++ == 0) {
                    out.example = why;
                }
                continue;
            }
        }
        out.x.push_back(std::move(f));
        out.kept.push_back(i);
    }
    return out;
}

DecodedRows decode_all(const std::vector<TrainingRow>& rows, bool with_graphs) {
    return decode_rows(
        rows.size(),
        [&](std::size_t i) -> const std::vector<std::uint8_t>& { return rows[i].features; },
        [&](std::size_t i) { return rows[i].smiles; }, with_graphs);
}

void check_smiles_count(std::size_t n_smiles, std::size_t n_pool) {
    if (n_smiles != n_pool) {
        throw std::invalid_argument("an mpnn model builds each compound's molecule graph from "
                                    "its SMILES, but " +
                                    std::to_string(n_smiles) + " SMILES came with " +
                                    std::to_string(n_pool) + " compounds");
    }
}

DecodedRows decode_pool(const std::vector<std::vector<std::uint8_t>>& pool,
                        const std::vector<std::string>& smiles, bool with_graphs) {
    if (with_graphs) {
        check_smiles_count(smiles.size(), pool.size());
    }
    return decode_rows(
        pool.size(), [&](std::size_t i) -> const std::vector<std::uint8_t>& { return pool[i]; },
        [&](std::size_t i) { return smiles[i]; }, with_graphs);
}

bool reads_graphs(const BootstrapEnsemble& model) {
    return model.params().member_type == MemberType::Mpnn;
}

// Model parameters as stored with a model version and accepted by POST /models: the core's
// JSON mapping (labelloop/json_mapping.hpp) without n_threads (the server picks it), with
// label weights as arrays in source / confidence order ({"source": [experimental,
// literature, expert_estimate], "confidence": [high, medium, low]}) instead of objects by
// name, and the server's bookkeeping keys (split, validation_fraction, split_seed) stored
// alongside and ignored here.
constexpr const char* kBookkeepingKeys[] = {"split", "validation_fraction", "split_seed"};

EnsembleParams params_from_json(const json& j, const EnsembleParams& defaults) {
    if (!j.is_object()) {
        return defaults;
    }
    json core = j;
    for (const char* key : kBookkeepingKeys) {
        core.erase(key);
    }
    if (core.contains("label_weights") && core["label_weights"].is_object()) {
        auto& weights = core["label_weights"];
        const auto by_name = [&](const char* group, auto name_of) {
            if (weights.contains(group) && weights[group].is_array() &&
                weights[group].size() == 3) {
                json named = json::object();
                for (std::size_t i = 0; i < 3; ++i) {
                    named[name_of(i)] = weights[group][i];
                }
                weights[group] = named;
            }
        };
        by_name("source", [](std::size_t i) { return to_string(static_cast<LabelSource>(i)); });
        by_name("confidence",
                [](std::size_t i) { return to_string(static_cast<LabelConfidence>(i)); });
    }
    auto p = parse_ensemble_params(core, defaults);
    p.n_threads = std::max(1U, std::min(2U, std::thread::hardware_concurrency()));
    return p;
}

json params_to_json(const EnsembleParams& p) {
    json j = p;
    j.erase("n_threads");
    j["label_weights"] = {{"source", p.label_weights.source_weight},
                          {"confidence", p.label_weights.confidence_weight}};
    return j;
}

json metrics_on(const BootstrapEnsemble& model, const std::vector<TrainingRow>& rows,
                std::size_t* graph_refused = nullptr) {
    if (rows.empty()) {
        return json::object();
    }
    const auto decoded = decode_all(rows, reads_graphs(model));
    if (graph_refused != nullptr) {
        *graph_refused = decoded.graph_refused;
    }
    if (decoded.x.empty()) {
        return json::object();
    }
    std::vector<double> y;
    for (auto i : decoded.kept) {
        y.push_back(rows[i].label);
    }
    return compute_metrics(model.task(), y, model.predict_batch(decoded.x));
}

} // namespace

std::string describe_progress(const FitProgress& p) {
    char buf[200];
    if (p.epochs > 0) {
        int n = std::snprintf(
            buf, sizeof buf, "%zu of %zu networks done, network %zu at epoch %d/%d, loss %.3f",
            p.members_done, p.n_members, p.member + 1, p.epoch, p.epochs, p.train_loss);
        if (std::isfinite(p.inner_loss) && n > 0 && static_cast<std::size_t>(n) < sizeof buf) {
            std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), " (inner %.3f)",
                          p.inner_loss);
        }
    } else {
        std::snprintf(buf, sizeof buf, "%zu of %zu members", p.members_done, p.n_members);
    }
    return buf;
}

TrainResult train(const std::string& task, const std::vector<TrainingRow>& rows,
                  const std::vector<TrainingRow>& validation, const json& params,
                  const ProgressCallback& progress, const Objective& objective) {
    const Task t = parse_task(task);
    // Unset parameters take the core's recommendation for a training set of this size (e.g.
    // deeper trees from 2000 compounds on); a retrain reads back every stored parameter, so
    // the versions of one model keep the parameters of its first training.
    EnsembleParams p;
    try {
        p = params_from_json(params, EnsembleParams::recommended(rows.size()));
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("bad model parameters: ") + e.what());
    }
    const bool graphs = p.member_type == MemberType::Mpnn;
    auto decoded = decode_all(rows, graphs);
    std::vector<double> y;
    std::vector<double> w;
    for (auto i : decoded.kept) {
        const auto& r = rows[i];
        y.push_back(r.label);
        w.push_back(p.label_weights.weight(parse_label_source(r.source),
                                           parse_label_confidence(r.confidence)));
    }
    const auto model =
        BootstrapEnsemble::fit(decoded.x, y, w, t, FeatureLayout::model_default(), p, progress);
    TrainResult out;
    try {
        out.artifact = save_model(model, objective);
    } catch (const ObjectiveError& e) {
        throw std::invalid_argument(std::string("bad objective: ") + e.what());
    }
    std::size_t validation_refused = 0;
    out.metrics = metrics_on(model, validation, &validation_refused);
    if (graphs) {
        out.metrics["graph_refused"] = {{"train", decoded.graph_refused},
                                        {"validation", validation_refused},
                                        {"example", decoded.example}};
    }
    const auto& cal = model.calibration();
    out.metrics["calibration"] = {{"n_oob", cal.n_oob},
                                  {"z90", cal.z90},
                                  {"oob_coverage", cal.oob_coverage},
                                  {"oob_coverage_gaussian", cal.oob_coverage_gaussian},
                                  {"oob_score", cal.oob_score}};
    out.params = params_to_json(p);
    return out;
}

json evaluate(const std::vector<std::uint8_t>& artifact, const std::vector<TrainingRow>& rows) {
    return metrics_on(load_model(artifact), rows);
}

std::vector<StrategyInfo> strategies() {
    std::vector<StrategyInfo> out;
    for (Strategy s : all_strategies()) {
        out.push_back({to_string(s), describe(s), is_discovery(s)});
    }
    return out;
}

namespace {

// The request field a core SelectionError is about, read from its message (the core's
// messages name the option they refuse; see check_options in shared/src/sampling.cpp).
std::string refused_field(const std::string& message) {
    const auto has = [&](const char* word) { return message.find(word) != std::string::npos; };
    if (has("diversity") || has("Tanimoto cap")) {
        return "diversity";
    }
    if (has("beta")) {
        return "beta";
    }
    if (has("threshold")) {
        return "threshold";
    }
    if (has("hybrid weights")) {
        return "weights";
    }
    if (has("batch size")) {
        return "batch_size";
    }
    if (has("pool")) {
        return "pool";
    }
    return "strategy";
}

SelectionOptions selection_options(const SelectionSpec& spec) {
    SelectionOptions options;
    options.strategy = parse_strategy(spec.strategy);
    options.batch_size = spec.batch_size;
    options.threshold = spec.threshold;
    options.seed = spec.seed;
    options.objective = spec.objective;
    options.beta = spec.beta;
    options.best_label = spec.best_label;
    if (spec.weights) {
        const auto& w = *spec.weights;
        options.hybrid.uncertainty = w.value("uncertainty", options.hybrid.uncertainty);
        options.hybrid.margin = w.value("margin", options.hybrid.margin);
        options.hybrid.applicability = w.value("applicability", options.hybrid.applicability);
    }
    if (spec.diversity) {
        const auto& d = *spec.diversity;
        if (d.is_string()) {
            options.diversity = parse_diversity(d.get<std::string>());
        } else if (d.is_object()) {
            options.diversity = parse_diversity(d.value("kind", std::string("none")));
            options.tanimoto_cap = d.value("cap", options.tanimoto_cap);
            options.maxmin_pool = d.value("pool", options.maxmin_pool);
        }
    }
    return options;
}

} // namespace

Selection select(const std::string& model_id, const std::vector<std::uint8_t>& artifact,
                 const std::vector<std::vector<std::uint8_t>>& pool, const SelectionSpec& spec,
                 const std::vector<std::string>& smiles) {
    const auto model = cached_model(model_id, artifact);
    SelectionOptions options;
    try {
        options = selection_options(spec);
    } catch (const SelectionError& e) {
        throw SelectionRefused(refused_field(e.what()), e.what());
    }
    const auto decoded = decode_pool(pool, smiles, reads_graphs(*model));
    if (decoded.x.empty() && !pool.empty()) {
        throw SelectionRefused("pool", "no compound of the pool has a molecule graph for this "
                                       "mpnn model (e.g. " +
                                           decoded.example + ")");
    }
    options.batch_size = std::min(options.batch_size, decoded.x.size());
    SelectionResult result;
    try {
        result = select_batch(*model, decoded.x, options);
    } catch (const SelectionError& e) {
        throw SelectionRefused(refused_field(e.what()), e.what());
    }
    const auto convert = [&](const ScoredCandidate& c) {
        return Scored{
            decoded.kept[c.index], c.prediction,     c.uncertainty, c.applicability_distance,
            c.in_domain,           c.priority_score, c.rank};
    };
    Selection out;
    out.graph_refused = decoded.graph_refused;
    for (const auto& c : result.selected) {
        out.selected.push_back(convert(c));
    }
    for (const auto& c : result.all) {
        out.all.push_back(convert(c));
    }
    return out;
}

double expected_hits(const std::string& model_id, const std::vector<std::uint8_t>& artifact,
                     const Objective& objective, const std::vector<std::vector<std::uint8_t>>& pool,
                     const std::vector<std::string>& smiles) {
    const auto model = cached_model(model_id, artifact);
    const bool graphs = reads_graphs(*model);
    if (graphs) {
        check_smiles_count(smiles.size(), pool.size());
    }
    // In slices, so a large pool is never decoded whole.
    constexpr std::size_t kSlice = 4096;
    double sum = 0.0;
    std::vector<std::vector<std::uint8_t>> blobs;
    std::vector<std::string> names;
    for (std::size_t first = 0; first < pool.size(); first += kSlice) {
        const std::size_t last = std::min(pool.size(), first + kSlice);
        blobs.assign(pool.begin() + static_cast<long>(first),
                     pool.begin() + static_cast<long>(last));
        if (graphs) {
            names.assign(smiles.begin() + static_cast<long>(first),
                         smiles.begin() + static_cast<long>(last));
        }
        const auto slice = decode_pool(blobs, names, graphs);
        for (const auto& p : model->predict_batch(slice.x, false)) {
            sum += probability_of_hit(objective, model->task(), p);
        }
    }
    return sum;
}

bool needs_graphs(const std::string& model_id, const std::vector<std::uint8_t>& artifact) {
    return reads_graphs(*cached_model(model_id, artifact));
}

std::shared_ptr<const MolGraph> molecule_graph(const std::string& smiles, std::string* why) {
    // Graphs by SMILES, refusals included (null + reason): a pool is scored again after
    // every cycle, and RDKit parsing is most of the cost. Cleared when large.
    struct Entry {
        std::shared_ptr<const MolGraph> graph;
        std::string why;
    };
    static std::mutex mutex;
    static std::map<std::string, Entry> cache;
    {
        std::lock_guard<std::mutex> lock(mutex);
        auto it = cache.find(smiles);
        if (it != cache.end()) {
            if (why != nullptr) {
                *why = it->second.why;
            }
            return it->second.graph;
        }
    }
    Entry e;
    try {
        e.graph = std::make_shared<const MolGraph>(chem::molecule_graph(smiles));
    } catch (const std::exception& ex) { // ChemError, GraphError
        e.why = ex.what();
    }
    if (why != nullptr) {
        *why = e.why;
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (cache.size() >= 200'000) {
        cache.clear();
    }
    cache.emplace(smiles, e);
    return e.graph;
}

std::size_t member_count(const std::string& model_id, const std::vector<std::uint8_t>& artifact) {
    return cached_model(model_id, artifact)->n_members();
}

std::vector<Neighbor> similar(const std::vector<std::uint8_t>& query,
                              const std::vector<std::vector<std::uint8_t>>& candidates,
                              std::size_t k, std::optional<std::size_t> exclude) {
    std::vector<Fingerprint> fps;
    fps.reserve(candidates.size());
    for (const auto& c : candidates) {
        fps.push_back(decode_features(c).fingerprint);
    }
    const FingerprintIndex index(std::move(fps));
    std::vector<Neighbor> out;
    for (const auto& n : index.nearest(decode_features(query).fingerprint, k,
                                       exclude.value_or(FingerprintIndex::kNoExclude))) {
        out.push_back({n.index, n.similarity});
    }
    return out;
}

std::vector<std::uint8_t> encode_features(const Fingerprint& fingerprint,
                                          const std::map<std::string, double>& descriptors) {
    return labelloop::encode_features(
        make_features(fingerprint, descriptors, FeatureLayout::model_default()));
}

void check_artifact(const std::vector<std::uint8_t>& artifact) {
    try {
        (void)load_model(artifact);
    } catch (const ModelFormatError& e) {
        throw std::invalid_argument(e.what());
    }
}

} // namespace labelloop::service::engine
