// Tab 4, Sample Selection: choose model, pool, strategy (discovery toward the model's
// objective, model improvement, or the random baseline), batch size, hybrid weights and
// diversity; Preview scores the whole pool IN THE BROWSER with the core library and the
// downloaded model (no server round trip per compound); Add to Queue sends the chosen
// compounds to the server, which scores them again and opens a cycle.
#include "app.hpp"

#include "labelloop/base64.hpp"
#include "platform/file_picker.hpp"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <sstream>

namespace labelloop::app {
namespace {

/// Compounds per preview slice: from the smallest up to one 64-row scoring block.
constexpr std::size_t kMinPreviewSlice = 4;
constexpr std::size_t kMaxPreviewSlice = 64;

const char* const kDiversity[] = {"none", "tanimoto_cap", "maxmin"};
const char* const kPools[] = {"all unlabeled compounds", "pasted or uploaded SMILES", "a dataset"};

ImTextureID as_texture(unsigned t) {
    return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(t));
}

bool needs_threshold(Strategy s) {
    return s == Strategy::Margin || s == Strategy::Hybrid;
}

/// EI and PI on maximize / minimize improve on the best label so far; on a window or a
/// class they are the probability of a hit and need none.
bool needs_best_label(Strategy s, const Objective& objective) {
    return (s == Strategy::ExpectedImprovement || s == Strategy::ProbabilityOfImprovement) &&
           (objective.kind == ObjectiveKind::Maximize || objective.kind == ObjectiveKind::Minimize);
}

const char* group_name(Strategy s) {
    return is_discovery(s) ? "discovery" : s == Strategy::Random ? "baseline" : "model improvement";
}

} // namespace

std::optional<double> App::best_training_label(const Objective& objective) const {
    const ModelInfo* m = active_model();
    if (m == nullptr || training_for_model_ != m->id || training_.empty()) {
        return std::nullopt;
    }
    const TrainingCompound* best = &training_.front();
    for (const auto& t : training_) {
        if (toward_objective(objective, t.label) > toward_objective(objective, best->label)) {
            best = &t;
        }
    }
    return best->label;
}

std::optional<SelectionOptions> App::preview_options() {
    SelectionOptions options;
    options.strategy = strategy_;
    try {
        options.diversity = parse_diversity(kDiversity[diversity_]);
    } catch (const std::exception& e) {
        preview_error_ = e.what();
        return std::nullopt;
    }
    if (is_discovery(strategy_)) {
        // Refused here rather than guessed: the combo disables these for such a model, but
        // the model can change under a strategy chosen earlier.
        options.objective = active_objective();
        if (!options.objective.active()) {
            preview_error_ = "'" + to_string(strategy_) +
                             "' ranks toward the model's objective, and this model has none: "
                             "choose a model-improvement strategy, or create a model with an "
                             "objective (New model...).";
            return std::nullopt;
        }
        options.beta = std::max(0.0, static_cast<double>(beta_));
        if (needs_best_label(strategy_, options.objective)) {
            options.best_label = best_training_label(options.objective);
            if (!options.best_label) {
                refresh_training_set();
                preview_error_ = "'" + to_string(strategy_) +
                                 "' improves on the best label so far: the training set is "
                                 "still loading; try again in a moment.";
                return std::nullopt;
            }
        }
    }
    options.batch_size = static_cast<std::size_t>(std::max(batch_size_, 0));
    if (needs_threshold(options.strategy) && model_->task() == Task::Regression) {
        options.threshold = threshold_;
    }
    options.hybrid = HybridWeights{weights_[0], weights_[1], weights_[2]};
    options.tanimoto_cap = tanimoto_cap_;
    options.seed = static_cast<std::uint64_t>(frame_count_);
    return options;
}

void App::start_scoring(const SelectionOptions& options, std::vector<PreviewRow> rows,
                        std::vector<Features> features) {
    // Checks everything at once (a bad option or compound is an error before any work), then
    // scores a slice per frame in advance_preview.
    preview_started_ = std::chrono::steady_clock::now();
    if (!model_) { // signed out (or the model failed to load) while the pool was arriving
        preview_error_ = "The model is no longer loaded; run the preview again.";
        preview_running_ = false;
        return;
    }
    try {
        // A pool smaller than the batch is chosen whole (the summary line says so).
        SelectionOptions clamped = options;
        clamped.batch_size = std::min(options.batch_size, features.size());
        preview_batch_asked_ = options.batch_size;
        preview_job_ =
            std::make_unique<IncrementalSelection>(*model_, std::move(features), clamped);
        preview_job_rows_ = std::move(rows);
        // Slices start at the smallest and double while they stay quick (advance_preview):
        // a 64-compound tree block takes about 3 ms, but a network's would take 30+.
        preview_slice_ = kMinPreviewSlice;
        preview_max_frame_ms_ = 0.0;
    } catch (const std::exception& e) {
        preview_error_ = e.what();
        preview_running_ = false;
    }
}

