// Loading data from the server and sending the scientist's actions; every call is
// asynchronous and its answer lands on the frame loop.
#include "app.hpp"

#include "labelloop/base64.hpp"
#include "labelloop/model_format.hpp"
#include "labelloop/mol_graph.hpp"
#include "platform/rdkit_bridge.hpp"
#include "platform/storage.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace labelloop::app {
namespace {

constexpr const char* kTokenKey = "labelloop.token";
constexpr const char* kSources[] = {"experimental", "literature", "expert_estimate"};
constexpr const char* kConfidences[] = {"high", "medium", "low"};

} // namespace

void App::sign_in(const std::string& token, bool remember) {
    signing_in_ = true;
    sign_in_error_.clear();
    api_.set_token(token);
    // Answers are cached per token, so this browser can open offline what it saw online.
    api_.set_cache_namespace(std::to_string(std::hash<std::string>{}(token)));
    api_.get(
        "/api/v1/me",
        [this, token, remember](const json& me) {
            signing_in_ = false;
            me_ = parse_user(me);
            signed_in_ = true;
            load_offline_state();
            next_sync_ = now_;
            token_input_[0] = '\0';
            if (remember) {
                storage_set(kTokenKey, token);
            }
            requested_tab_ = Tab::Queue;
            refresh_models();
            if (me_.is_admin()) {
                refresh_users();
            }
        },
        [this](int status, const std::string& message) {
            signing_in_ = false;
            api_.set_token("");
            api_.set_cache_namespace("");
            sign_in_error_ = status == 401 ? "This token is not valid (it may have been revoked)."
                                           : "Could not sign in: " + message;
            if (status == 401) {
                storage_remove(kTokenKey);
            }
        });
}

void App::sign_out() {
    save_snapshot_if_due(true);
    storage_remove(kTokenKey);
    api_.set_token("");
    api_.set_cache_namespace("");
    signed_in_ = false;
    me_ = User{};
    queue_.clear();
    snapshot_.clear();
    snapshot_raw_.clear();
    oplog_ = sync::OpLog{};
    conflicts_ = json::array();
    cursor_ = 0;
    selected_.clear();
    selection_changed_ = true;
    visible_.clear();
    models_.clear();
    cycles_.clear();
    current_ = -1;
    cancel_preview("");
    model_.reset();
    model_objective_ = Objective{};
    model_loaded_id_.clear();
}

const ModelInfo* App::active_model() const {
    for (const auto& m : models_) {
        if (m.id == active_model_id_) {
            return &m;
        }
    }
    return nullptr;
}

Objective App::active_objective() const {
    if (model_ && !model_loaded_id_.empty() && model_loaded_id_ == active_model_id_) {
        return model_objective_;
    }
    const ModelInfo* m = active_model();
    return m != nullptr ? m->objective : Objective{};
}

void App::refresh_models() {
    api_.get(
        "/api/v1/models",
        [this](const json& body) {
            models_.clear();
            for (const auto& m : body.value("models", json::array())) {
                models_.push_back(parse_model(m));
            }
            // Keep the chosen lineage; follow it to its active version after a retrain.
            std::string lineage;
            if (const ModelInfo* current = active_model()) {
                lineage = current->lineage_id;
            }
            std::string chosen;
            for (const auto& m : models_) {
                if (m.status == "active" && (lineage.empty() || m.lineage_id == lineage)) {
                    chosen = m.id;
                    break;
                }
            }
            if (chosen.empty() && !models_.empty()) {
                chosen = models_.front().id;
            }
            active_model_id_ = chosen;
            refresh_queue();
            refresh_cycles();
        },
        [this](int, const std::string& message) {
            notify("Models could not be loaded: " + message, true);
        });
}

void App::refresh_queue() {
    // The queue is the synced snapshot: show it at once, then pull what changed.
    rebuild_queue_from_snapshot();
    request_sync();
}

void App::refresh_users() {
    api_.get(
        "/api/v1/users",
        [this](const json& body) {
            users_.clear();
            for (const auto& u : body.value("users", json::array())) {
                users_.push_back(parse_user(u));
            }
        },
        [](int, const std::string&) {});
}

void App::refresh_cycles() {
    const ModelInfo* m = active_model();
    if (m == nullptr) {
        return;
    }
    api_.get(
        "/api/v1/active-learning/cycles?model_id=" + ApiClient::encode(m->id),
        [this](const json& body) {
            cycles_.clear();
            for (const auto& c : body.value("cycles", json::array())) {
                cycles_.push_back(parse_cycle(c));
            }
        },
        [this](int, const std::string& message) {
            notify("Cycles could not be loaded: " + message, true);
        });
    api_.get(
        "/api/v1/models/" + m->id + "/versions",
        [this](const json& body) {
            versions_.clear();
            for (const auto& v : body.value("versions", body.value("models", json::array()))) {
                versions_.push_back(parse_model(v));
            }
            std::sort(versions_.begin(), versions_.end(),
                      [](const ModelInfo& a, const ModelInfo& b) { return a.version < b.version; });
        },
        [](int, const std::string&) {});
}

