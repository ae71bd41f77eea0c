// Offline labeling and sync: labels and skips go into an op log kept in the browser's
// offline store, the queue is a snapshot kept up to date by POST /api/v1/sync (push the op
// log, pull changes since a cursor), and conflicts come back for everyone involved to see.
// The merge rules are the core's (labelloop/sync.hpp), the same code the server runs.
#include "app.hpp"

#include "labelloop/version.hpp"
#include "platform/storage.hpp"

#include <imgui.h>

#include <algorithm>
#include <ctime>
#include <random>

namespace labelloop::app {
namespace {

constexpr std::size_t kOpsPerSync = 200;
constexpr double kSyncEverySeconds = 15.0;   // pull others' changes while idle
constexpr double kRetryOfflineSeconds = 4.0; // try again while changes wait
constexpr double kSnapshotSaveSeconds = 2.0; // batch snapshot writes

std::string iso_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

} // namespace

std::string App::new_op_id() {
    static std::mt19937_64 rng{std::random_device{}()};
    const std::uint64_t a = rng(), b = rng();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0x0fff),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
}

void App::load_offline_state() {
    oplog_ = sync::OpLog{};
    snapshot_.clear();
    snapshot_raw_.clear();
    cursor_ = 0;
    if (const auto log = kv_get("oplog:" + me_.id)) {
        try {
            oplog_ = sync::OpLog::from_json(json::parse(*log));
        } catch (const std::exception& e) {
            // Never drop it silently: keep the unreadable log aside and say so.
            kv_put("oplog-unreadable:" + me_.id, *log);
            notify(std::string("Changes saved in this browser could not be read: ") + e.what(),
                   true);
        }
    }
    if (const auto snap = kv_get("snapshot:" + me_.id)) {
        const auto j = json::parse(*snap, nullptr, false);
        if (j.is_object() && j.value("format", 0) == 1) {
            cursor_ = j.value("cursor", static_cast<std::int64_t>(0));
            for (const auto& item : j.value("items", json::array())) {
                const std::string id = item.value("id", "");
                snapshot_raw_[id] = item;
                snapshot_[id] = parse_queue_item(item);
            }
        }
    }
    rebuild_queue_from_snapshot();
}

void App::save_oplog() {
    kv_put("oplog:" + me_.id, oplog_.to_json().dump());
}

void App::save_snapshot_if_due(bool force) {
    if (!snapshot_dirty_ || (!force && now_ < next_snapshot_save_)) {
        return;
    }
    json items = json::array();
    for (const auto& [id, raw] : snapshot_raw_) {
        items.push_back(raw);
    }
    kv_put("snapshot:" + me_.id, json{{"format", 1}, {"cursor", cursor_}, {"items", items}}.dump());
    snapshot_dirty_ = false;
    next_snapshot_save_ = now_ + kSnapshotSaveSeconds;
}

void App::overlay_local(QueueItem& q) const {
    const sync::Op* op = oplog_.find_for_item(q.id);
    if (op == nullptr) {
        return;
    }
    q.local_change = true;
    if (op->kind == sync::OpKind::Label) {
        q.status = "labeled";
        q.label = op->label;
        q.label_source = op->source;
        q.label_confidence = op->confidence;
        q.labeled_by = me_.id;
        q.labeled_by_name = me_.name;
        q.labeled_at = op->created_at;
    } else if (q.is_open()) {
        q.status = "skipped";
    }
    if (op->notes) {
        q.notes = *op->notes;
    }
}

void App::rebuild_queue_from_snapshot() {
    const ModelInfo* m = active_model();
    const std::string current_id =
        current_ >= 0 && static_cast<std::size_t>(current_) < queue_.size()
            ? queue_[static_cast<std::size_t>(current_)].id
            : "";
    std::vector<std::string> selected_ids;
    for (std::size_t i = 0; i < queue_.size() && i < selected_.size(); ++i) {
        if (selected_[i]) {
            selected_ids.push_back(queue_[i].id);
        }
    }
    queue_.clear();
    if (m != nullptr) {
        for (const auto& [id, item] : snapshot_) {
            if (item.model_id == m->id) {
                queue_.push_back(item);
                overlay_local(queue_.back());
            }
        }
    }
    std::sort(queue_.begin(), queue_.end(), [](const QueueItem& a, const QueueItem& b) {
        return a.priority_score != b.priority_score ? a.priority_score > b.priority_score
                                                    : a.id < b.id;
    });
    queue_total_ = static_cast<std::int64_t>(queue_.size());
    selected_.assign(queue_.size(), false);
    current_ = -1;
    for (std::size_t i = 0; i < queue_.size(); ++i) {
        if (queue_[i].id == current_id) {
            current_ = static_cast<int>(i);
        }
        if (std::find(selected_ids.begin(), selected_ids.end(), queue_[i].id) !=
            selected_ids.end()) {
            selected_[i] = true;
        }
    }
    selection_changed_ = true;
    rebuild_visible_rows(); // visible_ indexes queue_: never let it go stale
}

