// The JSON form of a selection request, read in one place for POST /active-learning/select
// and for selections that arrive by sync (made in the browser, possibly offline).
#pragma once

#include "service/active_learning_service.hpp"

#include <nlohmann/json.hpp>

namespace labelloop::service {

/// {"model_id", "strategy"?, "batch_size"?, "pool"?: {"kind", "dataset"?, "compound_ids"?,
///  "smiles"?}, "threshold"?, "beta"?, "weights"?, "diversity"?, "exclude_labeled"?, "seed"?,
///  "preview"?}. 400 naming the field for a missing or mistyped one.
SelectRequest parse_select_request(const nlohmann::json& body);

} // namespace labelloop::service
