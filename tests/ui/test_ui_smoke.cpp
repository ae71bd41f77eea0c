// Headless UI smoke test: the real app frame function, natively, without a browser or a GPU.
// Every tab is rendered for many frames with a 10 000-item queue; the test checks that each
// tab draws, that the queue table only lays out the visible rows (list clipping), and
// prints the measured frame times (no timing thresholds here: see the closing notes).
#include "app.hpp"
#include "synthetic.hpp"
#include "ui/metric_changes.hpp"
#include "ui/property_table.hpp"

#include <catch2/catch.hpp>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

using namespace labelloop::app;

namespace {

struct HeadlessImGui {
    HeadlessImGui() {
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = ImVec2(1600, 1000);
        io.DeltaTime = 1.0F / 60.0F;
        unsigned char* pixels = nullptr;
        int w = 0, h = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h); // builds the font atlas
    }
    ~HeadlessImGui() { ImGui::DestroyContext(); }
    HeadlessImGui(const HeadlessImGui&) = delete;
    HeadlessImGui& operator=(const HeadlessImGui&) = delete;
};

std::vector<QueueItem> make_queue(std::size_t n) {
    const char* statuses[] = {"pending", "pending", "in_progress", "labeled", "skipped"};
    std::vector<QueueItem> items(n);
    for (std::size_t i = 0; i < n; ++i) {
        QueueItem& q = items[i];
        q.id = "item-" + std::to_string(i);
        q.compound_name = "compound " + std::to_string(i);
        q.smiles = "C" + std::string(1 + i % 7, 'C') + "O";
        q.prediction = -3.0 + static_cast<double>(i % 100) / 25.0;
        q.uncertainty = static_cast<double>((i * 37) % 100) / 100.0;
        q.applicability_distance = static_cast<double>((i * 11) % 100) / 100.0;
        q.in_domain = (i % 5) != 0;
        q.priority_score = static_cast<double>((i * 7919) % 10007) / 10007.0;
        q.status = statuses[i % 5];
        q.assigned_to_name = i % 3 == 0 ? "alice" : "";
    }
    return items;
}

// The model the queue belongs to, as the server would list it (version 1, active).
ModelInfo model_info(const char* id, const char* task = "regression", const char* name = "",
                     const char* property = "") {
    ModelInfo model;
    model.id = id;
    model.name = name;
    model.property = property;
    model.task = task;
    model.version = 1;
    model.status = "active";
    return model;
}

// A small regression ensemble for the preview tests (300 synthetic compounds, 20 members).
labelloop::BootstrapEnsemble preview_model() {
    const auto train = labelloop::testing::make_synthetic(300, 5);
    labelloop::EnsembleParams p;
    p.n_members = 20;
    p.boosting_rounds = 10;
    return labelloop::BootstrapEnsemble::fit(
        train.x, train.y, std::vector<double>(train.x.size(), 1.0), labelloop::Task::Regression,
        labelloop::FeatureLayout::model_default(), p);
}

double render_frames(App& app, int frames, double& now) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int f = 0; f < frames; ++f) {
        ImGui::NewFrame();
        app.frame(now, 1.0F);
        ImGui::Render();
        now += 1.0 / 60.0;
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
               .count() /
           frames;
}

// Clicks a widget the app recorded last frame with real ImGui mouse input (Dear ImGui 1.86's
// io.MousePos / io.MouseDown API): move, press, release.
void click(App& app, const std::string& widget, double& now) {
    const auto state = app.state();
    REQUIRE(state["widgets"].contains(widget));
    const auto& w = state["widgets"][widget];
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2(w["x"].get<float>() + w["w"].get<float>() / 2,
                         w["y"].get<float>() + w["h"].get<float>() / 2);
    render_frames(app, 1, now);
    io.MouseDown[0] = true;
    render_frames(app, 1, now);
    io.MouseDown[0] = false;
    render_frames(app, 2, now);
}

// An admin's app on the Sample Selection tab, the way the preview tests start.
void open_selection_tab(App& app, double& now) {
    app.load_queue_for_test(make_queue(10), User{"u1", "alice", "admin"}, model_info("m"));
    app.select_tab_for_test(Tab::Selection);
    render_frames(app, 3, now);
}

} // namespace

