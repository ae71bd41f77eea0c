// Every service of one server process over one database, wired together. The HTTP layer, the
// CLI and the tests construct this and nothing else. `db_path` is an SQLite file, or a
// postgresql:// URL for the PostgreSQL store (store/store_selection.hpp).
#pragma once

#include "service/active_learning_service.hpp"
#include "service/auth_service.hpp"
#include "service/compound_service.hpp"
#include "service/job_runner.hpp"
#include "service/model_service.hpp"
#include "service/sync_service.hpp"
#include "store/sqlite_store.hpp"
#include "store/store_selection.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace labelloop::service {

struct ServicesOptions {
    /// Runs this process's job worker: claims queued jobs, beats the heart of the running
    /// one, fails jobs of processes gone quiet. Off for one-shot CLI commands, which must not
    /// take (or fail) a running server's jobs.
    bool run_jobs = true;
    /// A running job whose process has not been heard of for this long is failed (another
    /// process sharing the PostgreSQL database, or this one after a restart, does it).
    std::chrono::milliseconds job_lease{30'000};
    /// How often the worker looks for jobs queued elsewhere, and how often it says it is alive.
    std::chrono::milliseconds job_poll{1'000};
    std::chrono::milliseconds job_heartbeat{2'000};

    /// For one-shot commands and test set-up: no job worker.
    static ServicesOptions one_shot() {
        ServicesOptions o;
        o.run_jobs = false;
        return o;
    }
};

struct Services {
    /// Opens and migrates the database and starts the job worker. With SQLite (a database of
    /// this process alone) jobs a stopped server left running are marked failed first (their
    /// previous model versions stay active); with PostgreSQL the worker fails those whose
    /// process has been quiet for the lease, since other live processes may be running theirs.
    explicit Services(const std::string& db_path, ServicesOptions options = {})
        : store(db_path), auth(store), models(store), compounds(store),
          active_learning(store, jobs, compounds), sync(store, active_learning) {
        if (!options.run_jobs) {
            return;
        }
        if (!store.is_postgres()) {
            recovered_jobs = active_learning.recover_interrupted_jobs();
        }
        const auto lease = options.job_lease;
        // Several heartbeats fit in a lease, so one slow write does not fail a live job.
        const auto heartbeat = std::min(options.job_heartbeat, lease / 4);
        jobs.start({[this] { return active_learning.run_next_job(); },
                    [this, lease] { active_learning.tick_jobs(lease); }},
                   {options.job_poll, heartbeat});
    }

    store::SelectedStore store;
    AuthService auth;
    ModelService models;
    CompoundService compounds;
    ActiveLearningService active_learning;
    SyncService sync;
    int recovered_jobs = 0;
    // Declared last so it is destroyed first: the worker may still be using the services.
    JobRunner jobs;
};

} // namespace labelloop::service
