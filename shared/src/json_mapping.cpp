#include "labelloop/json_mapping.hpp"

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace labelloop {
namespace {

template <typename Error>
void require_object(const nlohmann::json& j, const char* what) {
    if (!j.is_object()) {
        throw Error(std::string(what) + " must be a JSON object");
    }
}

template <typename Error>
double number(const nlohmann::json& v, const std::string& key) {
    if (!v.is_number()) {
        throw Error("field '" + key + "' must be a number");
    }
    return v.get<double>();
}

template <typename Error>
std::uint64_t unsigned_int(const nlohmann::json& v, const std::string& key) {
    if (!v.is_number_integer() || v.get<long long>() < 0) {
        throw Error("field '" + key + "' must be a non-negative integer");
    }
    return v.get<std::uint64_t>();
}

template <typename Error>
std::string text(const nlohmann::json& v, const std::string& key) {
    if (!v.is_string()) {
        throw Error("field '" + key + "' must be a string");
    }
    return v.get<std::string>();
}

// An int field; values beyond int's range become INT_MAX, so the range check that follows
// refuses them by name instead of a wrapped cast slipping through.
template <typename Error>
int small_int(const nlohmann::json& v, const std::string& key) {
    const std::uint64_t u = unsigned_int<Error>(v, key);
    return u > static_cast<std::uint64_t>(std::numeric_limits<int>::max())
               ? std::numeric_limits<int>::max()
               : static_cast<int>(u);
}

template <typename Error>
void parse_mpnn_params(const nlohmann::json& j, MpnnParams& m) {
    require_object<Error>(j, "field 'mpnn'");
    for (const auto& [name, v] : j.items()) {
        const std::string key = "mpnn." + name;
        if (name == "depth") {
            m.depth = small_int<Error>(v, key);
        } else if (name == "hidden") {
            m.hidden = small_int<Error>(v, key);
        } else if (name == "ffn_width") {
            m.ffn_width = small_int<Error>(v, key);
        } else if (name == "ffn_layers") {
            m.ffn_layers = small_int<Error>(v, key);
        } else if (name == "pooling") {
            m.pooling = parse_mpnn_pooling(text<Error>(v, key));
        } else if (name == "use_descriptors") {
            if (!v.is_boolean()) {
                throw Error("field '" + key + "' must be true or false");
            }
            m.use_descriptors = v.template get<bool>();
        } else if (name == "epochs") {
            m.epochs = small_int<Error>(v, key);
        } else if (name == "batch_size") {
            m.batch_size = small_int<Error>(v, key);
        } else if (name == "learning_rate") {
            m.learning_rate = number<Error>(v, key);
        } else if (name == "patience") {
            m.patience = small_int<Error>(v, key);
        } else if (name == "inner_validation_fraction") {
            m.inner_validation_fraction = number<Error>(v, key);
        } else {
            throw Error("unknown model parameter '" + key + "'");
        }
    }
}

} // namespace

void to_json(nlohmann::json& j, const MpnnParams& m) {
    j = {{"depth", m.depth},
         {"hidden", m.hidden},
         {"ffn_width", m.ffn_width},
         {"ffn_layers", m.ffn_layers},
         {"pooling", to_string(m.pooling)},
         {"use_descriptors", m.use_descriptors},
         {"epochs", m.epochs},
         {"batch_size", m.batch_size},
         {"learning_rate", m.learning_rate},
         {"patience", m.patience},
         {"inner_validation_fraction", m.inner_validation_fraction}};
}

void to_json(nlohmann::json& j, const Prediction& p) {
    j = {{"mean", p.mean}, {"std", p.std}, {"lower90", p.lower90}, {"upper90", p.upper90}};
    if (!p.members.empty()) {
        j["members"] = p.members;
    }
}

void to_json(nlohmann::json& j, const ScoredCandidate& c) {
    j = {{"index", c.index},
         {"prediction", c.prediction},
         {"uncertainty", c.uncertainty},
         {"applicability_distance", c.applicability_distance},
         {"in_domain", c.in_domain},
         {"priority_score", c.priority_score},
         {"rank", c.rank},
         {"selected", c.selected}};
}

void to_json(nlohmann::json& j, const SelectionResult& r) {
    j = {{"selected", r.selected}, {"all", r.all}};
}

void to_json(nlohmann::json& j, const Calibration& c) {
    j = {{"n_oob", c.n_oob},
         {"z90", c.z90},
         {"oob_coverage_gaussian", c.oob_coverage_gaussian},
         {"oob_coverage", c.oob_coverage},
         {"oob_score", c.oob_score}};
}

void to_json(nlohmann::json& j, const EnsembleParams& p) {
    nlohmann::json source;
    nlohmann::json confidence;
    for (std::size_t i = 0; i < 3; ++i) {
        source[to_string(static_cast<LabelSource>(i))] = p.label_weights.source_weight[i];
        confidence[to_string(static_cast<LabelConfidence>(i))] =
            p.label_weights.confidence_weight[i];
    }
    j = {{"n_members", p.n_members},
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
         {"n_threads", p.n_threads},
         {"label_weights", {{"source", source}, {"confidence", confidence}}}};
    // Only network models carry (and store) the network's parameters.
    if (p.member_type == MemberType::Mpnn) {
        j["mpnn"] = p.mpnn;
    }
}

EnsembleParams parse_ensemble_params(const nlohmann::json& j, EnsembleParams p) {
    using E = std::invalid_argument;
    require_object<E>(j, "model parameters");
    const MemberType defaults_type = p.member_type;
    for (const auto& [key, v] : j.items()) {
        if (key == "n_members") {
            p.n_members = unsigned_int<E>(v, key);
        } else if (key == "member_type") {
            p.member_type = parse_member_type(text<E>(v, key));
        } else if (key == "max_depth") {
            p.max_depth = static_cast<unsigned>(unsigned_int<E>(v, key));
        } else if (key == "min_samples_leaf") {
            p.min_samples_leaf = static_cast<unsigned>(unsigned_int<E>(v, key));
        } else if (key == "feature_fraction") {
            p.feature_fraction = number<E>(v, key);
        } else if (key == "max_bins") {
            p.max_bins = static_cast<unsigned>(unsigned_int<E>(v, key));
        } else if (key == "boosting_rounds") {
            p.boosting_rounds = static_cast<unsigned>(unsigned_int<E>(v, key));
        } else if (key == "learning_rate") {
            p.learning_rate = number<E>(v, key);
        } else if (key == "row_subsample") {
            p.row_subsample = number<E>(v, key);
        } else if (key == "l2_regularization") {
            p.l2_regularization = number<E>(v, key);
        } else if (key == "linear_base") {
            if (!v.is_boolean()) {
                throw E("field 'linear_base' must be true or false");
            }
            p.linear_base = v.get<bool>();
        } else if (key == "ridge_alpha") {
            p.ridge_alpha = number<E>(v, key);
        } else if (key == "seed") {
            p.seed = unsigned_int<E>(v, key);
        } else if (key == "n_threads") {
            p.n_threads = static_cast<unsigned>(unsigned_int<E>(v, key));
        } else if (key == "mpnn") {
            parse_mpnn_params<E>(v, p.mpnn);
        } else if (key == "label_weights") {
            require_object<E>(v, "label_weights");
            for (const auto& [group, weights] : v.items()) {
                if (group != "source" && group != "confidence") {
                    throw E("unknown field 'label_weights." + group +
                            "' (expected source or confidence)");
                }
                require_object<E>(weights, "label_weights");
                for (const auto& [name, w] : weights.items()) {
                    const std::string field = "label_weights." + group + "." + name;
                    if (group == "source") {
                        p.label_weights
                            .source_weight[static_cast<std::size_t>(parse_label_source(name))] =
                            number<E>(w, field);
                    } else {
                        p.label_weights.confidence_weight[static_cast<std::size_t>(
                            parse_label_confidence(name))] = number<E>(w, field);
                    }
                }
            }
        } else {
            throw E("unknown model parameter '" + key + "'");
        }
    }
    // A switch to networks without a member count takes the network ensemble's (a tree
    // default of 100 networks would be refused, and would take hours).
    if (p.member_type == MemberType::Mpnn && defaults_type != MemberType::Mpnn &&
        !j.contains("n_members")) {
        p.n_members = EnsembleParams::mpnn_ensemble().n_members;
    }
    p.validate();
    return p;
}

SelectionOptions parse_selection_options(const nlohmann::json& j) {
    using E = SelectionError;
    require_object<E>(j, "selection options");
    if (!j.contains("strategy")) {
        throw E("selection options need a 'strategy' (uncertainty, margin, entropy, random, "
                "hybrid)");
    }
    SelectionOptions o;
    for (const auto& [key, v] : j.items()) {
        if (key == "strategy") {
            o.strategy = parse_strategy(text<E>(v, key));
        } else if (key == "batch_size") {
            o.batch_size = unsigned_int<E>(v, key);
        } else if (key == "threshold") {
            if (!v.is_null()) {
                o.threshold = number<E>(v, key);
            }
        } else if (key == "hybrid_weights") {
            require_object<E>(v, "hybrid_weights");
            for (const auto& [name, w] : v.items()) {
                const std::string field = "hybrid_weights." + name;
                if (name == "uncertainty") {
                    o.hybrid.uncertainty = number<E>(w, field);
                } else if (name == "margin") {
                    o.hybrid.margin = number<E>(w, field);
                } else if (name == "applicability") {
                    o.hybrid.applicability = number<E>(w, field);
                } else {
                    throw E("unknown field '" + field +
                            "' (expected uncertainty, margin, applicability)");
                }
            }
        } else if (key == "diversity") {
            o.diversity = parse_diversity(text<E>(v, key));
        } else if (key == "tanimoto_cap") {
            o.tanimoto_cap = number<E>(v, key);
        } else if (key == "maxmin_pool") {
            o.maxmin_pool = unsigned_int<E>(v, key);
        } else if (key == "seed") {
            o.seed = unsigned_int<E>(v, key);
        } else {
            throw E("unknown selection option '" + key + "'");
        }
    }
    return o;
}

} // namespace labelloop
