#include "cli/demo_setup.hpp"

#include "http/static_assets.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <sstream>

namespace labelloop::cli {

bool database_is_empty(service::Services& services) {
    return services.store.list_users().empty() && services.store.count_compounds() == 0;
}

std::string embedded_demo_csv() {
    const auto* asset = http::find_asset("/demo/esol.csv");
    return asset != nullptr ? std::string(asset->data) : std::string();
}

service::ImportRequest esol_import_request(const std::string& esol_csv, std::size_t max_rows) {
    service::ImportRequest import;
    import.format = "csv";
    if (max_rows == static_cast<std::size_t>(-1)) {
        import.content = esol_csv;
    } else {
        std::istringstream in(esol_csv);
        std::string line;
        for (std::size_t i = 0; i <= max_rows && std::getline(in, line); ++i) {
            import.content += line + "\n";
        }
    }
    import.smiles_column = "smiles";
    import.id_column = "Compound ID";
    import.label_column = "measured log solubility in mols per litre";
    import.property = "logS";
    import.dataset = "esol";
    return import;
}

std::string run_demo_setup(service::Services& services, const std::string& esol_csv,
                           std::ostream& out, const DemoOptions& options) {
    const auto imported = services.compounds.import(nullptr, esol_import_request(esol_csv));
    out << "Demo: imported " << imported.imported << " ESOL compounds (" << imported.duplicates
        << " duplicates, " << imported.errors.size() << " rows with errors).\n";

    const auto admin = services.auth.create_user(nullptr, "admin", "admin");
    const auto admin_token = services.auth.issue_token(nullptr, admin.id, "demo").secret;
    const auto scientist = services.auth.create_user(nullptr, "scientist", "scientist");
    const auto scientist_token = services.auth.issue_token(nullptr, scientist.id, "demo").secret;

    // The first model sees a seeded subset; every other compound waits in the pool.
    // In file order (ids are random UUIDs, so sorting them would change the subset per run).
    std::vector<std::string> ids;
    std::set<std::string> seen;
    for (const auto& id : imported.compound_ids) {
        if (seen.insert(id).second) {
            ids.push_back(id);
        }
    }
    std::mt19937_64 rng(options.seed);
    std::shuffle(ids.begin(), ids.end(), rng);
    ids.resize(std::min(ids.size(), options.labeled_subset));

    service::CreateModelRequest create;
    create.name = "ESOL logS";
    create.property = "logS";
    create.task = "regression";
    create.dataset = "esol";
    create.compound_ids = ids;
    create.split = "random";
    create.validation_fraction = 0.2;
    create.seed = options.seed;
    create.params = options.params;
    const auto model = services.models.create_model(nullptr, create);
    out << "Demo: model '" << model.name << "' v" << model.version << " trained on "
        << model.n_train << " compounds, validated on " << model.n_validation << " (metrics "
        << model.metrics_json << ").\n";

    service::SelectRequest select;
    select.model_id = model.id;
    select.strategy = "uncertainty";
    select.batch_size = static_cast<std::int64_t>(options.first_batch);
    const auto selected = services.active_learning.select_samples(admin, select);
    out << "Demo: selected " << selected.added << " compounds for labeling (cycle "
        << selected.selection_batch << ").\n\n"
        << "Demo users (the tokens are shown only now; keep them):\n"
        << "  admin      " << admin_token << "\n"
        << "  scientist  " << scientist_token << "\n\n"
        << std::flush;
    return model.id;
}

} // namespace labelloop::cli