void App::refresh_training_set() {
    const ModelInfo* m = active_model();
    if (m == nullptr || training_for_model_ == m->id) {
        return;
    }
    training_for_model_ = m->id;
    api_.get(
        "/api/v1/models/" + m->id + "/training-set",
        [this](const json& body) {
            training_.clear();
            training_fps_.clear();
            for (const auto& c : body.value("compounds", json::array())) {
                if (c.value("set", "train") == "validation") {
                    continue; // the held-out set stays out of sight while labeling
                }
                TrainingCompound t;
                t.compound_id = c.value("compound_id", "");
                t.smiles = c.value("smiles", "");
                t.name = c["name"].is_string() ? c["name"].get<std::string>() : "";
                t.label = c.value("label", 0.0);
                try {
                    t.features = base64_decode(c.value("features", ""));
                    training_fps_.push_back(decode_features(t.features).fingerprint);
                    training_.push_back(std::move(t));
                } catch (const std::exception&) {
                    // A compound whose features cannot be read is left out of the search.
                }
            }
            training_index_ = FingerprintIndex(training_fps_);
            similar_for_.clear();
        },
        [this](int, const std::string& message) {
            training_for_model_.clear();
            notify("The training set (similar compounds, the best label for EI / PI) could not be "
                   "loaded: " +
                       message,
                   true);
        });
}