TEST_CASE("every tab renders many frames with a 10 000-item queue", "[ui][smoke]") {
    HeadlessImGui imgui;
    App app;
    app.load_queue_for_test(make_queue(10000), User{"u1", "alice", "admin"},
                            model_info("model-1", "regression", "ESOL logS", "logS"));
    double now = 0.0;

    struct TabCase {
        Tab tab;
        const char* name;
    };
    for (const TabCase& tc :
         {TabCase{Tab::Queue, "Label Queue"}, TabCase{Tab::Labeling, "Labeling"},
          TabCase{Tab::Cycles, "Cycle History"}, TabCase{Tab::Selection, "Sample Selection"},
          TabCase{Tab::Structure, "Structure"}}) {
        INFO("tab " << tc.name);
        app.select_tab_for_test(tc.tab);
        render_frames(app, 3, now); // settle: the tab switch lands on the next frame
        const double ms = render_frames(app, 200, now);
        const auto state = app.state();
        CHECK(state["tab"] == tc.name);
        CHECK(ImGui::GetDrawData()->TotalVtxCount > 100);
        std::printf("headless frame time, %-16s with a 10000-item queue: %.3f ms/frame\n", tc.name,
                    ms);
        if (tc.tab == Tab::Queue) {
            CHECK(state["queue"]["visible"] == 10000);
            const auto& widgets = state["widgets"];
            CHECK(widgets.contains("queue_row_0"));
            // Only a screenful of rows is laid out: row 19 would be below 1000 px at 56 px/row.
            CHECK_FALSE(widgets.contains("queue_row_19"));
            // Hovering a row shows its structure large, with the whole name and SMILES.
            CHECK_FALSE(widgets.contains("queue_row_tooltip"));
            const auto& row = widgets["queue_row_0"];
            ImGui::GetIO().MousePos = ImVec2(row["x"].get<float>() + row["w"].get<float>() / 2,
                                             row["y"].get<float>() + row["h"].get<float>() / 2);
            render_frames(app, 2, now);
            CHECK(app.state()["widgets"].contains("queue_row_tooltip"));
            ImGui::GetIO().MousePos = ImVec2(-1, -1);
        }
        if (tc.tab == Tab::Labeling) {
            CHECK(state["current"].is_object());
            CHECK(state["widgets"].contains("save_next_button"));
        }
    }
}

TEST_CASE("sorting and filtering 10 000 rows happen once per change, not per frame",
          "[ui][smoke]") {
    HeadlessImGui imgui;
    App app;
    app.load_queue_for_test(make_queue(10000), User{"u1", "alice", "scientist"}, model_info("m"));
    app.select_tab_for_test(Tab::Queue);
    double now = 0.0;
    render_frames(app, 3, now);
    const auto state = app.state();
    // Default sort: priority, highest first.
    const auto& rows = state["queue"]["rows"];
    REQUIRE(rows.size() >= 2);
    CHECK(rows[0]["priority"].get<double>() >= rows[1]["priority"].get<double>());
    // A scientist sees no bulk actions.
    CHECK(state["widgets"].contains("bulk_admin_only"));
    CHECK_FALSE(state["widgets"].contains("bulk_assign"));
}

