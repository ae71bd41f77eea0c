#include "app.hpp"

#include "labelloop/version.hpp"
#include "platform/http_client.hpp"
#include "platform/rdkit_bridge.hpp"
#include "platform/storage.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstring>

namespace labelloop::app {
namespace {

constexpr double kHealthPollSeconds = 3.0;
constexpr double kNoticeSeconds = 4.0;

const char* connection_label(ConnectionState s) {
    switch (s) {
    case ConnectionState::Online:
        return "connected";
    case ConnectionState::Offline:
        return "offline";
    default:
        return "connecting";
    }
}

nlohmann::json optional_json(const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json();
}

const char* tab_name(Tab t) {
    switch (t) {
    case Tab::Queue:
        return "Label Queue";
    case Tab::Labeling:
        return "Labeling";
    case Tab::Cycles:
        return "Cycle History";
    case Tab::Selection:
        return "Sample Selection";
    default:
        return "Structure";
    }
}

} // namespace

App::App() {
    const std::string saved = storage_get("labelloop.token");
    if (!saved.empty()) {
        sign_in(saved, true);
    }
}

App::~App() = default;

void App::notify(const std::string& text, bool error) {
    notices_.push_back(Notice{text, error, now_});
    if (notices_.size() > 4) {
        notices_.erase(notices_.begin());
    }
}

void App::poll_server() {
    if (health_in_flight_ || now_ < next_health_poll_) {
        return;
    }
    health_in_flight_ = true;
    http_request("GET", "/api/v1/health", "", "", [this](const HttpResponse& r) {
        health_in_flight_ = false;
        next_health_poll_ = now_ + kHealthPollSeconds;
        if (r.status != 200) {
            server_.state = ConnectionState::Offline;
            server_.message =
                r.status == 0 ? "The LabelLoop server cannot be reached."
                              : "The server answered with status " + std::to_string(r.status) + ".";
            return;
        }
        const auto body = nlohmann::json::parse(r.body, nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
            server_.state = ConnectionState::Offline;
            server_.message = "The server's health answer was not valid JSON.";
            return;
        }
        if (server_.state != ConnectionState::Online) {
            next_sync_ = now_; // back online: send what waits at once
        }
        server_.state = ConnectionState::Online;
        server_.version = body.value("version", "");
        server_.schema_version = body.value("schema_version", 0);
        server_.sync_protocol_version = body.value("sync_protocol_version", 0);
        server_.message.clear();
        if (server_.sync_protocol_version != kSyncProtocolVersion) {
            server_.message = "This page speaks sync protocol " +
                              std::to_string(kSyncProtocolVersion) + " but the server speaks " +
                              std::to_string(server_.sync_protocol_version) +
                              ": reload the page to get the matching app.";
        }
    });
}

void App::frame(double now, float dpr) {
    now_ = now;
    dpr_ = dpr;
    ++frame_count_;
    widgets_.begin_frame();
    widgets_.set_pixel_ratio(dpr);
    depictions_.begin_frame();
    poll_server();
    poll_job();
    poll_sync();
    advance_preview();

    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(viewport->WorkSize);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                   ImGuiWindowFlags_NoSavedSettings |
                                   ImGuiWindowFlags_NoBringToFrontOnFocus;
    ImGui::Begin("LabelLoop", nullptr, flags);
    draw_header();
    draw_new_model_form(); // a modal: opened from the header's button, same ID scope
    ImGui::Separator();
    if (ImGui::BeginTabBar("tabs")) {
        if (signed_in_) {
            if (begin_tab("Label Queue", Tab::Queue, "tab_queue")) {
                draw_queue_tab();
                ImGui::EndTabItem();
            }
            if (begin_tab("Labeling", Tab::Labeling, "tab_labeling")) {
                draw_labeling_tab();
                ImGui::EndTabItem();
            }
            if (begin_tab("Cycle History", Tab::Cycles, "tab_cycles")) {
                draw_cycles_tab();
                ImGui::EndTabItem();
            }
            if (begin_tab("Sample Selection", Tab::Selection, "tab_selection")) {
                draw_selection_tab();
                ImGui::EndTabItem();
            }
        } else if (begin_tab("Sign in", Tab::Queue, "tab_sign_in")) {
            draw_sign_in();
            ImGui::EndTabItem();
        }
        if (begin_tab("Structure", Tab::Structure, "tab_structure")) {
            draw_structure_tab();
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
    }
    requested_tab_.reset();
    ImGui::End();
    draw_notices(); // after the page: its own window on top
}

bool App::begin_tab(const char* label, Tab tab, const char* widget) {
    const bool select = requested_tab_ && *requested_tab_ == tab;
    const bool open =
        ImGui::BeginTabItem(label, nullptr, select ? ImGuiTabItemFlags_SetSelected : 0);
    widgets_.record_last_item(widget);
    if (open) {
        tab_ = tab;
    }
    return open;
}

void App::draw_header() {
    ImGui::TextUnformatted("LabelLoop");
    ImGui::SameLine();
    ImGui::TextDisabled("%s", kProductVersion);
    ImGui::SameLine(0.0F, ImGui::GetFontSize() * 1.5F);
    const ImVec4 green(0.3F, 0.8F, 0.4F, 1), red(0.9F, 0.4F, 0.3F, 1),
        amber(0.85F, 0.75F, 0.35F, 1);
    const ImVec4 colour = server_.state == ConnectionState::Online    ? green
                          : server_.state == ConnectionState::Offline ? red
                                                                      : amber;
    if (server_.state == ConnectionState::Online) {
        ImGui::TextColored(colour, "Server %s: %s (schema %d, sync protocol %d)",
                           connection_label(server_.state), server_.version.c_str(),
                           server_.schema_version, server_.sync_protocol_version);
    } else {
        ImGui::TextColored(colour, "Server %s", connection_label(server_.state));
    }
    widgets_.record_last_item("server_status");
    // Requests come and go every few seconds: their count gets a slot of its own so that what
    // follows on the line (Sync now) stays where the pointer is.
    ImGui::SameLine();
    const float slot_x = ImGui::GetCursorPosX();
    const float slot_w = ImGui::CalcTextSize("(99 requests in flight)").x;
    if (api_.in_flight() > 0) {
        ImGui::TextDisabled("(%d request%s in flight)", api_.in_flight(),
                            api_.in_flight() == 1 ? "" : "s");
    } else {
        ImGui::Dummy(ImVec2(slot_w, ImGui::GetTextLineHeight()));
    }
    if (signed_in_) {
        ImGui::SameLine(slot_x + slot_w);
        const bool offline = server_.state == ConnectionState::Offline || sync_error_ == "offline";
        if (offline) {
            ImGui::TextColored(red, "offline");
            ImGui::SameLine();
        }
        if (!oplog_.empty()) {
            ImGui::TextColored(amber, "%zu change%s waiting to sync", oplog_.size(),
                               oplog_.size() == 1 ? "" : "s");
        } else if (syncs_done_ > 0) {
            ImGui::TextDisabled("all changes synced");
        } else {
            ImGui::TextDisabled("not synced yet");
        }
        widgets_.record_last_item("sync_status");
        ImGui::SameLine();
        // One ID whatever the label says: a sync starting between press and release must
        // not swallow the click.
        if (ImGui::SmallButton(sync_in_flight_ ? "Syncing...###sync_now" : "Sync now###sync_now")) {
            next_health_poll_ = now_;
            request_sync();
        }
        widgets_.record_last_item("sync_now");
        if (!conflicts_.empty()) {
            ImGui::SameLine();
            ImGui::TextColored(amber, "%zu conflict%s", conflicts_.size(),
                               conflicts_.size() == 1 ? "" : "s");
            widgets_.record_last_item("conflicts_badge");
        }
    }
    if (signed_in_) {
        const ModelInfo* m = active_model();
        ImGui::SameLine(0.0F, ImGui::GetFontSize() * 1.5F);
        const float right = ImGui::GetWindowContentRegionMax().x;
        const std::string who = me_.name + " (" + me_.role + ")";
        const float spacing = ImGui::GetStyle().ItemSpacing.x;
        const float width = ImGui::CalcTextSize(who.c_str()).x + ImGui::CalcTextSize("Sign out").x +
                            ImGui::GetStyle().FramePadding.x * 2 + spacing * 2;
        // The model line gives up its "(property, task)" part, then its objective, before it
        // would run into the signed-in user on a narrow window; the tooltip keeps all of it.
        const float room = right - width - ImGui::GetCursorPosX() - spacing;
        if (m != nullptr) {
            const std::string brief =
                "Model: " + m->name + " v" + std::to_string(static_cast<long long>(m->version));
            const std::string objective = objective_label(*m);
            const std::string with_goal = objective.empty() ? brief : brief + " - " + objective;
            const std::string full = with_goal + " (" + m->property + ", " + m->task + ")";
            const std::string& shown = ImGui::CalcTextSize(full.c_str()).x <= room ? full
                                       : ImGui::CalcTextSize(with_goal.c_str()).x <= room
                                           ? with_goal
                                           : brief;
            ImGui::TextUnformatted(shown.c_str());
            header_model_text_ = shown;
            if (ImGui::IsItemHovered()) {
                ImGui::SetTooltip("%s\nObjective: %s\n%lld training / %lld validation compounds",
                                  full.c_str(), objective.empty() ? "none" : objective.c_str(),
                                  static_cast<long long>(m->n_train),
                                  static_cast<long long>(m->n_validation));
            }
        } else {
            ImGui::TextDisabled("No active model");
            header_model_text_.clear();
        }
        widgets_.record_last_item("active_model");
        const float model_end = ImGui::GetItemRectMax().x - ImGui::GetWindowPos().x + spacing * 2;
        ImGui::SameLine(std::max(model_end, right - width));
        ImGui::TextUnformatted(who.c_str());
        widgets_.record_last_item("signed_in_user");
        ImGui::SameLine();
        if (ImGui::SmallButton("Sign out")) {
            sign_out();
        }
        widgets_.record_last_item("sign_out");
    }
    // Always a line, empty or not, so the tabs below do not jump when the server goes away
    // or comes back.
    ImGui::TextColored(ImVec4(0.9F, 0.6F, 0.3F, 1), "%s", server_.message.c_str());
    widgets_.record_last_item("server_message");
}

void App::draw_notices() {
    notices_.erase(std::remove_if(notices_.begin(), notices_.end(),
                                  [&](const Notice& n) {
                                      return !n.error && now_ - n.shown_at > kNoticeSeconds;
                                  }),
                   notices_.end());
    if (notices_.empty()) {
        return;
    }
    // A toast in the bottom-right corner, over the page: notices come and go every few
    // seconds, and drawn inline they moved the tabs and buttons under the user's pointer (a
    // click aimed at a tab as a notice expired landed 20 px off).
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    const float margin = ImGui::GetFontSize();
    ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + viewport->WorkSize.x - margin,
                                   viewport->WorkPos.y + viewport->WorkSize.y - margin),
                            ImGuiCond_Always, ImVec2(1.0F, 1.0F));
    ImGui::SetNextWindowBgAlpha(0.92F);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                   ImGuiWindowFlags_NoSavedSettings |
                                   ImGuiWindowFlags_AlwaysAutoResize |
                                   ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav;
    if (!ImGui::Begin("##notices", nullptr, flags)) {
        ImGui::End();
        return;
    }
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
    for (std::size_t i = 0; i < notices_.size(); ++i) {
        const Notice& n = notices_[i];
        ImGui::PushID(static_cast<int>(i));
        ImGui::PushStyleColor(ImGuiCol_Text, n.error ? ImVec4(0.95F, 0.45F, 0.35F, 1)
                                                     : ImVec4(0.45F, 0.85F, 0.5F, 1));
        ImGui::TextUnformatted(n.text.c_str());
        ImGui::PopStyleColor();
        widgets_.record_last_item("notice_" + std::to_string(i));
        if (n.error) {
            ImGui::SameLine();
            if (ImGui::SmallButton("Dismiss")) {
                notices_.erase(notices_.begin() + static_cast<std::ptrdiff_t>(i));
                ImGui::PopID();
                break;
            }
        }
        ImGui::PopID();
    }
    ImGui::PopTextWrapPos();
    ImGui::End();
}

