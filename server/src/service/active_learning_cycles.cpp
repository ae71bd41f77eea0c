// Selection (opening a cycle) and retraining (closing it): the part of the active-learning
// service that needs the models, reached only through service/model_engine.hpp.
#include "service/active_learning_service.hpp"

#include "service/auth_service.hpp"
#include "service/errors.hpp"
#include "service/model_engine.hpp"
#include "util/ids.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <unordered_set>

namespace labelloop::service {
namespace {

using json = nlohmann::json;

engine::TrainingRow to_row(const domain::LabeledCompound& c) {
    return {c.features, c.label, c.source, c.confidence, c.smiles};
}

std::vector<engine::TrainingRow> to_rows(const std::vector<domain::LabeledCompound>& members) {
    std::vector<engine::TrainingRow> rows;
    rows.reserve(members.size());
    for (const auto& m : members) {
        rows.push_back(to_row(m));
    }
    return rows;
}

/// The best training label toward the objective (raw value): what EI and PI improve on.
std::optional<double> best_label(const Objective& objective,
                                 const std::vector<domain::LabeledCompound>& train) {
    std::optional<double> best;
    for (const auto& t : train) {
        if (t.role == "train" &&
            (!best || toward_objective(objective, t.label) > toward_objective(objective, *best))) {
            best = t.label;
        }
    }
    return best;
}

/// Scores every row of a pool (batch = whole pool), falling back to `uncertainty` when the
/// cycle's strategy cannot run without the threshold it was given at selection time.
engine::Selection score_all(const domain::Model& model, const std::vector<std::uint8_t>& artifact,
                            const std::vector<std::vector<std::uint8_t>>& pool,
                            const std::vector<std::string>& smiles, const std::string& strategy,
                            std::optional<double> best) {
    engine::SelectionSpec spec;
    spec.strategy = strategy;
    spec.batch_size = pool.size();
    spec.objective = model.objective;
    spec.best_label = best;
    try {
        return engine::select(model.id, artifact, pool, spec, smiles);
    } catch (const std::invalid_argument&) {
        spec.strategy = "uncertainty";
        return engine::select(model.id, artifact, pool, spec, smiles);
    }
}

} // namespace

std::pair<std::int64_t, std::int64_t>
ActiveLearningService::add_to_queue(std::vector<domain::QueueItem>& items) {
    std::int64_t added = 0;
    std::int64_t duplicates = 0;
    store_.transaction([&] {
        for (auto& item : items) {
            const auto model = require_model(item.model_id);
            if (store_.compound_in_open_queue(model.lineage_id, item.compound_id) ||
                !store_.insert_queue_item(item)) {
                ++duplicates;
                item.id.clear();
                continue;
            }
            ++added;
        }
    });
    items.erase(std::remove_if(items.begin(), items.end(),
                               [](const domain::QueueItem& q) { return q.id.empty(); }),
                items.end());
    return {added, duplicates};
}

SelectResult ActiveLearningService::select_samples(const domain::User& caller,
                                                   const SelectRequest& request) {
    require_admin(caller, "select compounds for labeling");
    const domain::Model model = require_model(request.model_id);
    if (model.status != "active") {
        auto active = store_.active_model(model.lineage_id);
        fail(ErrorKind::Conflict,
             "Model version " + std::to_string(model.version) + " of '" + model.name + "' is " +
                 model.status + "; select with the active version" +
                 (active ? " (" + active->id + ")." : "."),
             {{"model_id", model.id},
              {"status", model.status},
              {"active_model_id", active ? json(active->id) : json(nullptr)}});
    }
    if (request.batch_size < 1 || request.batch_size > 1000) {
        fail(ErrorKind::InvalidValue, "batch_size must be between 1 and 1000.",
             {{"field", "batch_size"}});
    }
    // The strategy and its options are checked before anything is imported or scored.
    const auto known = engine::strategies();
    const auto strategy =
        std::find_if(known.begin(), known.end(),
                     [&](const engine::StrategyInfo& s) { return s.name == request.strategy; });
    if (strategy == known.end()) {
        std::string names;
        json list = json::array();
        for (const auto& s : known) {
            names += (names.empty() ? "" : ", ") + s.name;
            list.push_back(s.name);
        }
        fail(ErrorKind::InvalidValue,
             "Unknown strategy '" + request.strategy + "': use one of " + names + ".",
             {{"field", "strategy"}, {"strategies", list}});
    }
    if (request.beta && !(*request.beta >= 0.0 && std::isfinite(*request.beta))) {
        fail(ErrorKind::InvalidValue,
             "beta must be a finite number >= 0 (UCB's weight on the ensemble spread).",
             {{"field", "beta"}});
    }
    if (strategy->discovery && !model.objective.active()) {
        fail(ErrorKind::InvalidValue,
             "Model '" + model.name + "' has no objective; strategy '" + strategy->name +
                 "' ranks compounds toward one. Create the model with an objective (maximize, "
                 "minimize, window or class), or use a model-improvement strategy such as "
                 "uncertainty, density or cluster.",
             {{"field", "strategy"}, {"model_id", model.id}});
    }
    const auto artifact = store_.model_artifact(model.id);
    if (strategy->name == "thompson") {
        const std::size_t members = engine::member_count(model.id, artifact);
        if (members < 2) {
            fail(ErrorKind::InvalidValue,
                 "Strategy 'thompson' follows one ensemble member per pick and needs a model "
                 "with at least 2 members; model '" +
                     model.name + "' has " + std::to_string(members) + ".",
                 {{"field", "strategy"}, {"model_id", model.id}});
        }
    }

    // ---- the pool
    std::vector<domain::Compound> pool;
    bool count_open_as_duplicates = false;
    if (request.pool.kind == "unlabeled") {
        pool = store_.list_unlabeled_compounds(model.lineage_id, 1'000'000'000, 0);
    } else if (request.pool.kind == "dataset") {
        if (!request.pool.dataset || request.pool.dataset->empty()) {
            fail(ErrorKind::BadRequest, "pool.kind 'dataset' needs pool.dataset (a name).");
        }
        auto dataset = store_.find_dataset(*request.pool.dataset);
        if (!dataset) {
            fail(ErrorKind::NotFound, "There is no dataset named '" + *request.pool.dataset + "'.");
        }
        pool = store_.dataset_compounds(*dataset);
    } else if (request.pool.kind == "compounds") {
        if (request.pool.compound_ids.empty() && request.pool.smiles.empty()) {
            fail(ErrorKind::BadRequest,
                 "pool.kind 'compounds' needs pool.compound_ids or pool.smiles.");
        }
        std::vector<std::string> ids = request.pool.compound_ids;
        if (!request.pool.smiles.empty() && !request.preview) {
            // New structures join the compound table (deduplicated by InChIKey) first.
            ImportRequest import;
            import.content = "smiles\n";
            for (const auto& smiles : request.pool.smiles) {
                import.content += csv_field(smiles) + "\n";
            }
            import.all_or_nothing = true;
            const auto imported = compounds_.import(&caller, import);
            ids.insert(ids.end(), imported.compound_ids.begin(), imported.compound_ids.end());
        } else if (!request.pool.smiles.empty()) {
            fail(ErrorKind::InvalidValue,
                 "A preview cannot score posted SMILES; import them or select without preview.",
                 {{"field", "pool.smiles"}});
        }
        std::set<std::string> seen;
        for (const auto& id : ids) {
            if (!seen.insert(id).second) {
                continue;
            }
            auto compound = store_.find_compound(id);
            if (!compound) {
                fail(ErrorKind::InvalidValue, "There is no compound with id " + id + ".",
                     {{"field", "pool.compound_ids"}, {"compound_id", id}});
            }
            pool.push_back(std::move(*compound));
        }
        count_open_as_duplicates = true;
    } else {
        fail(ErrorKind::InvalidValue,
             "Unknown pool kind '" + request.pool.kind + "': use unlabeled, dataset or compounds.",
             {{"field", "pool.kind"}});
    }

    // Training and validation compounds are never candidates; labeled ones only on request;
    // compounds already waiting in this lineage's queue are left out of generated pools (a
    // posted list reports them as duplicates instead).
    std::unordered_set<std::string> members;
    for (const auto& m : store_.members(model.lineage_id, "")) {
        members.insert(m.compound_id);
    }
    std::unordered_set<std::string> labeled;
    for (const char* status : {"labeled", "archived"}) {
        for (const auto& m : store_.list_versions(model.lineage_id)) {
            domain::QueueFilter f;
            f.status = status;
            f.model_id = m.id;
            f.limit = 1'000'000'000;
            for (const auto& q : store_.list_queue(f)) {
                labeled.insert(q.compound_id);
            }
        }
    }
    std::int64_t duplicates = 0;
    pool.erase(std::remove_if(pool.begin(), pool.end(),
                              [&](const domain::Compound& c) {
                                  if (members.count(c.id) != 0) {
                                      return true;
                                  }
                                  if (request.exclude_labeled && labeled.count(c.id) != 0) {
                                      return true;
                                  }
                                  if (store_.compound_in_open_queue(model.lineage_id, c.id)) {
                                      duplicates += count_open_as_duplicates ? 1 : 0;
                                      return true;
                                  }
                                  return false;
                              }),
               pool.end());

    SelectResult result;
    result.duplicates = duplicates;
    if (pool.empty()) {
        if (count_open_as_duplicates) {
            return result; // every posted compound is already queued
        }
        fail(ErrorKind::Conflict,
             "The pool has no compounds left to select from for model '" + model.name +
                 "': import more compounds or choose another pool.",
             {{"pool", request.pool.kind}});
    }

    engine::SelectionSpec spec;
    spec.strategy = request.strategy;
    spec.batch_size = std::min(static_cast<std::size_t>(request.batch_size),
                               static_cast<std::size_t>(pool.size()));
    spec.threshold = request.threshold;
    spec.weights = request.weights;
    spec.diversity = request.diversity;
    spec.seed = request.seed;
    spec.objective = model.objective;
    if (request.beta) {
        spec.beta = *request.beta;
    }
    if (model.objective.active()) {
        spec.best_label = best_label(model.objective, store_.members(model.lineage_id, "train"));
    }
    std::vector<std::vector<std::uint8_t>> features;
    std::vector<std::string> smiles;
    features.reserve(pool.size());
    smiles.reserve(pool.size());
    for (const auto& c : pool) {
        features.push_back(c.features);
        smiles.push_back(c.smiles);
    }
    engine::Selection selection;
    try {
        selection = engine::select(model.id, artifact, features, spec, smiles);
    } catch (const engine::SelectionRefused& e) {
        fail(ErrorKind::InvalidValue, std::string("Cannot select: ") + e.what() + ".",
             {{"field", e.field()}});
    } catch (const std::invalid_argument& e) {
        fail(ErrorKind::InvalidValue, std::string("Cannot select: ") + e.what() + ".");
    }

    const std::string now = util::utc_now();
    std::vector<domain::QueueItem> items;
    for (const auto& s : selection.selected) {
        const auto& c = pool[s.index];
        domain::QueueItem q;
        q.id = request.preview ? std::string() : util::new_uuid();
        q.compound_id = c.id;
        q.model_id = model.id;
        q.smiles = c.smiles;
        q.compound_name = c.name;
        q.prediction = s.prediction;
        q.uncertainty = s.uncertainty;
        q.applicability_distance = s.applicability_distance;
        q.in_domain = s.in_domain;
        q.selection_strategy = request.strategy;
        q.priority_score = s.priority_score;
        q.status = request.preview ? "preview" : "pending";
        q.created_at = now;
        q.updated_at = now;
        items.push_back(std::move(q));
    }
    if (request.preview) {
        result.selection_batch = store_.max_cycle_number(model.lineage_id) + 1;
        result.items = std::move(items);
        return result;
    }

    // Scored outside the write transaction: the whole unlabelled pool, once per selection.
    const auto expected = expected_hits_remaining(model, artifact);
    store_.transaction([&] {
        domain::Cycle cycle;
        cycle.id = util::new_uuid();
        cycle.model_id = model.id;
        cycle.cycle_number = store_.max_cycle_number(model.lineage_id) + 1;
        cycle.selection_strategy = request.strategy;
        cycle.batch_size = request.batch_size;
        cycle.status = "labeling";
        cycle.metrics_before_json = model.metrics_json;
        cycle.started_at = now;
        cycle.expected_hits_remaining = expected;
        store_.insert_cycle(cycle);
        for (auto& q : items) {
            q.cycle_id = cycle.id;
            q.selection_batch = cycle.cycle_number;
        }
        const auto counts = add_to_queue(items);
        cycle.items_selected = counts.first;
        store_.update_cycle(cycle);
        store_.insert_audit({0, caller.id, "select", "cycle", cycle.id, std::nullopt,
                             json{{"model_id", model.id},
                                  {"strategy", request.strategy},
                                  {"beta", request.beta ? json(*request.beta) : json(nullptr)},
                                  {"batch_size", request.batch_size},
                                  {"added", counts.first}}
                                 .dump(),
                             now});
        result.cycle_id = cycle.id;
        result.selection_batch = cycle.cycle_number;
        result.added = counts.first;
        result.duplicates += counts.second;
    });
    // Re-read so joined names and versions come from the store.
    for (auto& q : items) {
        q = get_item(q.id);
    }
    result.items = std::move(items);
    return result;
}

std::optional<double>
ActiveLearningService::expected_hits_remaining(const domain::Model& model,
                                               const std::vector<std::uint8_t>& artifact) {
    if (!model.objective.active()) {
        return std::nullopt;
    }
    std::vector<std::vector<std::uint8_t>> pool;
    std::vector<std::string> smiles;
    for (auto& c : store_.list_unlabeled_compounds(model.lineage_id, 1'000'000'000, 0)) {
        pool.push_back(std::move(c.features));
        smiles.push_back(std::move(c.smiles));
    }
    return engine::expected_hits(model.id, artifact, model.objective, pool, smiles);
}

std::string ActiveLearningService::trigger_retrain(const domain::User& caller,
                                                   const std::string& cycle_id,
                                                   std::int64_t min_new_labels) {
    require_admin(caller, "retrain models");
    if (min_new_labels < 1) {
        fail(ErrorKind::InvalidValue, "min_new_labels must be at least 1.",
             {{"field", "min_new_labels"}});
    }
    domain::Job job;
    store_.transaction([&] {
        domain::Cycle cycle = require_cycle(cycle_id);
        const domain::Model model = require_model(cycle.model_id);
        if (cycle.status == "training") {
            fail(ErrorKind::Conflict,
                 "Cycle " + std::to_string(cycle.cycle_number) + " is already retraining.",
                 {{"cycle_id", cycle.id}, {"status", cycle.status}});
        }
        if (cycle.status == "complete") {
            fail(ErrorKind::Conflict,
                 "Cycle " + std::to_string(cycle.cycle_number) +
                     " is complete; select a new batch to start the next cycle.",
                 {{"cycle_id", cycle.id}, {"status", cycle.status}});
        }
        auto active = store_.active_model(model.lineage_id);
        if (!active) {
            fail(ErrorKind::Conflict, "Model '" + model.name + "' has no active version.");
        }
        for (const auto& other : store_.list_cycles(model.lineage_id)) {
            if (other.status == "training") {
                fail(ErrorKind::Conflict,
                     "Model '" + model.name + "' is already retraining (cycle " +
                         std::to_string(other.cycle_number) + ").",
                     {{"cycle_id", other.id}});
            }
        }
        domain::QueueFilter f;
        f.status = "labeled";
        f.model_id = active->id;
        const std::int64_t new_labels = store_.count_queue(f);
        if (new_labels < min_new_labels) {
            fail(ErrorKind::Conflict,
                 "Retraining needs at least " + std::to_string(min_new_labels) +
                     " new labels; model '" + model.name + "' has " + std::to_string(new_labels) +
                     " since its last version.",
                 {{"new_labels", new_labels}, {"min_new_labels", min_new_labels}});
        }
        cycle.status = "training";
        store_.update_cycle(cycle);
        job.id = util::new_uuid();
        job.kind = "retrain";
        job.status = "queued";
        job.message = "waiting for the worker";
        job.cycle_id = cycle.id;
        job.created_by = caller.id;
        job.created_at = util::utc_now();
        store_.insert_job(job);
        store_.insert_audit({0, caller.id, "retrain", "cycle", cycle.id, std::nullopt,
                             json{{"job_id", job.id}, {"new_labels", new_labels}}.dump(),
                             job.created_at});
    });
    jobs_.notify();
    return job.id;
}

bool ActiveLearningService::run_next_job() {
    std::optional<domain::Job> job;
    try {
        job = store_.claim_job(jobs_.worker_id(), util::utc_now());
    } catch (const std::exception& e) {
        // The database is unreachable for now; the next look tries again.
        std::fprintf(stderr, "labelloop: could not look for queued jobs: %s\n", e.what());
        return false;
    }
    if (!job) {
        return false;
    }
    if (job->kind == "retrain") {
        run_retrain(std::move(*job));
    } else {
        fail_job(*job, "Unknown job kind '" + job->kind + "'.", "failed");
    }
    return true;
}

void ActiveLearningService::tick_jobs(std::chrono::milliseconds lease) {
    try {
        store_.heartbeat_jobs(jobs_.worker_id(), util::utc_now());
        const std::string stale_before = util::utc_at(std::chrono::system_clock::now() - lease);
        for (auto& job : store_.abandoned_jobs(stale_before)) {
            const std::string who = job.claimed_by.value_or("a server process");
            if (fail_job(job,
                         "The server process running this job (" + who +
                             ") stopped answering (last heard of at " +
                             job.heartbeat_at.value_or("never") +
                             "); the previous model version stays active. Start the retrain "
                             "again.",
                         "interrupted")) {
                std::fprintf(stderr, "labelloop: job %s of %s failed: its process went quiet\n",
                             job.id.c_str(), who.c_str());
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "labelloop: job heartbeat failed: %s\n", e.what());
    }
}

bool ActiveLearningService::fail_job(domain::Job job, const std::string& error,
                                     const std::string& message) {
    bool failed = false;
    store_.transaction([&] {
        if (auto stored = store_.find_job(job.id)) {
            job = *stored;
        }
        job.status = "failed";
        job.error = error;
        job.message = message;
        job.finished_at = util::utc_now();
        failed = store_.update_job(job);
        if (!failed) {
            return; // it finished meanwhile
        }
        if (job.cycle_id) {
            if (auto cycle = store_.find_cycle(*job.cycle_id);
                cycle && cycle->status == "training") {
                cycle->status = "labeling";
                store_.update_cycle(*cycle);
            }
        }
    });
    return failed;
}

void ActiveLearningService::run_retrain(domain::Job job) {
    try {
        job.message = "collecting labels";
        store_.update_job(job);
        const domain::Cycle cycle = require_cycle(job.cycle_id.value_or(""));
        const domain::Model start_model = require_model(cycle.model_id);
        auto active = store_.active_model(start_model.lineage_id);
        if (!active) {
            throw std::runtime_error("the model has no active version");
        }
        const domain::Model old_model = *active;
        const auto old_artifact = store_.model_artifact(old_model.id);

        // Snapshot: the fixed validation set, the training set, and the new labels.
        const auto validation = store_.members(old_model.lineage_id, "validation");
        auto train = store_.members(old_model.lineage_id, "train");
        domain::QueueFilter f;
        f.status = "labeled";
        f.model_id = old_model.id;
        f.limit = 1'000'000'000;
        const auto new_labels = store_.list_queue(f);
        std::unordered_set<std::string> in_train;
        for (const auto& t : train) {
            in_train.insert(t.compound_id);
        }
        std::vector<domain::LabeledCompound> added;
        for (const auto& q : new_labels) {
            auto compound = store_.find_compound(q.compound_id);
            domain::LabeledCompound lc;
            lc.compound_id = q.compound_id;
            lc.smiles = compound->smiles;
            lc.features = compound->features;
            lc.label = q.label.value_or(0.0);
            // Replicate measurements kept by a conflict resolution count as their mean.
            if (const auto replicates = store_.replicate_labels(q.id); !replicates.empty()) {
                double sum = lc.label;
                for (double r : replicates) {
                    sum += r;
                }
                lc.label = sum / static_cast<double>(replicates.size() + 1);
            }
            lc.source = q.label_source.value_or("experimental");
            lc.confidence = q.label_confidence.value_or("high");
            lc.role = "train";
            added.push_back(lc);
        }
        // New labels go to the training set only, replacing an older label of the compound.
        for (const auto& a : added) {
            auto it = std::find_if(train.begin(), train.end(),
                                   [&](const auto& t) { return t.compound_id == a.compound_id; });
            if (it != train.end()) {
                *it = a;
            } else {
                train.push_back(a);
            }
        }
        std::vector<domain::LabeledCompound> added_train;
        for (const auto& a : added) {
            if (std::none_of(validation.begin(), validation.end(),
                             [&](const auto& v) { return v.compound_id == a.compound_id; })) {
                added_train.push_back(a);
            }
        }

        job.message = "scoring the previous version on the validation set";
        store_.update_job(job);
        const auto validation_rows = to_rows(validation);
        const json metrics_before = engine::evaluate(old_artifact, validation_rows);

        job.message = "training version " + std::to_string(old_model.version + 1);
        store_.update_job(job);
        // The first report is written at once, then at most five a second.
        auto last_report = std::chrono::steady_clock::now() - std::chrono::seconds(1);
        // Never throw from here: the core's fit calls this while its helper threads run,
        // and an exception would unwind past them. A stop is honoured after the fit.
        const std::string training = job.message;
        const auto progress = [&](const FitProgress& p) {
            const auto now = std::chrono::steady_clock::now();
            if (now - last_report > std::chrono::milliseconds(200)) {
                last_report = now;
                job.progress = 0.9 * p.fraction;
                job.message = training + ": " + engine::describe_progress(p);
                store_.update_job(job);
            }
        };
        const json params = json::parse(old_model.params_json, nullptr, false);
        // Every version keeps the lineage's objective (and writes it into its artifact).
        engine::TrainResult trained = engine::train(old_model.task, to_rows(train), validation_rows,
                                                    params.is_object() ? params : json::object(),
                                                    progress, old_model.objective);

        // Re-score the open items with the new model (before taking the write lock).
        job.message = "re-scoring open queue items";
        job.progress = 0.92;
        store_.update_job(job);
        domain::Model new_model = old_model;
        new_model.id = util::new_uuid();
        new_model.version = old_model.version + 1;
        new_model.parent_id = old_model.id;
        new_model.status = "active";
        new_model.metrics_json = trained.metrics.dump();
        new_model.params_json = trained.params.dump();
        new_model.n_train = static_cast<std::int64_t>(train.size());
        new_model.n_validation = static_cast<std::int64_t>(validation.size());
        new_model.created_at = util::utc_now();

        std::vector<domain::QueueItem> open;
        for (const char* status : {"pending", "in_progress"}) {
            domain::QueueFilter of;
            of.status = status;
            of.model_id = old_model.id;
            of.limit = 1'000'000'000;
            for (auto& q : store_.list_queue(of)) {
                open.push_back(std::move(q));
            }
        }
        std::vector<engine::Scored> rescored(open.size());
        if (!open.empty()) {
            std::vector<std::vector<std::uint8_t>> pool;
            std::vector<std::string> smiles;
            for (const auto& q : open) {
                auto compound = store_.find_compound(q.compound_id);
                pool.push_back(std::move(compound->features));
                smiles.push_back(std::move(compound->smiles));
            }
            const auto scored =
                score_all(new_model, trained.artifact, pool, smiles,
                          open.front().selection_strategy, best_label(new_model.objective, train));
            for (const auto& s : scored.all) {
                rescored[s.index] = s;
            }
        }

        // What the new version expects among the compounds still without a label (the
        // labels of this cycle have left the pool).
        const auto expected = expected_hits_remaining(new_model, trained.artifact);

        if (jobs_.stopping()) {
            throw std::runtime_error("the server stopped during retraining");
        }
        std::int64_t archived = 0;
        std::int64_t moved = 0;
        store_.transaction([&] {
            auto still_active = store_.active_model(old_model.lineage_id);
            if (!still_active || still_active->id != old_model.id) {
                throw std::runtime_error("another version became active during retraining");
            }
            const std::string now = util::utc_now();
            store_.insert_model(new_model, trained.artifact);
            store_.set_model_status(old_model.id, "superseded");
            for (const auto& a : added_train) {
                store_.add_member(old_model.lineage_id, a, new_model.version);
            }
            // Labeled items stay linked to the version they were labeled against.
            for (const auto& q : new_labels) {
                auto item = get_item(q.id);
                const auto before = item;
                item.status = "archived";
                item.updated_at = now;
                item.version += 1;
                store_.update_queue_item(item);
                store_.insert_audit(
                    {0, job.created_by, "archive", "queue_item", item.id,
                     json{{"status", before.status}}.dump(),
                     json{{"status", "archived"}, {"model_id", item.model_id}}.dump(), now});
                ++archived;
            }
            // Open items move to the new version with its scores. An item labeled while the
            // model trained moves too, as a new label for the next cycle.
            for (std::size_t i = 0; i < open.size(); ++i) {
                auto item = get_item(open[i].id);
                if (item.model_id != old_model.id) {
                    continue;
                }
                item.model_id = new_model.id;
                if (item.status == "pending" || item.status == "in_progress") {
                    item.prediction = rescored[i].prediction;
                    item.uncertainty = rescored[i].uncertainty;
                    item.applicability_distance = rescored[i].applicability_distance;
                    item.in_domain = rescored[i].in_domain;
                    item.priority_score = rescored[i].priority_score;
                }
                item.updated_at = now;
                item.version += 1;
                store_.update_queue_item(item);
                ++moved;
            }
            domain::QueueFilter late;
            late.status = "labeled";
            late.model_id = old_model.id;
            late.limit = 1'000'000'000;
            for (auto item : store_.list_queue(late)) {
                item.model_id = new_model.id;
                item.updated_at = now;
                item.version += 1;
                store_.update_queue_item(item);
            }
            domain::Cycle done = require_cycle(cycle.id);
            done.status = "complete";
            done.metrics_before_json = metrics_before.dump();
            done.metrics_after_json = trained.metrics.dump();
            done.new_model_id = new_model.id;
            done.completed_at = now;
            done.expected_hits_remaining = expected;
            store_.update_cycle(done);
            // An earlier cycle of this model whose items are all settled (its labels went into
            // this version with the rest, nothing is left open) ends with this retrain too,
            // with the same figures; one that still has open items keeps labeling (its items
            // moved to the new version above).
            std::int64_t also_completed = 0;
            for (auto other : store_.list_cycles(old_model.lineage_id)) {
                if (other.id == done.id || other.status != "labeling" || other.items_labeled == 0) {
                    continue;
                }
                std::int64_t still_open = 0;
                for (const char* status : {"pending", "in_progress"}) {
                    domain::QueueFilter of;
                    of.status = status;
                    of.cycle_id = other.id;
                    still_open += store_.count_queue(of);
                }
                if (still_open > 0) {
                    continue;
                }
                other.status = "complete";
                other.metrics_before_json = done.metrics_before_json;
                other.metrics_after_json = done.metrics_after_json;
                other.new_model_id = new_model.id;
                other.completed_at = now;
                other.expected_hits_remaining = expected;
                store_.update_cycle(other);
                store_.insert_audit({0, job.created_by, "complete", "cycle", other.id,
                                     json{{"status", "labeling"}}.dump(),
                                     json{{"status", "complete"},
                                          {"completed_with_cycle", done.id},
                                          {"new_model_id", new_model.id}}
                                         .dump(),
                                     now});
                ++also_completed;
            }
            job.status = "succeeded";
            job.progress = 1.0;
            job.message = "version " + std::to_string(new_model.version) + " is active";
            job.finished_at = now;
            job.result_json = json{
                {"new_model_id", new_model.id},
                {"previous_model_id", old_model.id},
                {"version", new_model.version},
                {"new_labels", static_cast<std::int64_t>(added.size())},
                {"archived", archived},
                {"rescored", moved},
                {"cycles_also_completed", also_completed},
                {"metrics_before", metrics_before},
                {"metrics_after",
                 trained.metrics}}.dump();
            if (!store_.update_job(job)) {
                // Failed meanwhile by another process (this one was not heard of for the whole
                // lease): the rollback keeps the previous version as that failure says.
                throw std::runtime_error("this job was failed while it ran (its server process "
                                         "was not heard of in time); nothing of it was kept");
            }
        });
    } catch (const std::exception& e) {
        // Nothing of the new version was written; put the cycle back so it can be retried.
        try {
            fail_job(job, e.what(), "retraining failed; the previous version stays active");
        } catch (const std::exception& again) {
            // The database went away too: the job stays running without a heartbeat, and a
            // live process fails it once its lease runs out.
            std::fprintf(stderr, "labelloop: could not record the failure of job %s: %s\n",
                         job.id.c_str(), again.what());
        }
    }
}

int ActiveLearningService::recover_interrupted_jobs() {
    int recovered = 0;
    for (const auto& job : store_.unfinished_jobs()) {
        if (job.status != "running") {
            continue; // queued: the worker runs it
        }
        if (fail_job(job,
                     "The server stopped while this job was running; the previous model "
                     "version stays active. Start the retrain again.",
                     "interrupted")) {
            ++recovered;
        }
    }
    return recovered;
}

json ActiveLearningService::get_cycle_stats(const std::string& model_id) {
    const domain::Model model = require_model(model_id);
    json counts = json::object();
    std::int64_t lineage_total = 0;
    for (const char* status : {"pending", "in_progress", "labeled", "skipped", "archived"}) {
        std::int64_t n = 0;
        for (const auto& v : store_.list_versions(model.lineage_id)) {
            domain::QueueFilter f;
            f.status = status;
            f.model_id = v.id;
            n += store_.count_queue(f);
        }
        counts[status] = n;
        lineage_total += n;
    }
    json versions = json::array();
    for (const auto& v : store_.list_versions(model.lineage_id)) {
        versions.push_back({{"id", v.id},
                            {"version", v.version},
                            {"status", v.status},
                            {"n_train", v.n_train},
                            {"metrics", json::parse(v.metrics_json, nullptr, false)},
                            {"created_at", v.created_at}});
    }
    json cycles = json::array();
    auto lineage_cycles = store_.list_cycles(model.lineage_id);
    fill_hits(model, lineage_cycles);
    for (const auto& c : lineage_cycles) {
        cycles.push_back(to_json(c));
    }
    auto active = store_.active_model(model.lineage_id);
    return {{"model_id", model.id},
            {"lineage_id", model.lineage_id},
            {"active_model_id", active ? json(active->id) : json(nullptr)},
            {"queue", counts},
            {"queue_total", lineage_total},
            {"n_train", store_.members(model.lineage_id, "train").size()},
            {"n_validation", store_.members(model.lineage_id, "validation").size()},
            {"unlabeled_pool", store_.count_unlabeled_compounds(model.lineage_id)},
            {"versions", versions},
            {"cycles", cycles}};
}

} // namespace labelloop::service