void App::request_sync() {
    if (!signed_in_) {
        return;
    }
    if (sync_in_flight_) {
        sync_again_ = true;
        return;
    }
    sync_in_flight_ = true;
    sync_again_ = false;
    json ops = json::array();
    for (const auto& op : oplog_.batch(kOpsPerSync)) {
        ops.push_back(sync::to_json(op));
    }
    const json body = {{"protocol", kSyncProtocolVersion}, {"cursor", cursor_}, {"ops", ops}};
    last_sync_body_ = body;
    api_.post(
        "/api/v1/sync", body, [this](const json& answer) { apply_sync_answer(answer); },
        [this](int status, const std::string& message) {
            sync_in_flight_ = false;
            sync_error_ = status == 0 ? "offline" : message;
            next_sync_ = now_ + kRetryOfflineSeconds;
            if (status != 0 && status != last_sync_status_) {
                notify("Sync failed: " + message, true);
            }
            last_sync_status_ = status;
        });
}

void App::apply_sync_answer(const json& answer) {
    sync_in_flight_ = false;
    sync_error_.clear();
    last_sync_status_ = 200;
    std::vector<sync::OpResult> results;
    for (const auto& r : answer.value("results", json::array())) {
        try {
            results.push_back(sync::parse_op_result(r));
        } catch (const std::exception&) {
            // An answer we cannot read keeps the op: it is sent again, harmlessly.
        }
    }
    for (const auto& r : results) {
        const sync::Op* op = nullptr;
        for (const auto& o : oplog_.ops()) {
            if (o.op_id == r.op_id) {
                op = &o;
            }
        }
        const auto it = op != nullptr ? snapshot_.find(op->item_id) : snapshot_.end();
        const std::string what =
            it == snapshot_.end()
                ? std::string("an item")
                : (it->second.compound_name.empty() ? it->second.smiles : it->second.compound_name);
        if (r.outcome == sync::Outcome::Conflict && !r.duplicate) {
            notify("Label for " + what + " is a conflict: " + r.message, true);
        } else if (r.outcome == sync::Outcome::Rejected) {
            notify("Change to " + what + " was refused: " + r.message, true);
        }
    }
    const std::size_t acknowledged = oplog_.acknowledge(results);
    if (acknowledged > 0) {
        save_oplog();
    }
    for (const auto& j : answer.value("changes", json::array())) {
        const std::string id = j.value("id", "");
        snapshot_raw_[id] = j;
        snapshot_[id] = parse_queue_item(j);
        snapshot_dirty_ = true;
    }
    cursor_ = answer.value("cursor", cursor_);
    conflicts_ = answer.value("conflicts", json::array());
    ++syncs_done_;
    last_sync_at_ = now_;
    rebuild_queue_from_snapshot();
    save_snapshot_if_due(!oplog_.empty() || answer.value("more", false));
    const bool more = answer.value("more", false) || (acknowledged > 0 && !oplog_.empty());
    next_sync_ = now_ + (oplog_.empty() ? kSyncEverySeconds : kRetryOfflineSeconds);
    if (more || sync_again_) {
        request_sync();
    }
}

void App::poll_sync() {
    if (!signed_in_) {
        return;
    }
    const bool online = browser_online();
    if (online && !browser_was_online_) {
        next_sync_ = now_; // the network is back: send what waits at once
        next_health_poll_ = now_;
    }
    browser_was_online_ = online;
    if (!sync_in_flight_ && now_ >= next_sync_) {
        next_sync_ = now_ + kRetryOfflineSeconds;
        request_sync();
    }
    save_snapshot_if_due(false);
}

void App::record_local_op(const sync::Op& op, const std::string& what) {
    sync::Op stamped = op;
    if (stamped.created_at.empty()) {
        stamped.created_at = iso_now();
    }
    oplog_.add(stamped); // throws SyncError (caller shows it)
    save_oplog();
    for (auto& q : queue_) {
        if (q.id == op.item_id) {
            overlay_local(q);
            visible_dirty_ = true;
        }
    }
    const bool online = server_.state == ConnectionState::Online && sync_error_.empty();
    notify(online ? what : what + " (saved in this browser; it syncs when the network returns)",
           false);
    request_sync();
}

void App::resolve_conflict(const std::string& id, const std::string& resolution) {
    api_.post(
        "/api/v1/sync/conflicts/" + id + "/resolve", json{{"resolution", resolution}},
        [this](const json&) {
            notify("Conflict resolved.", false);
            request_sync();
        },
        [this](int, const std::string& message) {
            notify("Could not resolve the conflict: " + message, true);
        });
}

