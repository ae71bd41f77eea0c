// `labelloop serve`: opens (or creates) the database, applies migrations and serves the
// browser app and the API until SIGINT/SIGTERM.
#pragma once

#include <chrono>
#include <string>

namespace labelloop::cli {

struct ServeOptions {
    std::string db_path = "labelloop.db";
    std::string host = "127.0.0.1";
    int port = 8080;
    bool demo = false; // load the demo data set into an empty database
    /// A running job whose process has been quiet this long is failed (service::ServicesOptions).
    std::chrono::milliseconds job_lease{30'000};
};

/// Runs the server; returns the process exit code.
int run_serve(const ServeOptions& options);

} // namespace labelloop::cli
