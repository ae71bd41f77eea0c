// `labelloop serve --demo`: on an empty database, load the embedded ESOL data set, create an
// admin and a scientist (tokens printed once), train "ESOL logS" on a labeled subset, keep
// the rest as the unlabeled pool, and run a first selection so the queue is not empty.
#pragma once

#include "service/services.hpp"

#include <ostream>
#include <string>

namespace labelloop::cli {

struct DemoOptions {
    std::size_t labeled_subset = 300; // compounds the first model is trained on
    std::size_t first_batch = 20;
    std::uint64_t seed = 7;
    /// Model parameters (tests pass a small ensemble to stay quick).
    nlohmann::json params = nlohmann::json::object();
};

/// The import of the ESOL demo file `esol_csv` (its smiles / id / label columns, property
/// "logS", dataset "esol"), keeping the header and at most `max_rows` data rows.
service::ImportRequest esol_import_request(const std::string& esol_csv,
                                           std::size_t max_rows = static_cast<std::size_t>(-1));

/// True when the database has no users yet (the demo only runs then).
bool database_is_empty(service::Services& services);

/// Runs the demo set-up on `esol_csv` (the text of assets/demo/esol.csv); prints the tokens
/// and what was created to `out`. Returns the model id.
std::string run_demo_setup(service::Services& services, const std::string& esol_csv,
                           std::ostream& out, const DemoOptions& options = {});

/// The embedded demo CSV, or "" when this binary was built without it.
std::string embedded_demo_csv();

} // namespace labelloop::cli
