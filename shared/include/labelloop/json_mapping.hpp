// One JSON shape for the core's values, shared by the server's API and the browser app, so
// both speak the same field names. to_json overloads work with nlohmann's `json j = value;`;
// the parse_* functions reject unknown fields and wrong types with a message naming the field.
#pragma once

#include "labelloop/ensemble.hpp"
#include "labelloop/sampling.hpp"

#include <nlohmann/json.hpp>

namespace labelloop {

/// {"mean", "std", "lower90", "upper90"} plus "members" (array) when non-empty.
void to_json(nlohmann::json& j, const Prediction& p);
/// {"index", "prediction", "uncertainty", "applicability_distance", "in_domain",
///  "priority_score", "rank", "selected"}
void to_json(nlohmann::json& j, const ScoredCandidate& c);
/// {"selected": [candidates in pick order], "all": [candidates in pool order]}
void to_json(nlohmann::json& j, const SelectionResult& r);
/// {"n_oob", "z90", "oob_coverage_gaussian", "oob_coverage", "oob_score"}
void to_json(nlohmann::json& j, const Calibration& c);
/// {"n_members", "member_type", "max_depth", "min_samples_leaf", "feature_fraction",
///  "max_bins", "boosting_rounds", "learning_rate", "row_subsample", "l2_regularization",
///  "linear_base", "ridge_alpha", "seed", "n_threads", "label_weights": {"source":
///  {"experimental": 1.0, ...}, "confidence": {"high": 1.0, ...}}}, plus "mpnn" (below) for
///  member_type "mpnn"
void to_json(nlohmann::json& j, const EnsembleParams& p);
/// {"depth", "hidden", "ffn_width", "ffn_layers", "pooling": "mean" | "sum",
///  "use_descriptors", "epochs", "batch_size", "learning_rate", "patience",
///  "inner_validation_fraction"}; parsed fields are named "mpnn.depth" etc. in messages.
void to_json(nlohmann::json& j, const MpnnParams& m);

/// Starts from `defaults` and overrides the fields present in `j` (same names as to_json).
/// Throws std::invalid_argument naming an unknown field or a field of the wrong type, and
/// validates the result. Switching member_type to "mpnn" without "n_members" takes the
/// network ensemble's count (EnsembleParams::mpnn_ensemble) rather than the trees' default.
EnsembleParams parse_ensemble_params(const nlohmann::json& j, EnsembleParams defaults = {});
/// {"strategy": "hybrid", "batch_size": 50, "threshold": -3.0,
///  "hybrid_weights": {"uncertainty": 0.5, "margin": 0.3, "applicability": 0.2},
///  "diversity": "none" | "tanimoto_cap" | "maxmin", "tanimoto_cap": 0.7, "maxmin_pool": 0,
///  "seed": 42}; every field optional except strategy. Throws SelectionError.
SelectionOptions parse_selection_options(const nlohmann::json& j);

} // namespace labelloop
