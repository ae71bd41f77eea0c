// Admin commands run against the database file directly (no server needed): add users and
// tokens, import compounds, create a model. They use the same services as the API.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace labelloop::cli {

/// Thrown for a bad command line; main prints it with the usage text.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// `labelloop user add --name N --role admin|scientist [--db FILE]`
int run_user_command(const std::vector<std::string>& args);
/// `labelloop token add --user NAME [--label L] [--db FILE]`
int run_token_command(const std::vector<std::string>& args);
/// `labelloop import --file F [--format csv|sdf] [--smiles-column C] [--id-column C]
///  [--label-column C --property P] [--dataset NAME] [--source S] [--confidence C] [--db FILE]`
int run_import_command(const std::vector<std::string>& args);
/// `labelloop model create --name N --property P [--task regression|classification]
///  [--dataset D] [--split random|scaffold] [--validation-fraction F] [--seed N]
///  [--members N] [--db FILE]`
int run_model_command(const std::vector<std::string>& args);

} // namespace labelloop::cli
