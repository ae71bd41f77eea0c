#include "cli/serve_command.hpp"

#include "cli/demo_setup.hpp"
#include "http/http_server.hpp"
#include "labelloop/version.hpp"
#include "service/services.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <iostream>
#include <thread>

namespace labelloop::cli {

int run_serve(const ServeOptions& options) {
    // Block the stop signals in every thread (httplib's workers inherit this mask); one
    // dedicated thread waits for them and stops the server cleanly.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    service::ServicesOptions service_options;
    service_options.job_lease = options.job_lease;
    service::Services services(options.db_path, service_options);
    const int schema = services.store.schema_version();
    if (services.recovered_jobs > 0) {
        std::cerr << "labelloop: " << services.recovered_jobs
                  << " retraining job(s) were interrupted by the last shutdown and are marked "
                     "failed; the previous model versions stay active.\n";
    }

    // Bound before the demo writes anything: a port already in use leaves the database as
    // it was. Requests that arrive meanwhile wait in the listen backlog.
    http::HttpServer server(services, http::ServerInfo{schema}, &std::cerr);
    const int port = server.bind(options.host, options.port);

    if (options.demo) {
        if (database_is_empty(services)) {
            const std::string csv = embedded_demo_csv();
            if (csv.empty()) {
                throw std::runtime_error("this binary was built without the demo data set "
                                         "(assets/demo/esol.csv)");
            }
            std::cout << "Setting up the demo (first start only; training takes a moment)...\n"
                      << std::flush;
            run_demo_setup(services, csv, std::cout);
        } else {
            std::cout << "Demo: the database already has data; starting as is.\n";
        }
    }

    std::atomic<bool> stopping{false};
    std::thread signal_thread([&] {
        int sig = 0;
        sigwait(&stop_signals, &sig);
        if (!stopping.exchange(true)) {
            std::cerr << "labelloop: received " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
                      << ", shutting down\n";
        }
        server.stop();
    });

    const std::string shown_host = options.host == "0.0.0.0" ? "127.0.0.1" : options.host;
    std::cout << "LabelLoop " << kProductVersion << " (database "
              << store::describe_db(options.db_path) << ", schema " << schema << ")\n"
              << "LabelLoop is running: open http://" << shown_host << ":" << port << "/\n"
              << std::flush;
    server.run();

    if (!stopping.exchange(true)) {
        // The server stopped by itself: wake the signal thread so it can be joined.
        pthread_kill(signal_thread.native_handle(), SIGTERM);
    }
    signal_thread.join();
    std::cout << "LabelLoop stopped.\n" << std::flush;
    return 0;
}

} // namespace labelloop::cli
