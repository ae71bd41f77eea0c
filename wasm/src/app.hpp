// The LabelLoop browser app: session, data loaded from the server, and the per-frame UI
// (header + four tabs: Label Queue, Labeling, Cycle History, Sample Selection, plus a
// Structure viewer). Plain C++ over Dear ImGui and the platform seams (platform/*.hpp), so
// the frame function also runs natively (tests/ui smoke test).
//
// Sections by file: app.cpp (frame, header, sign-in, state view), app_data.cpp (loading and
// server calls), model_form.cpp (an admin creates a model), tab_queue.cpp, tab_labeling.cpp,
// tab_cycles.cpp, tab_selection.cpp, tab_structure.cpp.
#pragma once

#include "api/api_client.hpp"
#include "api/types.hpp"
#include "labelloop/ensemble.hpp"
#include "labelloop/features.hpp"
#include "labelloop/sampling.hpp"
#include "labelloop/sync.hpp"
#include "ui/depiction_cache.hpp"
#include "ui_state.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::app {

enum class ConnectionState { Connecting, Online, Offline };

struct ServerStatus {
    ConnectionState state = ConnectionState::Connecting;
    std::string version;
    int schema_version = 0;
    int sync_protocol_version = 0;
    std::string message; // why we are offline, in words
};

enum class Tab { Queue, Labeling, Cycles, Selection, Structure };

/// A message for the user: errors stay until dismissed or replaced, successes fade.
struct Notice {
    std::string text;
    bool error = false;
    double shown_at = 0.0;
};

/// A browser-side preview row of Sample Selection.
struct PreviewRow {
    std::string compound_id; // empty for pasted SMILES
    std::string smiles;
    std::string name;
    ScoredCandidate score;
};

class App {
public:
    App();
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    /// Draws one frame of UI. `now` is seconds since start; `dpr` is devicePixelRatio.
    void frame(double now, float dpr);
    /// The read-only state view (window.labelloop.state()).
    nlohmann::json state() const;

    /// A file the scientist picked (Sample Selection, "Upload a file..."): its text becomes
    /// the pasted-SMILES pool.
    void set_uploaded_smiles(const std::string& text);
    /// A `labelloop simulate` result (simulation.json) for Cycle History to overlay on the
    /// model's real learning curve; a bad file becomes an error notice.
    void import_simulation(const std::string& text);
    /// For the headless smoke test: put `items` in the queue as if loaded from the server.
    void load_queue_for_test(std::vector<QueueItem> items, User me, ModelInfo model);
    void select_tab_for_test(Tab tab) { requested_tab_ = tab; }
    /// For the headless test: a Sample Selection preview of `pool` with `model` (and the
    /// objective its file would carry), scored over the following frames exactly as a fetched
    /// pool would be.
    void preview_pool_for_test(BootstrapEnsemble model, std::vector<Features> pool,
                               Objective objective = {});
    /// For the headless test: the active model's cycles as if loaded from the server.
    void load_cycles_for_test(std::vector<Cycle> cycles) { cycles_ = std::move(cycles); }
    /// For the headless test: the active model's training set as if downloaded.
    void load_training_set_for_test(std::vector<TrainingCompound> training) {
        training_ = std::move(training);
        training_for_model_ = active_model_id_;
    }

private:
    // app.cpp
    void poll_server();
    void draw_header();
    void draw_sign_in();
    void draw_notices();
    void notify(const std::string& text, bool error);
    bool begin_tab(const char* label, Tab tab, const char* widget);

    // app_data.cpp
    void sign_in(const std::string& token, bool remember);
    void sign_out();
    void refresh_models();
    void refresh_queue();
    void refresh_users();
    void refresh_cycles();
    void refresh_training_set();
    void ensure_model_artifact();
    void submit_label(std::size_t index, bool advance);
    void skip_item(std::size_t index, bool advance);
    json selected_item_ids() const;
    void bulk_assign(const std::string& user_id);
    void bulk_skip();
    void trigger_retrain(const std::string& cycle_id);
    void poll_job();
    void replace_item(const QueueItem& item);
    const ModelInfo* active_model() const;
    /// The objective selection ranks toward: the downloaded model file's once it is the
    /// active model's, the server's listing of it before that.
    Objective active_objective() const;
    std::optional<Features> browser_features(const std::string& smiles, std::string& error) const;

    // app_sync.cpp
    static std::string new_op_id();
    void load_offline_state();
    void save_oplog();
    void save_snapshot_if_due(bool force);
    void overlay_local(QueueItem& q) const;
    void rebuild_queue_from_snapshot();
    void request_sync();
    void apply_sync_answer(const json& answer);
    void poll_sync();
    void record_local_op(const sync::Op& op, const std::string& what);
    /// A label or skip op on `item` by the signed-in user, with the form's notes.
    sync::Op item_op(sync::OpKind kind, const QueueItem& item) const;
    void resolve_conflict(const std::string& id, const std::string& resolution);
    void draw_conflicts();
    /// Fetches the model's unlabeled pool (what a preview scores) while online, so the
    /// offline store has it for previews without a network.
    void prefetch_pool(const std::string& model_id, std::int64_t offset);
    json sync_state() const;