void App::run_preview() {
    ++preview_runs_;
    preview_error_.clear();
    preview_.clear();
    if (!model_) {
        preview_error_ = model_error_.empty()
                             ? "The model is still downloading; try again in a moment."
                             : model_error_;
        return;
    }
    const auto options = preview_options();
    if (!options) {
        return;
    }
    const auto score = [this, options = *options](std::vector<PreviewRow> rows,
                                                  std::vector<Features> features) {
        start_scoring(options, std::move(rows), std::move(features));
    };

    preview_running_ = true;
    if (pool_kind_ == 1) {
        // Pasted or uploaded SMILES: featurized by RDKit MinimalLib a few per frame in
        // advance_preview (a few hundred compounds took a visible stall in one frame).
        auto paste = std::make_unique<PastedPool>();
        paste->options = *options;
        std::istringstream lines(pasted_smiles_);
        int line_number = 0;
        for (std::string line; std::getline(lines, line);) {
            ++line_number;
            while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
                line.pop_back();
            }
            if (!line.empty()) {
                paste->lines.emplace_back(line_number, std::move(line));
            }
        }
        paste_job_ = std::move(paste);
        preview_started_ = std::chrono::steady_clock::now();
        return;
    }
    pool_rows_.clear();
    pool_features_.clear();
    fetch_pool_page(0, std::move(score));
}

bool App::advance_paste(std::chrono::steady_clock::time_point deadline) {
    PastedPool& paste = *paste_job_;
    while (paste.features.size() < paste.lines.size()) {
        const auto& [line_number, smiles] = paste.lines[paste.features.size()];
        std::string error;
        auto f = browser_features(smiles, error);
        if (!f) {
            preview_error_ = "line " + std::to_string(line_number) + ": " + error;
            preview_running_ = false;
            paste_job_.reset();
            return false;
        }
        paste.features.push_back(std::move(*f));
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
    }
    auto done = std::move(paste_job_);
    std::vector<PreviewRow> rows;
    rows.reserve(done->lines.size());
    for (auto& line : done->lines) {
        rows.push_back(PreviewRow{"", std::move(line.second), "", {}});
    }
    const auto started = preview_started_;
    start_scoring(done->options, std::move(rows), std::move(done->features));
    preview_started_ = started; // the preview's time includes reading the SMILES
    return preview_job_ != nullptr;
}

void App::advance_preview() {
    if (paste_job_ &&
        !advance_paste(std::chrono::steady_clock::now() + std::chrono::microseconds(8000))) {
        return;
    }
    if (!preview_job_) {
        return;
    }
    // About half a 60 Hz frame of scoring. Slices start at one scoring block (64 compounds)
    // and shrink while one takes more than a quarter of the budget: with a large training
    // set the applicability-domain search (every pool compound against every training
    // compound) makes a block cost more than a frame can spare.
    using Clock = std::chrono::steady_clock;
    constexpr auto kBudget = std::chrono::microseconds(8000);
    const auto start = Clock::now();
    const auto deadline = start + kBudget;
    const auto note_time = [&] {
        preview_max_frame_ms_ =
            std::max(preview_max_frame_ms_,
                     std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    };
    // The ranking and the batch (result()) get a frame of their own: after up to 8 ms of
    // slices, ranking a 20,000-compound pool in the same frame would double it.
    while (!preview_job_->done()) {
        const auto t0 = Clock::now();
        bool frame_full = false;
        try {
            frame_full = preview_job_->step(preview_slice_);
        } catch (const std::exception& e) { // e.g. a compound the model cannot score
            preview_error_ = e.what();
            preview_job_.reset();
            preview_job_rows_.clear();
            preview_running_ = false;
            note_time();
            return;
        }
        if (frame_full) {
            note_time();
            return;
        }
        const auto now = Clock::now();
        if (now - t0 > kBudget / 4 && preview_slice_ > kMinPreviewSlice) {
            preview_slice_ /= 2;
        } else if (now - t0 < kBudget / 16 && preview_slice_ < kMaxPreviewSlice) {
            preview_slice_ *= 2;
        }
        if (now >= deadline) {
            note_time();
            return;
        }
    }
    try {
        const SelectionResult result = preview_job_->result();
        note_time();
        preview_pool_size_ = preview_job_->size();
        for (const auto& s : result.selected) {
            PreviewRow row = preview_job_rows_[s.index];
            row.score = s;
            preview_.push_back(std::move(row));
        }
    } catch (const std::exception& e) {
        preview_error_ = e.what();
    }
    preview_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                            preview_started_)
                      .count();
    preview_job_.reset();
    preview_job_rows_.clear();
    preview_running_ = false;
}