TEST_CASE("a Sample Selection preview is scored over frames and equals select_batch",
          "[ui][preview]") {
    HeadlessImGui imgui;
    App app;
    double now = 0.0;
    open_selection_tab(app, now);
    auto model = preview_model();
    const auto pool = labelloop::testing::make_synthetic(20000, 6).x;
    labelloop::SelectionOptions options; // what the form shows by default
    options.strategy = labelloop::Strategy::Uncertainty;
    options.batch_size = 20;
    const auto expected = labelloop::select_batch(model, pool, options);

    app.preview_pool_for_test(std::move(model), pool);
    std::size_t last = 0;
    int frames = 0;
    bool progress_drawn = false;
    for (; frames < 100000; ++frames) {
        render_frames(app, 1, now);
        const auto state = app.state();
        if (!state["preview"]["running"].get<bool>()) {
            break;
        }
        // While scoring, the tab shows how far it got, and it only moves forward.
        const auto scored = state["preview"]["scored"].get<std::size_t>();
        CHECK(state["preview"]["scoring"] == pool.size());
        CHECK(scored >= last);
        last = scored;
        progress_drawn = progress_drawn || state["widgets"].contains("preview_progress");
    }
    std::printf("preview of a %zu-compound pool: %d frames\n", pool.size(), frames + 1);
    const auto state = app.state();
    CHECK(state["preview"]["error"] == "");
    CHECK(state["preview"]["pool"] == pool.size());
    const auto& rows = state["preview"]["rows"];
    REQUIRE(rows.size() == expected.selected.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CHECK(rows[i]["compound_id"] == "pool-" + std::to_string(expected.selected[i].index));
        CHECK(rows[i]["priority"].get<double>() == expected.selected[i].priority_score);
    }
    if (frames > 0) {
        CHECK(progress_drawn);
    }
}

TEST_CASE("Cancel stops a running preview and leaves no batch", "[ui][preview]") {
    HeadlessImGui imgui;
    App app;
    double now = 0.0;
    open_selection_tab(app, now);
    auto model = preview_model();
    // 60 000 compounds take dozens of frames at about 8 ms of scoring each (20 000 took about
    // 20 above); the click below needs four.
    app.preview_pool_for_test(std::move(model), labelloop::testing::make_synthetic(60000, 8).x);
    render_frames(app, 1, now);
    auto state = app.state();
    REQUIRE(state["preview"]["running"].get<bool>());
    click(app, "preview_cancel", now);
    state = app.state();
    CHECK_FALSE(state["preview"]["running"].get<bool>());
    CHECK(state["preview"]["error"] == "Preview cancelled.");
    CHECK(state["preview"]["rows"].empty());
    CHECK(state["preview"]["scoring"] == 0);
    CHECK_FALSE(state["widgets"].contains("preview_progress"));
}

TEST_CASE("Cycle History lists the curve's metric first and judges each change", "[ui][cycles]") {
    const nlohmann::json before = {{"validation",
                                    {{"interval_coverage_90", 0.933},
                                     {"mae", 0.521},
                                     {"n", 60},
                                     {"r2", 0.852},
                                     {"rmse", 0.672},
                                     {"note", "text is skipped"}}}};
    const nlohmann::json after = {{"validation",
                                   {{"interval_coverage_90", 0.88},
                                    {"mae", 0.558},
                                    {"n", 60},
                                    {"r2", 0.852},
                                    {"rmse", 0.651}}}};
    const auto changes = metric_changes(before, after, "rmse");
    REQUIRE(changes.size() == 5);
    CHECK(changes[0].name == "rmse");
    CHECK(changes[0].text == "rmse 0.672 -> 0.651");
    CHECK(changes[0].verdict == Verdict::Better);
    // 0.933 -> 0.880 moves the 90 % coverage from 0.033 to 0.020 away from 0.90: better,
    // though lower.
    CHECK(changes[1].name == "interval_coverage_90");
    CHECK(changes[1].verdict == Verdict::Better);
    CHECK(changes[2].name == "mae");
    CHECK(changes[2].verdict == Verdict::Worse);
    CHECK(changes[3].name == "r2");
    CHECK(changes[3].verdict == Verdict::Unchanged);
    // The validation set's size is shown once, as a count, last.
    CHECK(changes[4].text == "n 60");

    // A classification cycle without after-metrics yet (still labeling), flat metrics.
    const auto open = metric_changes({{"accuracy", 0.9}, {"roc_auc", 0.93}, {"n_positive", 12}},
                                     nlohmann::json::object(), "roc_auc");
    REQUIRE(open.size() == 3);
    CHECK(open[0].text == "roc_auc 0.930");
    CHECK(open[0].verdict == Verdict::NoAfter);
    CHECK(open[1].name == "accuracy");
    CHECK(open[2].text == "n_positive 12");
    CHECK(metric_changes(nlohmann::json(), nlohmann::json(), "rmse").empty());
}