    // tab_*.cpp
    void draw_model_picker(const char* widget);
    // model_form.cpp (admin: create a model with an objective)
    void draw_new_model_button();
    void draw_new_model_form();
    void submit_new_model();
    void draw_queue_tab();
    void rebuild_visible_rows();
    void open_item(std::size_t index);
    void draw_labeling_tab();
    void draw_prediction_panel(const QueueItem& item);
    void draw_similar_compounds(const QueueItem& item);
    void draw_label_form(std::size_t index);
    void move_to_next_open(int direction);
    void draw_cycles_tab();
    void draw_learning_curve();
    /// Objective models: hits found per cycle (bars), cumulative hits (line) and the expected
    /// hits still in the pool as stopping guidance.
    void draw_hits_chart(const ModelInfo& m);
    nlohmann::json simulation_state() const;
    void draw_selection_tab();
    void run_preview();
    /// The options the Sample Selection form describes; nullopt (and preview_error_) if bad.
    std::optional<SelectionOptions> preview_options();
    /// EI / PI on maximize / minimize: the training label best toward `objective` (raw),
    /// from the training set the app downloaded; nullopt while it is not here.
    std::optional<double> best_training_label(const Objective& objective) const;
    /// The strategy combo, grouped (discovery / model improvement / baseline), with the
    /// strategy's one-line description under it.
    void draw_strategy_combo(float width);
    /// Starts scoring `features` (rows: what the table shows of each) for a preview.
    void start_scoring(const SelectionOptions& options, std::vector<PreviewRow> rows,
                       std::vector<Features> features);
    /// Scores the running preview's next slices within this frame's budget; publishes the
    /// batch when the pool is done.
    void advance_preview();
    /// Featurizes pasted SMILES until `deadline`; true once scoring has started.
    bool advance_paste(std::chrono::steady_clock::time_point deadline);
    /// Drops a running preview (its model is going away, or the user cancelled).
    void cancel_preview(const std::string& why);
    void fetch_pool_page(std::int64_t offset,
                         std::function<void(std::vector<PreviewRow>, std::vector<Features>)> score);
    void add_preview_to_queue();
    void draw_structure_tab();

    // -- platform / frame
    double now_ = 0.0;
    float dpr_ = 1.0F;
    std::uint64_t frame_count_ = 0;
    WidgetRegistry widgets_;
    DepictionCache depictions_;
    ApiClient api_;
    ServerStatus server_;
    bool health_in_flight_ = false;
    double next_health_poll_ = 0.0;
    std::vector<Notice> notices_;
    std::string header_model_text_; // the header's model line as last drawn
    Tab tab_ = Tab::Queue;
    std::optional<Tab> requested_tab_;

    // -- session
    bool signed_in_ = false;
    bool signing_in_ = false;
    User me_;
    char token_input_[256] = "";
    std::string sign_in_error_;

    // -- data
    std::vector<ModelInfo> models_; // newest first
    std::string active_model_id_;
    std::vector<QueueItem> queue_; // the active model's items: snapshot + local changes
    std::int64_t queue_total_ = 0;

    // -- offline store and sync (app_sync.cpp)
    std::map<std::string, QueueItem> snapshot_; // every queue item the server sent, by id
    std::map<std::string, json> snapshot_raw_;  // the same, as sent (what the store keeps)
    std::int64_t cursor_ = 0;                   // last change_seq pulled
    sync::OpLog oplog_;                         // local changes waiting for the server
    bool sync_in_flight_ = false;
    bool sync_again_ = false;
    bool snapshot_dirty_ = false;
    bool browser_was_online_ = true;
    double next_sync_ = 0.0;
    double next_snapshot_save_ = 0.0;
    double last_sync_at_ = -1.0;
    int syncs_done_ = 0;
    int last_sync_status_ = 200;
    std::string sync_error_; // "offline" or why the last sync failed
    json last_sync_body_;
    json conflicts_ = json::array();
    std::string pool_prefetched_for_;
    std::int64_t pool_prefetched_ = 0;
    std::vector<User> users_;
    std::vector<Cycle> cycles_;
    std::vector<ModelInfo> versions_;
    std::vector<TrainingCompound> training_;
    std::vector<Fingerprint> training_fps_;
    FingerprintIndex training_index_;
    std::string training_for_model_;
    std::unique_ptr<BootstrapEnsemble> model_;
    Objective model_objective_; // carried in model_'s file
    std::string model_loaded_id_;
    bool artifact_loading_ = false;
    std::string model_error_;

    // -- Label Queue tab
    int status_filter_ = 1;   // index into kStatusFilters; 1 = open (pending + in progress)
    int assignee_filter_ = 0; // 0 all, 1 me, 2 unassigned, 3+ users_[i - 3]
    std::vector<std::size_t> visible_; // indices into queue_, filtered and sorted
    bool visible_dirty_ = true;
    int sort_column_ = 5; // priority
    bool sort_descending_ = true;
    std::vector<bool> selected_; // parallel to queue_
    std::size_t selected_count_ = 0;
    bool selection_changed_ = true;
    int bulk_user_ = 0;
    int queue_cursor_ = -1; // keyboard cursor in visible_