void App::draw_sign_in() {
    ImGui::Spacing();
    ImGui::TextWrapped("Sign in with the access token your LabelLoop administrator gave you "
                       "(admins create one with `labelloop user add`).");
    ImGui::Spacing();
    ImGui::TextUnformatted("Token");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 28);
    const bool enter =
        ImGui::InputText("##token", token_input_, sizeof token_input_,
                         ImGuiInputTextFlags_Password | ImGuiInputTextFlags_EnterReturnsTrue);
    widgets_.record_last_item("token_input");
    ImGui::SameLine();
    ImGui::BeginDisabled(signing_in_ || token_input_[0] == '\0');
    const bool clicked = ImGui::Button(signing_in_ ? "Signing in..." : "Sign in");
    widgets_.record_last_item("sign_in_button");
    ImGui::EndDisabled();
    if ((enter || clicked) && token_input_[0] != '\0' && !signing_in_) {
        sign_in(token_input_, true);
    }
    if (!sign_in_error_.empty()) {
        ImGui::TextColored(ImVec4(0.95F, 0.45F, 0.35F, 1), "%s", sign_in_error_.c_str());
        widgets_.record_last_item("sign_in_error");
    }
}

void App::set_uploaded_smiles(const std::string& text) {
    if (expecting_simulation_) { // Cycle History asked for the file
        expecting_simulation_ = false;
        import_simulation(text);
        return;
    }
    if (text.size() >= sizeof pasted_smiles_) {
        notify("The file is too large for the SMILES box (" +
                   std::to_string(sizeof pasted_smiles_ - 1) + " bytes at most): split it.",
               true);
        return;
    }
    std::copy(text.begin(), text.end(), pasted_smiles_);
    pasted_smiles_[text.size()] = '\0';
    pool_kind_ = 1;
    notify("Loaded the file's SMILES into the pool box.", false);
}