void App::preview_pool_for_test(BootstrapEnsemble model, std::vector<Features> pool,
                                Objective objective) {
    cancel_preview("");
    model_ = std::make_unique<BootstrapEnsemble>(std::move(model));
    model_objective_ = objective;
    model_loaded_id_ = active_model_id_; // as if downloaded for the active model
    ++preview_runs_;
    preview_error_.clear();
    preview_.clear();
    const auto options = preview_options();
    if (!options) {
        return;
    }
    std::vector<PreviewRow> rows(pool.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        rows[i].compound_id = "pool-" + std::to_string(i);
    }
    preview_running_ = true;
    start_scoring(*options, std::move(rows), std::move(pool));
}

void App::cancel_preview(const std::string& why) {
    if (!preview_job_ && !paste_job_) {
        return;
    }
    paste_job_.reset();
    preview_job_.reset();
    preview_job_rows_.clear();
    preview_running_ = false;
    preview_error_ = why;
}

void App::fetch_pool_page(
    std::int64_t offset,
    std::function<void(std::vector<PreviewRow>, std::vector<Features>)> score) {
    constexpr std::int64_t kPage = 5000; // the server's page limit for compounds
    // A message-passing model reads molecule graphs: the server builds them (RDKit C++) and
    // sends them inside the features, so the browser does not parse 20,000 molecules.
    const bool graphs = model_ && model_->params().member_type == MemberType::Mpnn;
    api_.get((pool_kind_ == 2 ? "/api/v1/compounds?dataset=" + ApiClient::encode(dataset_name_)
                              : "/api/v1/compounds?unlabeled_for_model=" + model_loaded_id_) +
                 "&limit=" + std::to_string(kPage) + "&offset=" + std::to_string(offset) +
                 (graphs ? "&graphs=1" : ""),
             [this, offset, score, graphs](const json& body) {
                 const auto compounds = body.value("compounds", json::array());
                 for (const auto& c : compounds) {
                     try {
                         Features f = decode_features(base64_decode(c.value("features", "")));
                         if (graphs && !f.graph) {
                             continue; // no graph (the server says why): left out
                         }
                         pool_features_.push_back(std::move(f));
                     } catch (const std::exception&) {
                         continue; // unreadable features: left out of the preview
                     }
                     PreviewRow row;
                     row.compound_id = c.value("id", "");
                     row.smiles = c.value("smiles", "");
                     row.name = c["name"].is_string() ? c["name"].get<std::string>() : "";
                     pool_rows_.push_back(std::move(row));
                 }
                 const auto next = offset + static_cast<std::int64_t>(compounds.size());
                 if (!compounds.empty() && next < body.value("total", next)) {
                     fetch_pool_page(next, score);
                     return;
                 }
                 // Compounds already waiting in this model's queue are not candidates again.
                 std::set<std::string> queued;
                 for (const auto& q : queue_) {
                     if (q.is_open()) {
                         queued.insert(q.compound_id);
                     }
                 }
                 std::vector<PreviewRow> rows;
                 std::vector<Features> features;
                 for (std::size_t i = 0; i < pool_rows_.size(); ++i) {
                     if (queued.count(pool_rows_[i].compound_id) == 0) {
                         rows.push_back(std::move(pool_rows_[i]));
                         features.push_back(std::move(pool_features_[i]));
                     }
                 }
                 pool_rows_.clear();
                 pool_features_.clear();
                 score(std::move(rows), std::move(features));
             },
             [this](int, const std::string& message) {
                 preview_running_ = false;
                 preview_error_ = "The pool could not be loaded: " + message;
             });
}