TEST_CASE("a classification model is labeled with a class, not a number", "[ui][labeling]") {
    HeadlessImGui imgui;
    App app;
    double now = 0.0;
    auto queue = make_queue(5);
    for (auto& q : queue) {
        q.status = "pending";
        q.prediction = 0.5;
    }
    app.load_queue_for_test(std::move(queue), User{"u1", "alice", "scientist"},
                            model_info("bbbp-1", "classification", "BBBP", "p_np"));
    app.select_tab_for_test(Tab::Labeling);
    render_frames(app, 3, now);
    auto state = app.state();
    REQUIRE(state["current"].is_object());
    const std::string first = state["current"]["id"];
    CHECK(state["widgets"].contains("label_class_0"));
    CHECK(state["widgets"].contains("label_class_1"));
    CHECK_FALSE(state["widgets"].contains("label_value"));
    CHECK(state["current"]["form"]["class"] == -1);

    // Save & Next with no class chosen: an error, nothing recorded.
    click(app, "save_next_button", now);
    state = app.state();
    CHECK(state["current"]["form"]["error"] == "Choose a class (0 or 1) before saving.");
    CHECK(state["sync"]["pending"] == 0);
    CHECK(state["current"]["id"] == first);

    // Choose 1 (positive), save: one label op with 1.0, and the next item is shown.
    click(app, "label_class_1", now);
    CHECK(app.state()["current"]["form"]["class"] == 1);
    click(app, "save_next_button", now);
    state = app.state();
    REQUIRE(state["sync"]["pending"] == 1);
    const auto& op = state["sync"]["pending_ops"][0];
    CHECK(op["kind"] == "label");
    CHECK(op["item_id"] == first);
    CHECK(op["label"].get<double>() == 1.0);
    CHECK(state["current"]["id"] != first);
    // The next item starts without a class, so a stale choice is never saved by accident.
    CHECK(state["current"]["form"]["class"] == -1);
}

TEST_CASE("descriptor values: counts without decimals, measurements with two", "[ui]") {
    CHECK(format_property(11.0) == "11");
    CHECK(format_property(0.0) == "0");
    CHECK(format_property(504.4423) == "504.44");
    CHECK(format_property(-7.5712) == "-7.57");
    CHECK(format_property(1.0 / 3.0) == "0.33");
    CHECK(format_property(std::nan("")) == "nan");
}

namespace {

labelloop::Objective maximize(std::optional<double> hit_threshold = std::nullopt) {
    labelloop::Objective o;
    o.kind = labelloop::ObjectiveKind::Maximize;
    o.hit_threshold = hit_threshold;
    return o;
}

// Opens the Sample Selection strategy combo (again if a click was lost to a closing popup).
void open_strategy_combo(App& app, double& now) {
    for (int attempt = 0; attempt < 3 && !app.state()["widgets"].contains("strategy_option_random");
         ++attempt) {
        click(app, "strategy", now);
    }
    REQUIRE(app.state()["widgets"].contains("strategy_option_random"));
}

std::vector<std::string> strategy_names(const nlohmann::json& state, bool enabled_only) {
    std::vector<std::string> names;
    for (const auto& s : state["selection"]["strategies"]) {
        if (!enabled_only || s["enabled"].get<bool>()) {
            names.push_back(s["name"]);
        }
    }
    return names;
}

} // namespace