void App::load_queue_for_test(std::vector<QueueItem> items, User me, ModelInfo model) {
    signed_in_ = true;
    me_ = std::move(me);
    active_model_id_ = model.id;
    models_ = {std::move(model)};
    queue_ = std::move(items);
    for (const auto& q : queue_) {
        snapshot_[q.id] = q;
    }
    queue_total_ = static_cast<std::int64_t>(queue_.size());
    selected_.assign(queue_.size(), false);
    selection_changed_ = true;
    visible_dirty_ = true;
    status_filter_ = 0;
}

nlohmann::json App::state() const {
    nlohmann::json queue_rows = nlohmann::json::array();
    for (std::size_t r = 0; r < visible_.size() && r < 50 && !visible_dirty_; ++r) {
        const auto& q = queue_[visible_[r]];
        queue_rows.push_back(
            {{"id", q.id},
             {"smiles", q.smiles},
             {"status", q.status},
             {"local_change", q.local_change},
             {"assigned_to", q.assigned_to_name},
             {"priority", q.priority_score},
             {"selected", visible_[r] < selected_.size() && selected_[visible_[r]]}});
    }
    std::size_t open = 0;
    for (const auto& q : queue_) {
        open += q.is_open() ? 1 : 0;
    }
    nlohmann::json current = nullptr;
    if (current_ >= 0 && static_cast<std::size_t>(current_) < queue_.size()) {
        const auto& q = queue_[static_cast<std::size_t>(current_)];
        current = {
            {"id", q.id},
            {"smiles", q.smiles},
            {"status", q.status},
            {"prediction", q.prediction ? nlohmann::json(*q.prediction) : nlohmann::json()},
            {"uncertainty", q.uncertainty ? nlohmann::json(*q.uncertainty) : nlohmann::json()},
            {"similar", similar_.size()},
            {"prediction_error", prediction_error_},
            {"model_error", model_error_},
            {"browser_prediction",
             browser_prediction_
                 ? nlohmann::json({{"mean", browser_prediction_->mean},
                                   {"std", browser_prediction_->std},
                                   {"members", browser_prediction_->members.size()}})
                 : nlohmann::json()},
            {"form",
             {{"label", label_text_},
              {"class", label_class_},
              {"source", label_source_},
              {"confidence", label_confidence_},
              {"notes", notes_},
              {"error", form_error_}}}};
    }
    nlohmann::json notices = nlohmann::json::array();
    for (const auto& n : notices_) {
        notices.push_back({{"text", n.text}, {"error", n.error}});
    }
    nlohmann::json cycles = nlohmann::json::array();
    for (const auto& c : cycles_) {
        cycles.push_back({{"id", c.id},
                          {"number", c.cycle_number},
                          {"status", c.status},
                          {"metrics_before", c.metrics_before},
                          {"metrics_after", c.metrics_after},
                          {"items_selected", c.items_selected},
                          {"items_labeled", c.items_labeled},
                          {"hits_found", optional_json(c.hits_found)},
                          {"hits_found_total", optional_json(c.hits_found_total)},
                          {"expected_hits_remaining", optional_json(c.expected_hits_remaining)}});
    }
    nlohmann::json strategies = nlohmann::json::array();
    for (const auto& [s, allowed] : strategy_options_drawn_) {
        strategies.push_back({{"name", to_string(s)}, {"enabled", allowed}});
    }
    nlohmann::json preview = nlohmann::json::array();
    for (const auto& p : preview_) {
        preview.push_back({{"smiles", p.smiles},
                           {"compound_id", p.compound_id},
                           {"priority", p.score.priority_score},
                           {"prediction", p.score.prediction},
                           {"uncertainty", p.score.uncertainty}});
    }
    const ModelInfo* m = active_model();
    return {
        {"ready", rdkit_ready() && frame_count_ > 1},
        {"frame", frame_count_},
        {"tab", tab_name(tab_)},
        {"app_version", kProductVersion},
        {"server",
         {{"state", connection_label(server_.state)},
          {"version", server_.version},
          {"schema_version", server_.schema_version},
          {"sync_protocol_version", server_.sync_protocol_version},
          {"message", server_.message}}},
        {"signed_in", signed_in_},
        {"user", signed_in_
                     ? nlohmann::json({{"id", me_.id}, {"name", me_.name}, {"role", me_.role}})
                     : nlohmann::json()},
        {"sign_in_error", sign_in_error_},
        {"token_typed", std::string(token_input_).size()}, // length only: never the secret
        {"requests_in_flight", api_.in_flight()},
        {"model", m != nullptr ? nlohmann::json({{"id", m->id},
                                                 {"version", m->version},
                                                 {"name", m->name},
                                                 {"task", m->task},
                                                 {"objective", objective_json(m->objective)},
                                                 {"objective_text", objective_label(*m)}})
                               : nlohmann::json()},
        {"model_objective", to_string(active_objective().kind)},
        {"header_model", header_model_text_},
        {"model_loaded", model_ != nullptr},
        {"queue",
         {{"loaded", queue_.size()},
          {"total", queue_total_},
          {"open", open},
          {"visible", visible_.size()},
          {"rows", queue_rows},
          {"loading", sync_in_flight_ && syncs_done_ == 0}}},
        {"sync", signed_in_ ? sync_state() : nlohmann::json()},
        {"current", current},
        {"saving", saving_},
        {"notices", notices},
        {"cycles", cycles},
        {"job", job_id_.empty() ? nlohmann::json()
                                : nlohmann::json({{"id", job_id_},
                                                  {"status", job_.status},
                                                  {"progress", job_.progress},
                                                  {"error", job_.error}})},
        {"versions", versions_.size()},
        {"simulation", simulation_state()},
        {"pool_kind", pool_kind_},
        {"selection",
         {{"strategy", to_string(strategy_)},
          {"beta", beta_},
          {"strategies", strategies}}}, // as the combo last listed them
        {"new_model",
         {{"submitting", new_model_.submitting},
          {"error", new_model_.error},
          {"name", new_model_.name},
          {"property", new_model_.property},
          {"dataset", new_model_.dataset},
          {"use_hit_threshold", new_model_.use_hit_threshold},
          {"hit_threshold", new_model_.hit_threshold},
          {"family", new_model_.family}, // 0 boosted trees, 1 random trees, 2 mpnn
          {"members", new_model_.members},
          {"mpnn",
           {{"depth", new_model_.mpnn_depth},
            {"hidden", new_model_.mpnn_hidden},
            {"epochs", new_model_.mpnn_epochs}}},
          {"sent", new_model_.sent}}},
        {"pasted_bytes", std::strlen(pasted_smiles_)},
        {"preview",
         {{"rows", preview},
          {"running", preview_running_},
          {"scored", preview_job_ ? preview_job_->scored() : std::size_t{0}},
          {"scoring", preview_job_ ? preview_job_->size() : std::size_t{0}},
          {"runs", preview_runs_},
          {"error", preview_error_},
          {"pool", preview_pool_size_},
          {"batch_asked", preview_batch_asked_},
          {"ms", preview_ms_},
          {"max_frame_ms", preview_max_frame_ms_}}},
        {"depictions",
         {{"cached", depictions_.size()},
          {"drawn", depictions_.draws()},
          {"evicted", depictions_.evictions()}}},
        {"smiles", std::string(smiles_buffer_)},
        {"molecule",
         {{"drawn", molecule_drawn_},
          {"smiles", drawn_smiles_},
          {"error", molecule_error_},
          {"pixels", static_cast<int>(320 * dpr_)},
          {"descriptors", descriptors_}}},
        {"widgets", widgets_.to_json()},
    };
}

} // namespace labelloop::app