void App::add_preview_to_queue() {
    if (preview_.empty() || adding_) {
        return;
    }
    json ids = json::array();
    json smiles = json::array();
    for (const auto& p : preview_) {
        if (p.compound_id.empty()) {
            smiles.push_back(p.smiles);
        } else {
            ids.push_back(p.compound_id);
        }
    }
    json pool = {{"kind", "compounds"}};
    if (!ids.empty()) {
        pool["compound_ids"] = ids;
    }
    if (!smiles.empty()) {
        pool["smiles"] = smiles;
    }
    json body = {
        {"model_id", model_loaded_id_},
        {"strategy", to_string(strategy_)},
        {"batch_size", preview_.size()},
        {"pool", pool},
        {"weights",
         {{"uncertainty", weights_[0]}, {"margin", weights_[1]}, {"applicability", weights_[2]}}},
        {"diversity", kDiversity[diversity_]}};
    if (needs_threshold(strategy_)) { // regression needs a threshold for these
        body["threshold"] = threshold_;
    }
    if (strategy_ == Strategy::Ucb) {
        body["beta"] = std::max(0.0F, beta_);
    }
    // Offline (or when the request cannot reach the server): the selection waits in the op
    // log and is added when the network returns; the server scores it with the same model.
    const auto keep_for_sync = [this, body]() {
        sync::Op op;
        op.op_id = new_op_id();
        op.kind = sync::OpKind::Select;
        op.item_id = op.op_id;
        op.user_id = me_.id;
        op.selection = body;
        try {
            record_local_op(op,
                            "Selection of " + std::to_string(preview_.size()) + " compounds saved");
            preview_.clear();
        } catch (const std::exception& e) {
            preview_error_ = std::string("Could not keep the selection: ") + e.what();
        }
    };
    if (server_.state == ConnectionState::Offline || sync_error_ == "offline") {
        keep_for_sync();
        return;
    }
    adding_ = true;
    api_.post(
        "/api/v1/active-learning/select", body,
        [this](const json& answer) {
            adding_ = false;
            const auto added = answer.value("added", 0);
            const auto duplicates = answer.value("duplicates", 0);
            notify("Added " + std::to_string(added) + " compounds to the queue" +
                       (duplicates > 0 ? " (" + std::to_string(duplicates) + " were already queued)"
                                       : "") +
                       ".",
                   false);
            preview_.clear();
            refresh_queue();
            refresh_cycles();
        },
        [this, keep_for_sync](int status, const std::string& message) {
            adding_ = false;
            if (status == 0) {
                keep_for_sync();
                return;
            }
            preview_error_ = "Could not add to the queue: " + message;
        });
}

void App::draw_strategy_combo(float width) {
    const Objective objective = active_objective();
    const std::string shown = to_string(strategy_); // the hint below names its group
    strategy_options_drawn_.clear();
    ImGui::SetNextItemWidth(width);
    // Tall enough for every entry and heading: a scrolled list would hide strategies.
    if (ImGui::BeginCombo("Strategy", shown.c_str(), ImGuiComboFlags_HeightLargest)) {
        // Grouped by what the campaign is after; random is the baseline both compare with.
        const char* const groups[] = {"discovery", "model improvement", "baseline"};
        const char* const headings[] = {"Discovery: find compounds that meet the objective",
                                        "Model improvement: a better model everywhere", "Baseline"};
        for (int g = 0; g < 3; ++g) {
            ImGui::TextDisabled("%s", headings[g]);
            for (const Strategy s : all_strategies()) {
                if (std::string(group_name(s)) != groups[g]) {
                    continue;
                }
                const bool allowed = !is_discovery(s) || objective.active();
                const std::string name = to_string(s);
                const std::string label =
                    "   " + name + (allowed ? "" : "  (needs an objective)") + "##" + name;
                if (ImGui::Selectable(label.c_str(), s == strategy_,
                                      allowed ? 0 : ImGuiSelectableFlags_Disabled) &&
                    allowed) {
                    strategy_ = s;
                    preview_.clear();
                }
                widgets_.record_last_item("strategy_option_" + name);
                strategy_options_drawn_.emplace_back(s, allowed);
                if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
                    ImGui::BeginTooltip();
                    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
                    ImGui::TextUnformatted(describe(s).c_str());
                    if (!allowed) {
                        ImGui::TextDisabled(
                            "Unavailable: this model has no objective (maximize, minimize, a "
                            "window or a class) to rank toward. An admin sets one when creating "
                            "a model (New model...).");
                    }
                    ImGui::PopTextWrapPos();
                    ImGui::EndTooltip();
                }
            }
        }
        ImGui::EndCombo();
    }
    widgets_.record_last_item("strategy");
    // What the chosen strategy is for, in one line under the combo.
    ImGui::TextDisabled("%s", describe(strategy_).c_str());
    widgets_.record_last_item("strategy_hint");
    if (is_discovery(strategy_) && objective.active()) {
        ImGui::SameLine();
        ImGui::TextDisabled("(toward: %s)", describe(objective).c_str());
    }
}

