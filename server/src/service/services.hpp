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

#include <string>

namespace labelloop::service {

struct Services {
    /// Opens and migrates the database, and marks jobs a stopped server left unfinished as
    /// failed (their previous model versions stay active).
    explicit Services(const std::string& db_path)
        : store(db_path), auth(store), models(store), compounds(store),
          active_learning(store, jobs, compounds), sync(store, active_learning) {
        recovered_jobs = active_learning.recover_interrupted_jobs();
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