TEST_CASE("the strategy combo lists every strategy, discovery ones need an objective",
          "[ui][selection]") {
    HeadlessImGui imgui;
    App app;
    double now = 0.0;
    open_selection_tab(app, now); // a model without objective
    CHECK(app.state()["widgets"].contains("strategy_hint"));
    open_strategy_combo(app, now);
    auto state = app.state();
    std::vector<std::string> all;
    for (const auto s : labelloop::all_strategies()) {
        all.push_back(labelloop::to_string(s));
        CHECK(state["widgets"].contains("strategy_option_" + all.back()));
    }
    auto listed = strategy_names(state, false);
    CHECK(listed.size() == all.size());
    std::sort(listed.begin(), listed.end());
    std::sort(all.begin(), all.end());
    CHECK(listed == all);
    // Grouped: the discovery strategies first, then model improvement, random last.
    CHECK(state["selection"]["strategies"][0]["name"] == "greedy");
    CHECK(state["selection"]["strategies"].back()["name"] == "random");
    for (const auto& s : state["selection"]["strategies"]) {
        const bool discovery =
            labelloop::is_discovery(labelloop::parse_strategy(s["name"].get<std::string>()));
        CHECK(s["enabled"].get<bool>() == !discovery);
    }
    // A click on a disabled discovery entry chooses nothing.
    click(app, "strategy_option_ucb", now);
    CHECK(app.state()["selection"]["strategy"] == "uncertainty");
    CHECK_FALSE(app.state()["widgets"].contains("beta"));
    // A model-improvement entry is chosen.
    open_strategy_combo(app, now);
    click(app, "strategy_option_density", now);
    CHECK(app.state()["selection"]["strategy"] == "density");
}

TEST_CASE("UCB shows beta and previews as select_batch toward the model file's objective",
          "[ui][selection]") {
    HeadlessImGui imgui;
    App app;
    double now = 0.0;
    ModelInfo info = model_info("m-obj", "regression", "Solubility", "logS");
    info.objective = maximize(-1.5);
    app.load_queue_for_test(make_queue(10), User{"u1", "alice", "admin"}, info);
    app.select_tab_for_test(Tab::Selection);
    render_frames(app, 3, now);
    open_strategy_combo(app, now);
    CHECK(strategy_names(app.state(), true).size() == labelloop::all_strategies().size());
    click(app, "strategy_option_ucb", now);
    auto state = app.state();
    REQUIRE(state["selection"]["strategy"] == "ucb");
    CHECK(state["widgets"].contains("beta"));
    CHECK(state["selection"]["beta"].get<double>() == 2.0);

    auto model = preview_model();
    const auto pool = labelloop::testing::make_synthetic(3000, 9).x;
    labelloop::SelectionOptions options;
    options.strategy = labelloop::Strategy::Ucb;
    options.batch_size = 20;
    options.objective = maximize(-1.5);
    options.beta = 2.0;
    const auto expected = labelloop::select_batch(model, pool, options);
    app.preview_pool_for_test(std::move(model), pool, maximize(-1.5));
    for (int f = 0; f < 10000 && app.state()["preview"]["running"].get<bool>(); ++f) {
        render_frames(app, 1, now);
    }
    state = app.state();
    CHECK(state["preview"]["error"] == "");
    const auto& rows = state["preview"]["rows"];
    REQUIRE(rows.size() == expected.selected.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CHECK(rows[i]["compound_id"] == "pool-" + std::to_string(expected.selected[i].index));
        CHECK(rows[i]["priority"].get<double>() == expected.selected[i].priority_score);
    }
}

TEST_CASE("a discovery strategy is refused when the model file has no objective",
          "[ui][selection]") {
    HeadlessImGui imgui;
    App app;
    double now = 0.0;
    // The listing says maximize (so greedy can be chosen), the downloaded file says none:
    // the preview refuses rather than guessing a goal.
    ModelInfo info = model_info("m-obj", "regression", "Solubility", "logS");
    info.objective = maximize();
    app.load_queue_for_test(make_queue(10), User{"u1", "alice", "admin"}, info);
    app.select_tab_for_test(Tab::Selection);
    render_frames(app, 3, now);
    open_strategy_combo(app, now);
    click(app, "strategy_option_greedy", now);
    REQUIRE(app.state()["selection"]["strategy"] == "greedy");
    app.preview_pool_for_test(preview_model(), labelloop::testing::make_synthetic(200, 3).x);
    render_frames(app, 2, now);
    auto state = app.state();
    CHECK_FALSE(state["preview"]["running"].get<bool>());
    CHECK(state["preview"]["rows"].empty());
    const std::string error = state["preview"]["error"];
    CHECK(error.find("'greedy' ranks toward the model's objective, and this model has none") == 0);
    CHECK(state["widgets"].contains("preview_error"));
    // And the combo now offers no discovery strategy for it.
    open_strategy_combo(app, now);
    state = app.state();
    for (const auto& s : state["selection"]["strategies"]) {
        if (labelloop::is_discovery(labelloop::parse_strategy(s["name"].get<std::string>()))) {
            CHECK_FALSE(s["enabled"].get<bool>());
        }
    }
}