void App::draw_selection_tab() {
    ensure_model_artifact();
    const ModelInfo* m = active_model();
    draw_model_picker("selection_model");
    ImGui::SameLine();
    ImGui::TextDisabled(model_ ? "(downloaded: scoring runs in your browser)" : "(downloading...)");
    const float field = ImGui::GetFontSize() * 16;
    ImGui::SetNextItemWidth(field);
    if (ImGui::BeginCombo("Pool", kPools[pool_kind_])) {
        for (int i = 0; i < IM_ARRAYSIZE(kPools); ++i) {
            if (ImGui::Selectable(kPools[i], i == pool_kind_)) {
                pool_kind_ = i;
                preview_.clear();
            }
            widgets_.record_last_item("pool_option_" + std::to_string(i));
        }
        ImGui::EndCombo();
    }
    widgets_.record_last_item("pool_kind");
    if (pool_kind_ == 1) {
        ImGui::SameLine();
        if (ImGui::Button("Upload a file...")) {
            open_smiles_file_picker(); // the file's text lands in the box below
        }
        widgets_.record_last_item("upload_button");
        ImGui::SameLine();
        ImGui::TextDisabled("one SMILES per line");
        ImGui::InputTextMultiline(
            "##pasted", pasted_smiles_, sizeof pasted_smiles_,
            ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 5));
        widgets_.record_last_item("pasted_smiles");
    } else if (pool_kind_ == 2) {
        ImGui::SetNextItemWidth(field);
        ImGui::InputText("Dataset name", dataset_name_, sizeof dataset_name_);
        widgets_.record_last_item("dataset_name");
    }
    draw_strategy_combo(field);
    if (strategy_ == Strategy::Ucb) {
        ImGui::SetNextItemWidth(field);
        ImGui::InputFloat("Beta (exploration)", &beta_, 0.5F, 1.0F, "%.2f");
        beta_ = std::max(beta_, 0.0F);
        widgets_.record_last_item("beta");
        if (ImGui::IsItemHovered()) {
            ImGui::SetTooltip("UCB ranks by predicted value toward the objective + beta x the "
                              "ensemble's spread: 0 is greedy, larger explores more.");
        }
    }
    ImGui::SetNextItemWidth(field);
    ImGui::InputInt("Batch size", &batch_size_);
    batch_size_ = std::clamp(batch_size_, 1, 5000);
    widgets_.record_last_item("batch_size");
    if (needs_threshold(strategy_) && m != nullptr && !m->is_classification()) {
        ImGui::SetNextItemWidth(field);
        ImGui::InputFloat("Decision threshold", &threshold_, 0.1F, 1.0F, "%.2f");
        widgets_.record_last_item("threshold");
    }
    if (strategy_ == Strategy::Hybrid) {
        ImGui::SetNextItemWidth(field);
        ImGui::SliderFloat3("Weights: uncertainty / margin / AD", weights_, 0.0F, 1.0F, "%.2f");
        widgets_.record_last_item("hybrid_weights");
    }
    ImGui::SetNextItemWidth(field);
    ImGui::Combo("Batch diversity", &diversity_, kDiversity, IM_ARRAYSIZE(kDiversity));
    widgets_.record_last_item("diversity");
    if (diversity_ == 1) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        ImGui::SliderFloat("Tanimoto cap", &tanimoto_cap_, 0.3F, 1.0F, "%.2f");
    }
    ImGui::BeginDisabled(preview_running_ || !model_);
    if (ImGui::Button(preview_running_ ? "Scoring...###preview" : "Preview###preview")) {
        run_preview();
    }
    widgets_.record_last_item("preview_button");
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::BeginDisabled(preview_.empty() || adding_ || !me_.is_admin());
    if (ImGui::Button(adding_ ? "Adding..." : "Add to Queue")) {
        add_preview_to_queue();
    }
    widgets_.record_last_item("add_to_queue_button");
    ImGui::EndDisabled();
    if (!me_.is_admin()) {
        ImGui::SameLine();
        ImGui::TextDisabled("(adding to the queue: admins only)");
    }
    if (preview_job_ || paste_job_) {
        // On a line of its own, below the buttons: nothing above moves while it shows.
        const bool cancel = ImGui::Button("Cancel");
        widgets_.record_last_item("preview_cancel");
        ImGui::SameLine();
        const auto done = paste_job_ ? paste_job_->features.size() : preview_job_->scored();
        const auto total = paste_job_ ? paste_job_->lines.size() : preview_job_->size();
        const std::string what = (paste_job_ ? "Reading SMILES " : "Scoring ") +
                                 std::to_string(done) + " of " + std::to_string(total) +
                                 (paste_job_ ? "" : " compounds");
        ImGui::ProgressBar(static_cast<float>(done) /
                               static_cast<float>(std::max<std::size_t>(total, 1)),
                           ImVec2(ImGui::GetFontSize() * 24, 0), what.c_str());
        widgets_.record_last_item("preview_progress");
        if (cancel) {
            cancel_preview("Preview cancelled.");
        }
    }
    if (!preview_error_.empty()) {
        ImGui::TextColored(ImVec4(0.95F, 0.45F, 0.35F, 1), "%s", preview_error_.c_str());
        widgets_.record_last_item("preview_error");
    }
    if (preview_.empty() && !preview_running_ && preview_error_.empty()) {
        ImGui::TextDisabled("Preview scores the pool with the model in this browser and shows "
                            "the batch the strategy picks; Add to Queue sends that batch to the "
                            "label queue.");
    }
    if (!preview_.empty()) {
        ImGui::Text("%zu chosen of %zu compounds, scored in the browser in %.1f ms",
                    preview_.size(), preview_pool_size_, preview_ms_);
        widgets_.record_last_item("preview_summary");
        if (preview_batch_asked_ > preview_pool_size_) {
            ImGui::SameLine();
            ImGui::TextDisabled("(the whole pool: smaller than the batch size of %zu)",
                                preview_batch_asked_);
        }
    }
    const float thumb = 56.0F * dpr_;
    if (!preview_.empty() &&
        ImGui::BeginTable("preview", 6,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders | ImGuiTableFlags_ScrollY,
                          ImVec2(0, ImGui::GetContentRegionAvail().y))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("Structure", ImGuiTableColumnFlags_WidthFixed,
                                std::max(thumb, ImGui::CalcTextSize("Structure").x));
        ImGui::TableSetupColumn("Compound");
        ImGui::TableSetupColumn("Prediction");
        ImGui::TableSetupColumn("Uncertainty");
        ImGui::TableSetupColumn("AD distance");
        ImGui::TableSetupColumn("Priority");
        ImGui::TableHeadersRow();
        ImGuiListClipper clipper;
        clipper.Begin(static_cast<int>(preview_.size()), thumb);
        while (clipper.Step()) {
            for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
                const PreviewRow& p = preview_[static_cast<std::size_t>(r)];
                ImGui::TableNextRow(0, thumb);
                ImGui::TableSetColumnIndex(0);
                const unsigned tex = depictions_.texture(p.smiles, static_cast<int>(thumb));
                if (tex != 0) {
                    ImGui::Image(as_texture(tex), ImVec2(thumb, thumb));
                } else {
                    ImGui::Dummy(ImVec2(thumb, thumb));
                }
                ImGui::TableSetColumnIndex(1);
                ImGui::TextWrapped("%s", p.name.empty() ? p.smiles.c_str() : p.name.c_str());
                ImGui::TableSetColumnIndex(2);
                ImGui::Text("%.2f", p.score.prediction);
                ImGui::TableSetColumnIndex(3);
                ImGui::Text("%.3f", p.score.uncertainty);
                ImGui::TableSetColumnIndex(4);
                ImGui::Text("%.2f %s", p.score.applicability_distance,
                            p.score.in_domain ? "in" : "OUT");
                ImGui::TableSetColumnIndex(5);
                ImGui::Text("%.3f", p.score.priority_score);
            }
        }
        ImGui::EndTable();
    }
}

} // namespace labelloop::app