void App::ensure_model_artifact() {
    const ModelInfo* m = active_model();
    if (m == nullptr || model_loaded_id_ == m->id || artifact_loading_) {
        return;
    }
    artifact_loading_ = true;
    const std::string id = m->id;
    api_.get_bytes(
        "/api/v1/models/" + id + "/artifact",
        [this, id](const std::string& bytes) {
            artifact_loading_ = false;
            model_loaded_id_ = id;
            prefetch_pool(id, 0);
            cancel_preview("The model changed while the preview was scoring; run it again.");
            try {
                // The file carries the objective too: the preview ranks toward the same goal
                // as the server's selection.
                ModelFile file = load_model_file(
                    reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
                model_ = std::make_unique<BootstrapEnsemble>(std::move(file.model));
                model_objective_ = file.objective;
                model_error_.clear();
            } catch (const std::exception& e) {
                model_.reset();
                model_objective_ = Objective{};
                model_error_ =
                    std::string("The model could not be loaded in the browser: ") + e.what();
            }
            browser_prediction_for_.clear();
        },
        [this](int, const std::string& message) {
            artifact_loading_ = false;
            model_error_ = "The model could not be downloaded: " + message;
        });
}

std::optional<Features> App::browser_features(const std::string& smiles, std::string& error) const {
    std::vector<unsigned char> bits;
    std::string descriptors_json;
    if (!molecule_fingerprint_and_descriptors(smiles, bits, descriptors_json)) {
        error = rdkit_ready() ? "'" + smiles + "' is not a valid SMILES" : "RDKit is still loading";
        return std::nullopt;
    }
    const auto parsed = json::parse(descriptors_json, nullptr, false);
    std::map<std::string, double> by_name;
    if (parsed.is_object()) {
        for (const auto& [key, value] : parsed.items()) {
            by_name[key] = value.is_number() ? value.get<double>() : std::nan("");
        }
    }
    try {
        const FeatureLayout layout = model_ ? model_->layout() : FeatureLayout::model_default();
        Features features = make_features(Fingerprint::from_packed_bytes(bits.data(), bits.size()),
                                          by_name, layout);
        // A message-passing model also reads the molecule graph, from MinimalLib's JSON of the
        // molecule (the server builds the same graph from RDKit C++; tests/server parity test).
        if (model_ && model_->params().member_type == MemberType::Mpnn) {
            features.graph =
                std::make_shared<const MolGraph>(mol_graph_from_rdkit_json(molecule_json(smiles)));
        }
        return features;
    } catch (const std::exception& e) {
        error = e.what();
        return std::nullopt;
    }
}

void App::replace_item(const QueueItem& item) {
    if (auto it = snapshot_.find(item.id); it != snapshot_.end()) {
        it->second = item; // the next pull brings the stored form
    }
    for (auto& q : queue_) {
        if (q.id == item.id) {
            q = item;
            visible_dirty_ = true;
            return;
        }
    }
}

sync::Op App::item_op(sync::OpKind kind, const QueueItem& item) const {
    sync::Op op;
    op.op_id = new_op_id();
    op.kind = kind;
    op.item_id = item.id;
    op.base_version = item.version;
    op.user_id = me_.id;
    if (notes_[0] != '\0') {
        op.notes = std::string(notes_);
    }
    return op;
}

void App::submit_label(std::size_t index, bool advance) {
    if (index >= queue_.size() || saving_) {
        return;
    }
    const QueueItem& item = queue_[index];
    const ModelInfo* m = active_model();
    double label = 0.0;
    if (m != nullptr && m->is_classification()) {
        if (label_class_ != 0 && label_class_ != 1) {
            form_error_ = "Choose a class (0 or 1) before saving.";
            return;
        }
        label = label_class_;
    } else {
        char* end = nullptr;
        label = std::strtod(label_text_, &end);
        if (label_text_[0] == '\0' || end == label_text_ || *end != '\0' || !std::isfinite(label)) {
            form_error_ = label_text_[0] == '\0'
                              ? "Enter a measured value before saving."
                              : std::string("'") + label_text_ + "' is not a number.";
            return;
        }
    }
    sync::Op op = item_op(sync::OpKind::Label, item);
    op.label = label;
    op.source = kSources[label_source_];
    op.confidence = kConfidences[label_confidence_];
    try {
        record_local_op(op, "Saved label for " +
                                (item.compound_name.empty() ? item.smiles : item.compound_name));
    } catch (const std::exception& e) {
        form_error_ = e.what();
        return;
    }
    form_error_.clear();
    if (advance) {
        move_to_next_open(+1);
    }
}

void App::skip_item(std::size_t index, bool advance) {
    if (index >= queue_.size()) {
        return;
    }
    const sync::Op op = item_op(sync::OpKind::Skip, queue_[index]);
    try {
        record_local_op(op, "Skipped.");
    } catch (const std::exception& e) {
        notify(std::string("Could not skip: ") + e.what(), true);
        return;
    }
    if (advance) {
        move_to_next_open(+1);
    }
}

json App::selected_item_ids() const {
    json ids = json::array();
    for (std::size_t i = 0; i < queue_.size(); ++i) {
        if (selected_[i]) {
            ids.push_back(queue_[i].id);
        }
    }
    return ids;
}

void App::bulk_assign(const std::string& user_id) {
    const json ids = selected_item_ids();
    if (ids.empty()) {
        notify("Select rows first (Ctrl+click, Shift+click).", true);
        return;
    }
    api_.post(
        "/api/v1/active-learning/queue/bulk-assign", json{{"item_ids", ids}, {"user_id", user_id}},
        [this](const json& body) {
            for (const auto& j : body.value("items", json::array())) {
                replace_item(parse_queue_item(j));
            }
            std::fill(selected_.begin(), selected_.end(), false);
            selection_changed_ = true;
            notify("Assigned " + std::to_string(body.value("updated", 0)) + " items.", false);
        },
        [this](int, const std::string& message) { notify("Could not assign: " + message, true); });
}

void App::bulk_skip() {
    const json ids = selected_item_ids();
    if (ids.empty()) {
        notify("Select rows first (Ctrl+click, Shift+click).", true);
        return;
    }
    api_.post(
        "/api/v1/active-learning/queue/bulk-skip", json{{"item_ids", ids}},
        [this](const json& body) {
            for (const auto& j : body.value("items", json::array())) {
                replace_item(parse_queue_item(j));
            }
            std::fill(selected_.begin(), selected_.end(), false);
            selection_changed_ = true;
            notify("Skipped " + std::to_string(body.value("updated", 0)) + " items.", false);
        },
        [this](int, const std::string& message) { notify("Could not skip: " + message, true); });
}

void App::trigger_retrain(const std::string& cycle_id) {
    retrain_in_flight_ = true;
    api_.post(
        "/api/v1/active-learning/cycles/" + cycle_id + "/retrain", json::object(),
        [this](const json& body) {
            retrain_in_flight_ = false;
            job_id_ = body.value("job_id", "");
            job_ = Job{};
            job_.status = "queued";
            next_job_poll_ = now_;
        },
        [this](int, const std::string& message) {
            retrain_in_flight_ = false;
            notify("Retraining could not start: " + message, true);
        });
}

void App::poll_job() {
    if (job_id_.empty() || job_.finished() || now_ < next_job_poll_) {
        return;
    }
    next_job_poll_ = now_ + 1e9; // until this poll answers
    api_.get(
        "/api/v1/jobs/" + job_id_,
        [this](const json& body) {
            job_ = parse_job(body);
            next_job_poll_ = now_ + 0.4;
            if (job_.finished()) {
                if (job_.status == "failed") {
                    notify("Retraining failed: " + job_.error, true);
                } else {
                    notify("Retraining finished: a new model version is active.", false);
                }
                refresh_models();
            }
        },
        [this](int, const std::string& message) {
            next_job_poll_ = now_ + 2.0;
            notify("Job progress unavailable: " + message, true);
        });
}

} // namespace labelloop::app
