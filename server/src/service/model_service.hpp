// Creating a model from labeled compounds (fixed validation split, initial ensemble fit,
// metrics) and reading the model registry.
#pragma once

#include "domain/records.hpp"
#include "labelloop/ensemble.hpp"
#include "labelloop/objective.hpp"
#include "store/store.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::service {

struct CreateModelRequest {
    std::string name;
    std::string property;
    std::string task = "regression";
    /// Limit the labeled compounds to one imported dataset (by name).
    std::optional<std::string> dataset;
    /// Optionally use only these compounds (ids) as the labeled set, e.g. a demo subset.
    std::vector<std::string> compound_ids;
    std::string split = "random"; // random | scaffold
    /// When set, exactly these labeled compounds form the validation set (split and
    /// validation_fraction are then unused): a simulation keeps one validation set fixed
    /// across strategies and seeds.
    std::vector<std::string> validation_compound_ids;
    double validation_fraction = 0.2;
    std::uint64_t seed = 42;
    nlohmann::json params = nlohmann::json::object();
    /// The discovery goal (default none). Maximize / minimize without a hit threshold get
    /// one fixed at creation: the 90th / 10th percentile of the labelled values.
    Objective objective;
};

/// The API form of an objective: {"kind": "none"} or {"kind", "lo", "hi"} (window),
/// {"kind", "class"} (class), {"kind", "hit_threshold"?} (maximize / minimize).
nlohmann::json objective_json(const Objective& objective);
/// Reads an objective from its API form ("maximise" / "minimise" accepted). 400 when it is
/// not an object; 422 naming the field ("objective.lo", ...) for a missing, mistyped,
/// unknown or non-finite member. Fit to the model's task is checked by create_model.
Objective parse_objective(const nlohmann::json& j);
/// The percentile (0-100) of `values` by linear interpolation between order statistics
/// (numpy's default). `values` must not be empty.
double percentile(std::vector<double> values, double pct);

class ModelService {
public:
    explicit ModelService(store::Store& store) : store_(store) {}

    /// caller nullptr: trusted CLI. Throws ServiceError (422 for too few labels, unknown
    /// task or split, an objective that does not fit the task (naming its field), 409 for a
    /// name already in use).
    domain::Model create_model(const domain::User* caller, const CreateModelRequest& request,
                               const ProgressCallback& progress = {});
    std::vector<domain::Model> list_models();
    domain::Model get_model(const std::string& id);
    std::vector<domain::Model> versions(const std::string& id);
    std::vector<std::uint8_t> artifact(const std::string& id);
    /// Training and validation members of the model's lineage (as of now).
    std::vector<domain::LabeledCompound> training_set(const std::string& id);

private:
    store::Store& store_;
};

} // namespace labelloop::service
