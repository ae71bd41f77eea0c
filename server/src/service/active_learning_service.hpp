// The active-learning rules: which queue item may change how, by whom; selecting a batch
// from a pool with the active model; retraining on new labels against the fixed validation
// set. Every change runs in one store transaction and leaves an audit entry. No HTTP here,
// and no model headers (the model work sits behind service/model_engine.hpp).
#pragma once

#include "domain/records.hpp"
#include "service/compound_service.hpp"
#include "service/job_runner.hpp"
#include "store/store.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::service {

struct LabelInput {
    double label = 0.0;
    std::string source = "experimental";
    std::string confidence = "high";
    std::optional<std::string> notes;
    /// When set, the item must still be at this version (optimistic concurrency), else 409.
    std::optional<std::int64_t> expected_version;
    /// A measurement arriving by sync may label an item someone skipped meanwhile.
    bool reopen_skipped = false;
};

struct QueuePage {
    std::vector<domain::QueueItem> items;
    std::int64_t total = 0;
};

struct PoolSpec {
    std::string kind = "unlabeled"; // unlabeled | dataset | compounds
    std::optional<std::string> dataset;
    std::vector<std::string> compound_ids;
    std::vector<std::string> smiles; // kind=compounds: parsed and imported on the fly (all
                                     // must parse, else 422 and nothing is imported)
};

struct SelectRequest {
    std::string model_id;
    std::string strategy = "uncertainty";
    std::int64_t batch_size = 10;
    PoolSpec pool;
    std::optional<double> threshold;
    /// UCB: the weight on the ensemble spread (>= 0; the core's default when unset).
    std::optional<double> beta;
    std::optional<nlohmann::json> weights;   // {"uncertainty","margin","applicability"}
    std::optional<nlohmann::json> diversity; // "none" | {"kind","cap"}
    bool exclude_labeled = true;
    std::uint64_t seed = 42;
    bool preview = false;
};

struct SelectResult {
    std::optional<std::string> cycle_id; // none for a preview
    std::int64_t selection_batch = 0;
    std::vector<domain::QueueItem> items; // preview: scored but not stored (no id)
    std::int64_t added = 0;
    std::int64_t duplicates = 0;
};

struct CycleStats {
    domain::Model model;
    nlohmann::json json;
};

class ActiveLearningService {
public:
    ActiveLearningService(store::Store& store, JobRunner& jobs, CompoundService& compounds)
        : store_(store), jobs_(jobs), compounds_(compounds) {}

    // ---- queue
    domain::QueueItem get_item(const std::string& id);
    QueuePage list_queue(const domain::QueueFilter& filter);
    /// The caller's next items: assigned to them first, then unassigned, highest priority.
    std::vector<domain::QueueItem> get_pending_items(const domain::User& user, std::int64_t limit);
    domain::QueueItem submit_label(const domain::User& caller, const std::string& item_id,
                                   const LabelInput& input);
    domain::QueueItem skip(const domain::User& caller, const std::string& item_id,
                           const std::optional<std::string>& notes);
    /// user_id nullopt: unassign.
    domain::QueueItem assign(const domain::User& caller, const std::string& item_id,
                             const std::optional<std::string>& user_id);
    /// Admin only; all or nothing.
    std::vector<domain::QueueItem> bulk_assign(const domain::User& caller,
                                               const std::vector<std::string>& item_ids,
                                               const std::optional<std::string>& user_id);
    std::vector<domain::QueueItem> bulk_skip(const domain::User& caller,
                                             const std::vector<std::string>& item_ids);

    // ---- selection
    SelectResult select_samples(const domain::User& caller, const SelectRequest& request);
    /// Adds scored items to the queue of `cycle`; returns {added, duplicates}.
    std::pair<std::int64_t, std::int64_t> add_to_queue(std::vector<domain::QueueItem>& items);

    // ---- cycles and retraining
    /// Cycles of the model's lineage, newest first, with their hit counts filled in.
    std::vector<domain::Cycle> list_cycles(const std::string& model_id);
    /// One cycle with its hit counts filled in.
    domain::Cycle get_cycle(const std::string& id);
    /// Queues a retraining job for the cycle's model; 409 when fewer than min_new_labels new
    /// labels exist or a retrain is already running for the lineage. Returns the job id.
    std::string trigger_retrain(const domain::User& caller, const std::string& cycle_id,
                                std::int64_t min_new_labels = 10);
    /// Stats for a model: counts per status, labels per user, cycles with metrics.
    nlohmann::json get_cycle_stats(const std::string& model_id);

    // ---- the job worker (JobRunner hooks)
    /// Claims the oldest queued job for this process and runs it; false when none was queued.
    /// Never throws: a failing job is recorded as failed.
    bool run_next_job();
    /// Records that this process's running jobs are alive, and fails running jobs whose
    /// process has not been heard of for `lease` (killed or cut off). Never throws.
    void tick_jobs(std::chrono::milliseconds lease);
    /// On start-up with a database of this process alone (SQLite): jobs left running by a
    /// stopped server are marked failed, their cycles go back to labeling. Queued jobs stay
    /// queued and are run by the worker. The previous model version stays active. Returns how
    /// many jobs were failed.
    int recover_interrupted_jobs();

    domain::Job get_job(const std::string& id);

private:
    domain::Model require_model(const std::string& id);
    domain::Cycle require_cycle(const std::string& id);
    /// hits_found / hits_found_total of `cycles` (all of `model`'s lineage) from the
    /// lineage's labels; all three discovery figures none when the model has no objective.
    void fill_hits(const domain::Model& model, std::vector<domain::Cycle>& cycles);
    /// Sum of P(hit) over the lineage's unlabelled compounds under `model` (none without an
    /// objective).
    std::optional<double> expected_hits_remaining(const domain::Model& model,
                                                  const std::vector<std::uint8_t>& artifact);
    /// The retrain job body; `job` was claimed by this process (status running).
    void run_retrain(domain::Job job);
    /// Marks `job` failed with `error` and puts its cycle back to labeling, unless it finished
    /// meanwhile. True when it was failed here.
    bool fail_job(domain::Job job, const std::string& error, const std::string& message);
    store::Store& store_;
    JobRunner& jobs_;
    CompoundService& compounds_;
};

/// The JSON form of a queue item (API field names).
nlohmann::json to_json(const domain::QueueItem& item);
nlohmann::json to_json(const domain::Cycle& cycle);
nlohmann::json to_json(const domain::Job& job);
nlohmann::json to_json(const domain::Model& model);
nlohmann::json to_json(const domain::User& user);

} // namespace labelloop::service
