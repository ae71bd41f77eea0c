// The only server TU (with model_service's training helpers) that touches the core's models.
// Keep httplib out of here: the core pulls in Eigen, whose `_res` clashes with <resolv.h>.
#include "service/model_engine.hpp"

#include "labelloop/applicability.hpp"
#include "labelloop/ensemble.hpp"
#include "labelloop/features.hpp"
#include "labelloop/label_weights.hpp"
#include "labelloop/metrics.hpp"
#include "labelloop/model_format.hpp"
#include "labelloop/sampling.hpp"

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

std::vector<Features> decode_all(const std::vector<TrainingRow>& rows) {
    std::vector<Features> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        out.push_back(decode_features(r.features));
    }
    return out;
}

// Model parameters as stored with a model version and accepted by POST /models: every
// EnsembleParams field except n_threads (the server picks it), label weights as
// {"source": [experimental, literature, expert_estimate], "confidence": [high, medium, low]}.
// The server's own bookkeeping keys (split, validation_fraction, split_seed) are stored
// alongside and ignored here; any other key is an error, so a typo is not silently dropped.
EnsembleParams params_from_json(const json& j, EnsembleParams p) {
    if (!j.is_object()) {
        return p;
    }
    for (const auto& [key, v] : j.items()) {
        if (key == "n_members") {
            p.n_members = v.get<std::size_t>();
        } else if (key == "member_type") {
            p.member_type = parse_member_type(v.get<std::string>());
        } else if (key == "max_depth") {
            p.max_depth = v.get<unsigned>();
        } else if (key == "min_samples_leaf") {
            p.min_samples_leaf = v.get<unsigned>();
        } else if (key == "feature_fraction") {
            p.feature_fraction = v.get<double>();
        } else if (key == "max_bins") {
            p.max_bins = v.get<unsigned>();
        } else if (key == "boosting_rounds") {
            p.boosting_rounds = v.get<unsigned>();
        } else if (key == "learning_rate") {
            p.learning_rate = v.get<double>();
        } else if (key == "row_subsample") {
            p.row_subsample = v.get<double>();
        } else if (key == "l2_regularization") {
            p.l2_regularization = v.get<double>();
        } else if (key == "linear_base") {
            p.linear_base = v.get<bool>();
        } else if (key == "ridge_alpha") {
            p.ridge_alpha = v.get<double>();
        } else if (key == "seed") {
            p.seed = v.get<std::uint64_t>();
        } else if (key == "label_weights") {
            if (v.contains("source")) {
                p.label_weights.source_weight = v.at("source").get<std::array<double, 3>>();
            }
            if (v.contains("confidence")) {
                p.label_weights.confidence_weight = v.at("confidence").get<std::array<double, 3>>();
            }
        } else if (key != "split" && key != "validation_fraction" && key != "split_seed") {
            throw std::invalid_argument("unknown model parameter '" + key + "'");
        }
    }
    p.n_threads = std::max(1U, std::min(2U, std::thread::hardware_concurrency()));
    return p;
}

json params_to_json(const EnsembleParams& p) {
    return {{"n_members", p.n_members},
            {"member_type", to_string(p.member_type)},
            {"max_depth", p.max_depth},
            {"min_samples_leaf", p.min_samples_leaf},
            {"feature_fraction", p.feature_fraction},
            {"max_bins", p.max_bins},
            {"boosting_rounds", p.boosting_rounds},
            {"learning_rate", p.learning_rate},
            {"row_subsample", p.row_subsample},
            {"l2_regularization", p.l2_regularization},
            {"linear_base", p.linear_base},
            {"ridge_alpha", p.ridge_alpha},
            {"seed", p.seed},
            {"label_weights",
             {{"source", p.label_weights.source_weight},
              {"confidence", p.label_weights.confidence_weight}}}};
}

json metrics_on(const BootstrapEnsemble& model, const std::vector<TrainingRow>& rows) {
    if (rows.empty()) {
        return json::object();
    }
    std::vector<double> y;
    for (const auto& r : rows) {
        y.push_back(r.label);
    }
    return compute_metrics(model.task(), y, model.predict_batch(decode_all(rows)));
}

} // namespace

TrainResult train(const std::string& task, const std::vector<TrainingRow>& rows,
                  const std::vector<TrainingRow>& validation, const json& params,
                  const std::function<void(double)>& progress) {
    const Task t = parse_task(task);
    // Unset parameters take the core's recommendation for a training set of this size (e.g.
    // deeper trees from 2000 compounds on); a retrain reads back every stored parameter, so
    // the versions of one model keep the parameters of its first training.
    EnsembleParams p;
    try {
        p = params_from_json(params, EnsembleParams::recommended(rows.size()));
    } catch (const json::exception& e) {
        throw std::invalid_argument(std::string("bad model parameters: ") + e.what());
    }
    p.validate();
    std::vector<double> y;
    std::vector<double> w;
    for (const auto& r : rows) {
        y.push_back(r.label);
        w.push_back(p.label_weights.weight(parse_label_source(r.source),
                                           parse_label_confidence(r.confidence)));
    }
    const auto model = BootstrapEnsemble::fit(decode_all(rows), y, w, t,
                                              FeatureLayout::model_default(), p, progress);
    TrainResult out;
    out.artifact = save_model(model);
    out.metrics = metrics_on(model, validation);
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

Selection select(const std::string& model_id, const std::vector<std::uint8_t>& artifact,
                 const std::vector<std::vector<std::uint8_t>>& pool, const SelectionSpec& spec) {
    const auto model = cached_model(model_id, artifact);
    SelectionOptions options;
    options.strategy = parse_strategy(spec.strategy);
    options.batch_size = spec.batch_size;
    options.threshold = spec.threshold;
    options.seed = spec.seed;
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
    std::vector<Features> features;
    features.reserve(pool.size());
    for (const auto& blob : pool) {
        features.push_back(decode_features(blob));
    }
    const SelectionResult result = select_batch(*model, features, options);
    const auto convert = [](const ScoredCandidate& c) {
        return Scored{c.index,     c.prediction,     c.uncertainty, c.applicability_distance,
                      c.in_domain, c.priority_score, c.rank};
    };
    Selection out;
    for (const auto& c : result.selected) {
        out.selected.push_back(convert(c));
    }
    for (const auto& c : result.all) {
        out.all.push_back(convert(c));
    }
    return out;
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