TEST_CASE("Cycle History shows hits per cycle and the hits left for an objective model",
          "[ui][cycles]") {
    HeadlessImGui imgui;
    std::vector<Cycle> cycles(2);
    cycles[0].id = "c2";
    cycles[0].cycle_number = 2;
    cycles[0].selection_strategy = "ucb";
    cycles[0].status = "complete";
    cycles[0].items_labeled = 20;
    cycles[0].hits_found = 7;
    cycles[0].hits_found_total = 11;
    cycles[0].expected_hits_remaining = 3.4;
    cycles[1].id = "c1";
    cycles[1].cycle_number = 1;
    cycles[1].selection_strategy = "greedy";
    cycles[1].status = "complete";
    cycles[1].items_labeled = 20;
    cycles[1].hits_found = 4;
    cycles[1].hits_found_total = 4;
    cycles[1].expected_hits_remaining = 9.0;
    double now = 0.0;
    {
        App app;
        ModelInfo info = model_info("m-obj", "regression", "Solubility", "logS");
        info.objective = maximize(-1.5);
        info.objective_text = "maximize (hit >= -1.5)";
        app.load_queue_for_test(make_queue(10), User{"u1", "alice", "admin"}, info);
        app.load_cycles_for_test(cycles);
        app.select_tab_for_test(Tab::Cycles);
        render_frames(app, 3, now);
        const auto state = app.state();
        CHECK(state["tab"] == "Cycle History");
        CHECK(state["widgets"].contains("cycles_objective"));
        CHECK(state["widgets"].contains("cycle_hits_0"));
        CHECK(state["widgets"].contains("hits_chart"));
        CHECK(state["widgets"].contains("expected_hits"));
        CHECK(state["cycles"][0]["hits_found"] == 7);
        CHECK(state["cycles"][0]["hits_found_total"] == 11);
        CHECK(state["model"]["objective_text"] == "maximize (hit >= -1.5)");
        // The chart is taller than a line of text: bars were drawn.
        CHECK(state["widgets"]["hits_chart"]["h"].get<float>() > ImGui::GetFontSize() * 4);
    }
    {
        // A model without objective: no hit column, no chart, no guidance.
        App app;
        app.load_queue_for_test(make_queue(10), User{"u1", "alice", "admin"}, model_info("m"));
        for (auto& c : cycles) {
            c.hits_found.reset();
            c.hits_found_total.reset();
            c.expected_hits_remaining.reset();
        }
        app.load_cycles_for_test(cycles);
        app.select_tab_for_test(Tab::Cycles);
        render_frames(app, 3, now);
        const auto state = app.state();
        CHECK(state["widgets"].contains("cycles_table"));
        CHECK_FALSE(state["widgets"].contains("cycle_hits_0"));
        CHECK_FALSE(state["widgets"].contains("hits_chart"));
        CHECK_FALSE(state["widgets"].contains("expected_hits"));
        CHECK(state["cycles"][0]["hits_found"].is_null());
    }
}