    // -- Labeling tab
    int current_ = -1; // index into queue_
    char label_text_[64] = "";
    int label_class_ = -1;
    int label_source_ = 0;
    int label_confidence_ = 0;
    char notes_[512] = "";
    std::string form_error_;
    bool saving_ = false;
    std::string similar_for_;
    std::vector<std::pair<std::size_t, double>> similar_; // training index, similarity
    std::optional<Prediction> browser_prediction_;
    std::string browser_prediction_for_;
    std::string prediction_error_;
    nlohmann::json current_descriptors_;
    std::string descriptors_for_;

    // -- Cycle History tab
    std::string job_id_;
    Job job_;
    double next_job_poll_ = 0.0;
    bool retrain_in_flight_ = false;
    struct SimulationCurve {
        std::string strategy;
        std::vector<double> labels;
        std::vector<double> metric;
    };
    bool expecting_simulation_ = false; // the next picked file is a simulation, not SMILES
    std::string simulation_data_;       // the simulated data set's file name
    std::string simulation_metric_;
    std::vector<SimulationCurve> simulation_;
    std::size_t simulation_points_drawn_ = 0; // in the last frame (the e2e test checks it)

    // -- Sample Selection tab
    int pool_kind_ = 0; // 0 unlabeled compounds, 1 pasted SMILES
    char pasted_smiles_[16384] = "";
    char dataset_name_[128] = "esol";
    Strategy strategy_ = Strategy::Uncertainty;
    float beta_ = 2.0F; // UCB exploration weight
    /// The strategy combo's entries as last drawn, with whether each could be chosen (the
    /// state view reports them).
    std::vector<std::pair<Strategy, bool>> strategy_options_drawn_;
    int batch_size_ = 20;
    float threshold_ = 0.0F;
    float weights_[3] = {0.5F, 0.3F, 0.2F};
    int diversity_ = 0;
    float tanimoto_cap_ = 0.7F;
    bool preview_running_ = false;
    int preview_runs_ = 0; // previews started (tests wait for their click to count)
    std::vector<PreviewRow> preview_;
    std::vector<PreviewRow> pool_rows_;   // pool pages arriving for a preview
    std::vector<Features> pool_features_; // parallel to pool_rows_
    std::string preview_error_;
    std::size_t preview_pool_size_ = 0;
    std::size_t preview_batch_asked_ = 0; // batch size of the run, before clamping to the pool
    double preview_ms_ = 0.0;
    // A preview being scored: a slice per frame, so a pool of tens of thousands of compounds
    // never stops the page (see advance_preview).
    std::unique_ptr<IncrementalSelection> preview_job_;
    /// A pasted or uploaded pool whose SMILES are being featurized before scoring.
    struct PastedPool {
        SelectionOptions options;
        std::vector<std::pair<int, std::string>> lines; // (line number, SMILES)
        std::vector<Features> features;                 // of the first lines, in order
    };
    std::unique_ptr<PastedPool> paste_job_;
    std::vector<PreviewRow> preview_job_rows_; // parallel to the job's pool
    std::chrono::steady_clock::time_point preview_started_;
    std::size_t preview_slice_ = 4;     // compounds per step, adapted to the frame budget
    double preview_max_frame_ms_ = 0.0; // the longest a frame spent scoring this preview
    bool adding_ = false;

    // -- New model form (admins)
    struct NewModelForm {
        bool open_requested = false;
        char name[128] = "";
        char property[128] = "";
        char dataset[128] = "";
        int task = 0;  // 0 regression, 1 classification
        int split = 0; // 0 random, 1 scaffold
        int kind = 0;  // index into the task's objective kinds
        float lo = 1.0F, hi = 3.0F;
        int target_class = 1;
        bool use_hit_threshold = false;
        float hit_threshold = 0.0F;
        int family = 0; // index into model_form.cpp's member families (0: boosted trees)
        int members = static_cast<int>(EnsembleParams{}.n_members); // the family's default
        int mpnn_depth = EnsembleParams{}.mpnn.depth;
        int mpnn_hidden = EnsembleParams{}.mpnn.hidden;
        int mpnn_epochs = 0; // 0: not sent, the server picks by training set size
        nlohmann::json sent; // the body of the last POST /models (the state view shows it)
        double sent_at = 0.0;
        bool submitting = false;
        bool close_requested = false; // the answer arrived: close the modal on the next frame
        std::string error;
    } new_model_;

    // -- Structure tab (SMILES viewer)
    char smiles_buffer_[1024] = "c1ccccc1C(=O)O";
    std::string drawn_smiles_;
    bool molecule_drawn_ = false;
    std::string molecule_error_;
    nlohmann::json descriptors_;
};

} // namespace labelloop::app