void App::draw_conflicts() {
    if (conflicts_.empty()) {
        return;
    }
    ImGui::TextColored(ImVec4(0.95F, 0.7F, 0.3F, 1), "%zu label conflict%s to resolve",
                       conflicts_.size(), conflicts_.size() == 1 ? "" : "s");
    widgets_.record_last_item("conflicts_summary");
    const ImGuiTableFlags flags =
        ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
    const int columns = me_.is_admin() ? 5 : 4;
    if (!ImGui::BeginTable("conflicts", columns, flags)) {
        return;
    }
    ImGui::TableSetupColumn("Compound");
    ImGui::TableSetupColumn("Stored label");
    ImGui::TableSetupColumn("Conflicting label");
    ImGui::TableSetupColumn("Why");
    if (me_.is_admin()) {
        ImGui::TableSetupColumn("Resolve", ImGuiTableColumnFlags_WidthFixed,
                                ImGui::GetFontSize() * 16);
    }
    ImGui::TableHeadersRow();
    for (std::size_t i = 0; i < conflicts_.size(); ++i) {
        const json& k = conflicts_[i];
        const std::string item_id = k.value("item_id", "");
        const auto it = snapshot_.find(item_id);
        ImGui::PushID(static_cast<int>(i));
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(it == snapshot_.end() ? item_id.c_str()
                               : it->second.compound_name.empty()
                                   ? it->second.smiles.c_str()
                                   : it->second.compound_name.c_str());
        ImGui::TableNextColumn();
        if (it != snapshot_.end() && it->second.label) {
            ImGui::Text("%.3f by %s", *it->second.label, it->second.labeled_by_name.c_str());
        } else {
            ImGui::TextDisabled("-");
        }
        ImGui::TableNextColumn();
        ImGui::Text("%.3f by %s", k.value("label", 0.0),
                    k["user_name"].is_string() ? k["user_name"].get<std::string>().c_str() : "?");
        widgets_.record_last_item("conflict_" + std::to_string(i));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k.value("reason", "").c_str());
        if (me_.is_admin()) {
            ImGui::TableNextColumn();
            const std::string id = k.value("id", "");
            if (ImGui::SmallButton("Keep stored")) {
                resolve_conflict(id, "accept_existing");
            }
            widgets_.record_last_item("conflict_keep_" + std::to_string(i));
            ImGui::SameLine();
            if (ImGui::SmallButton("Use this")) {
                resolve_conflict(id, "accept_incoming");
            }
            widgets_.record_last_item("conflict_use_" + std::to_string(i));
            ImGui::SameLine();
            if (ImGui::SmallButton("Keep both")) {
                resolve_conflict(id, "keep_both");
            }
            widgets_.record_last_item("conflict_both_" + std::to_string(i));
        }
        ImGui::PopID();
    }
    ImGui::EndTable();
    ImGui::Spacing();
}

void App::prefetch_pool(const std::string& model_id, std::int64_t offset) {
    constexpr std::int64_t kPage = 5000;     // the page size previews ask for
    constexpr std::int64_t kMaxPool = 20000; // beyond this, previews need the network
    if (offset == 0) {
        if (pool_prefetched_for_ == model_id || server_.state == ConnectionState::Offline) {
            return;
        }
        pool_prefetched_for_ = model_id;
        pool_prefetched_ = 0;
    }
    api_.get(
        "/api/v1/compounds?unlabeled_for_model=" + model_id + "&limit=" + std::to_string(kPage) +
            "&offset=" + std::to_string(offset),
        [this, model_id, offset](const json& body) {
            const auto n = static_cast<std::int64_t>(body.value("compounds", json::array()).size());
            pool_prefetched_ = offset + n;
            if (n > 0 && pool_prefetched_ < body.value("total", pool_prefetched_) &&
                pool_prefetched_ < kMaxPool) {
                prefetch_pool(model_id, pool_prefetched_);
            }
        },
        [this](int, const std::string&) { pool_prefetched_for_.clear(); });
}

json App::sync_state() const {
    return {{"pending", oplog_.size()},
            {"pending_ops", oplog_.to_json()["ops"]},
            {"in_flight", sync_in_flight_},
            {"error", sync_error_},
            {"cursor", cursor_},
            {"syncs", syncs_done_},
            {"last_body", last_sync_body_},
            {"unsaved_writes", kv_unsaved()},
            {"snapshot_dirty", snapshot_dirty_},
            {"pool_prefetched", pool_prefetched_},
            {"browser_online", browser_online()},
            {"served_from_cache", api_.served_from_cache()},
            {"conflicts", conflicts_}};
}

} // namespace labelloop::app