TEST_CASE("an admin's New model form names what is missing and shows the server's answer",
          "[ui][models]") {
    HeadlessImGui imgui;
    double now = 0.0;
    {
        App app; // a scientist has no New model button
        app.load_queue_for_test(make_queue(3), User{"u2", "bob", "scientist"}, model_info("m"));
        render_frames(app, 3, now);
        CHECK_FALSE(app.state()["widgets"].contains("new_model_button"));
    }
    App app;
    app.load_queue_for_test(make_queue(3), User{"u1", "alice", "admin"}, model_info("m"));
    render_frames(app, 3, now);
    click(app, "new_model_button", now);
    render_frames(app, 3, now); // a modal sizes itself to its contents over its first frames
    auto state = app.state();
    REQUIRE(state["widgets"].contains("new_model_create"));
    CHECK(state["widgets"].contains("new_model_objective"));
    // Create with no name: refused in the form, nothing sent.
    click(app, "new_model_create", now);
    state = app.state();
    CHECK(state["new_model"]["error"] == "name: give the model a name.");
    CHECK(state["requests_in_flight"] == 0);
    // Type a name and a property; the request goes out and the answer (here: no server in the
    // headless build) stays in the form.
    click(app, "new_model_name", now);
    ImGui::GetIO().AddInputCharactersUTF8("Solubility");
    render_frames(app, 2, now);
    CHECK(app.state()["new_model"]["error"] == ""); // an edit retires the refusal
    click(app, "new_model_property", now);
    ImGui::GetIO().AddInputCharactersUTF8("logS");
    render_frames(app, 2, now);
    // Choose the maximize objective from its combo.
    click(app, "new_model_objective", now);
    REQUIRE(app.state()["widgets"].contains("new_model_kind_maximize"));
    click(app, "new_model_kind_maximize", now);
    CHECK(app.state()["widgets"].contains("new_model_hit_threshold"));
    click(app, "new_model_create", now);
    state = app.state();
    CHECK(state["new_model"]["error"] == "no server in the headless build");
    CHECK_FALSE(state["new_model"]["submitting"].get<bool>());
    CHECK(state["widgets"].contains("new_model_error"));
}

TEST_CASE("the New model form's family sets member_type, members and mpnn sizes within bounds",
          "[ui][models]") {
    HeadlessImGui imgui;
    double now = 0.0;
    App app;
    app.load_queue_for_test(make_queue(3), User{"u1", "alice", "admin"}, model_info("m"));
    render_frames(app, 3, now);
    click(app, "new_model_button", now);
    render_frames(app, 3, now);
    const auto type = [&](const std::string& widget, const char* text) {
        click(app, widget, now);
        ImGui::GetIO().AddInputCharactersUTF8(text);
        render_frames(app, 2, now);
    };
    const auto create = [&] {
        click(app, "new_model_create", now);
        const auto state = app.state();
        // No server here: the request went out (and failed at once), so the form holds it.
        CHECK(state["new_model"]["error"] == "no server in the headless build");
        CHECK_FALSE(state["new_model"]["submitting"].get<bool>());
        return state["new_model"]["sent"];
    };
    type("new_model_name", "Networks");
    type("new_model_property", "logS");

    // The default: boosted trees, 100 members, no network sizes in the request.
    auto state = app.state();
    CHECK(state["new_model"]["family"] == 0);
    CHECK(state["new_model"]["members"] == 100);
    CHECK_FALSE(state["widgets"].contains("new_model_depth"));
    auto sent = create();
    CHECK(sent["name"] == "Networks");
    CHECK(sent["params"] == json({{"member_type", "gradient_boosted"}, {"n_members", 100}}));

    // Message-passing networks: 5 members by default, depth/hidden at the server's defaults,
    // sent under params.mpnn; epochs 0 (by training set size) is left for the server to pick.
    click(app, "new_model_family", now);
    REQUIRE(app.state()["widgets"].contains("new_model_family_mpnn"));
    click(app, "new_model_family_mpnn", now);
    render_frames(app, 2, now);
    state = app.state();
    CHECK(state["new_model"]["family"] == 2);
    CHECK(state["new_model"]["members"] == 5);
    CHECK(state["new_model"]["mpnn"] == json({{"depth", 3}, {"hidden", 64}, {"epochs", 0}}));
    REQUIRE(state["widgets"].contains("new_model_depth"));
    CHECK(state["widgets"].contains("new_model_hidden"));
    CHECK(state["widgets"].contains("new_model_epochs"));
    sent = create();
    CHECK(sent["params"] == json({{"member_type", "mpnn"},
                                  {"n_members", 5},
                                  {"mpnn", {{"depth", 3}, {"hidden", 64}}}}));

    // Typed sizes are held within the server's limits (a click selects the field's text, so
    // typing replaces it): at most 64 networks, depth 1-6, hidden 8-512, epochs 0-500.
    type("new_model_members", "0");
    CHECK(app.state()["new_model"]["members"] == 2);
    type("new_model_members", "50");
    CHECK(app.state()["new_model"]["members"] == 50);
    type("new_model_members", "500");
    CHECK(app.state()["new_model"]["members"] == 64);
    type("new_model_hidden", "1");
    CHECK(app.state()["new_model"]["mpnn"]["hidden"] == 8);
    type("new_model_depth", "9");
    type("new_model_hidden", "100000");
    type("new_model_epochs", "9999");
    state = app.state();
    CHECK(state["new_model"]["mpnn"] == json({{"depth", 6}, {"hidden", 512}, {"epochs", 500}}));
    sent = create();
    CHECK(sent["params"] == json({{"member_type", "mpnn"},
                                  {"n_members", 64},
                                  {"mpnn", {{"depth", 6}, {"hidden", 512}, {"epochs", 500}}}}));

    // Random trees: a family change puts back its own default member count; no network fields
    // shown or sent; members bounded at the server's 10 000.
    click(app, "new_model_family", now);
    REQUIRE(app.state()["widgets"].contains("new_model_family_random_tree"));
    click(app, "new_model_family_random_tree", now);
    render_frames(app, 2, now);
    state = app.state();
    CHECK(state["new_model"]["members"] == 100);
    CHECK_FALSE(state["widgets"].contains("new_model_depth"));
    type("new_model_members", "100000");
    CHECK(app.state()["new_model"]["members"] == 10000);
    sent = create();
    CHECK(sent["params"] == json({{"member_type", "random_tree"}, {"n_members", 10000}}));
    CHECK_FALSE(sent["params"].contains("mpnn"));
}

TEST_CASE("EI previews against the best training label toward the objective", "[ui][selection]") {
    HeadlessImGui imgui;
    App app;
    double now = 0.0;
    ModelInfo info = model_info("m-min", "regression", "Clearance", "cl");
    labelloop::Objective minimize;
    minimize.kind = labelloop::ObjectiveKind::Minimize;
    info.objective = minimize;
    app.load_queue_for_test(make_queue(10), User{"u1", "alice", "admin"}, info);
    app.select_tab_for_test(Tab::Selection);
    render_frames(app, 3, now);
    open_strategy_combo(app, now);
    click(app, "strategy_option_ei", now);
    REQUIRE(app.state()["selection"]["strategy"] == "ei");
    const auto pool = labelloop::testing::make_synthetic(500, 4).x;

    // Before the training set is here there is no incumbent: a clear refusal, no guess.
    app.preview_pool_for_test(preview_model(), pool, minimize);
    render_frames(app, 2, now);
    CHECK(app.state()["preview"]["error"].get<std::string>().find(
              "'ei' improves on the best label so far") == 0);

    // With it, the best label toward "minimize" is the lowest one (-2).
    std::vector<TrainingCompound> training(4);
    const double labels[] = {-1.0, 2.0, -2.0, 0.25};
    for (std::size_t i = 0; i < training.size(); ++i) {
        training[i].compound_id = "t" + std::to_string(i);
        training[i].label = labels[i];
    }
    app.load_training_set_for_test(training);
    auto model = preview_model();
    labelloop::SelectionOptions options;
    options.strategy = labelloop::Strategy::ExpectedImprovement;
    options.batch_size = 20;
    options.objective = minimize;
    options.best_label = -2.0;
    const auto expected = labelloop::select_batch(model, pool, options);
    // A ranking, not a tie broken by pool order.
    REQUIRE(expected.selected.front().priority_score > expected.selected.back().priority_score);
    app.preview_pool_for_test(std::move(model), pool, minimize);
    for (int f = 0; f < 10000 && app.state()["preview"]["running"].get<bool>(); ++f) {
        render_frames(app, 1, now);
    }
    const auto state = app.state();
    CHECK(state["preview"]["error"] == "");
    const auto& rows = state["preview"]["rows"];
    REQUIRE(rows.size() == expected.selected.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CHECK(rows[i]["compound_id"] == "pool-" + std::to_string(expected.selected[i].index));
        CHECK(rows[i]["priority"].get<double>() == expected.selected[i].priority_score);
    }
}
