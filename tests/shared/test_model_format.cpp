// The model artifact: round trips exactly, and damaged or newer files fail with clear errors.
#include "labelloop/model_format.hpp"

#include "synthetic.hpp"

#include <catch2/catch.hpp>

using namespace labelloop;
using labelloop::testing::make_synthetic;

namespace {

BootstrapEnsemble small_model(Task task) {
    const auto d = make_synthetic(80, 21);
    EnsembleParams p;
    p.n_members = 6;
    p.boosting_rounds = 8;
    p.min_samples_leaf = 3;
    p.linear_base = true;
    p.label_weights.source_weight[2] = 0.25;
    const std::vector<double> w(d.x.size(), 1.0);
    return BootstrapEnsemble::fit(d.x, task == Task::Regression ? d.y : d.y_class, w, task,
                                  FeatureLayout::model_default(), p);
}

void patch_u32(std::vector<std::uint8_t>& bytes, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
        bytes[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
    }
}

// A version 4 file without its objective section (the 27 bytes before the end marker) and
// with version 3 in its header: what the previous build wrote.
std::vector<std::uint8_t> as_version_3(std::vector<std::uint8_t> v4) {
    v4.erase(v4.end() - 4 - 27, v4.end() - 4);
    patch_u32(v4, 8, 3);
    return v4;
}

} // namespace

TEST_CASE("a saved model loads back to the same predictions", "[model_format]") {
    for (auto task : {Task::Regression, Task::Classification}) {
        const auto model = small_model(task);
        const auto bytes = save_model(model);
        CHECK(std::equal(bytes.begin(), bytes.begin() + 8, kModelMagic));
        const auto loaded = load_model(bytes);
        CHECK(loaded.task() == task);
        CHECK(loaded.layout() == model.layout());
        CHECK(loaded.n_members() == model.n_members());
        CHECK(loaded.n_training() == model.n_training());
        CHECK(loaded.params().label_weights == model.params().label_weights);
        CHECK(loaded.params().linear_base == model.params().linear_base);
        CHECK(loaded.params().row_subsample == model.params().row_subsample);
        CHECK(loaded.calibration().z90 == model.calibration().z90);
        CHECK(loaded.applicability().threshold() == model.applicability().threshold());
        CHECK(save_model(loaded) == bytes);
        CHECK(loaded.feature_importances() == model.feature_importances());
        const auto probe = make_synthetic(10, 22);
        for (const auto& f : probe.x) {
            const auto a = model.predict(f);
            const auto b = loaded.predict(f);
            CHECK(a.mean == b.mean);
            CHECK(a.std == b.std);
            CHECK(a.members == b.members);
            CHECK(model.applicability().distance(f.fingerprint) ==
                  loaded.applicability().distance(f.fingerprint));
        }
    }
}

TEST_CASE("the objective travels in the model file, a version 3 file loads with none",
          "[model_format][objective]") {
    const auto model = small_model(Task::Regression);
    Objective window;
    window.kind = ObjectiveKind::Window;
    window.lo = 1.0;
    window.hi = 3.0;
    const auto bytes = save_model(model, window);
    const auto file = load_model_file(bytes);
    CHECK(file.objective == window);
    CHECK(save_model(file.model, file.objective) == bytes);

    Objective maximize;
    maximize.kind = ObjectiveKind::Maximize;
    maximize.hit_threshold = -1.5;
    CHECK(load_model_file(save_model(model, maximize)).objective == maximize);

    // A version 3 file (no objective section) still loads: objective none, same model.
    const auto v3 = as_version_3(save_model(model));
    const auto old = load_model_file(v3);
    CHECK(old.objective.kind == ObjectiveKind::None);
    CHECK(save_model(old.model) == save_model(model));

    // An objective that does not fit the task is refused on save, and a damaged one on load.
    Objective wrong;
    wrong.kind = ObjectiveKind::Class;
    CHECK_THROWS_AS(save_model(model, wrong), ObjectiveError);
    auto damaged = bytes;
    damaged[damaged.size() - 4 - 27] = 9; // the objective kind byte
    CHECK_THROWS_WITH(load_model_file(damaged), "model is corrupt: unknown objective kind 9");
}

TEST_CASE("a version 2 artifact (before row_subsample) still loads, as grown on every row",
          "[model_format]") {
    const auto d = make_synthetic(80, 23);
    EnsembleParams p;
    p.n_members = 4;
    p.boosting_rounds = 6;
    p.row_subsample = 1.0;
    const std::vector<double> w(d.x.size(), 1.0);
    const auto model =
        BootstrapEnsemble::fit(d.x, d.y, w, Task::Regression, FeatureLayout::model_default(), p);
    const auto v4 = save_model(model);
    const auto v3 = as_version_3(v4);
    // Version 2 is version 3 without the f64 row_subsample that ends the parameters.
    std::size_t at = 8 + 4 + 1 + 1 + 4;
    for (const auto& name : model.layout().descriptor_names) {
        at += 4 + name.size();
    }
    at += 4 + 4 + 4 + 8 + 4 + 4 + 8 + 8 + 1 + 8 + 8 + 6 * 8;
    auto v2 = v3;
    v2.erase(v2.begin() + static_cast<std::ptrdiff_t>(at),
             v2.begin() + static_cast<std::ptrdiff_t>(at + 8));
    patch_u32(v2, 8, 2);
    const auto loaded = load_model(v2);
    CHECK(loaded.params().row_subsample == 1.0);
    CHECK(save_model(loaded) == v4);
    for (const auto& f : make_synthetic(5, 24).x) {
        CHECK(loaded.predict(f).members == model.predict(f).members);
    }
}

TEST_CASE("a wrong, newer or damaged model is refused with a clear error", "[model_format]") {
    const auto bytes = save_model(small_model(Task::Regression));

    auto not_model = bytes;
    not_model[0] = 'X';
    CHECK_THROWS_WITH(load_model(not_model), Catch::StartsWith("not a LabelLoop model"));
    CHECK_THROWS_AS(load_model(nullptr, 0), ModelFormatError);

    auto newer = bytes;
    patch_u32(newer, 8, kModelFormatVersion + 1);
    CHECK_THROWS_WITH(load_model(newer),
                      "model format version 5 is newer than this build supports (4): update "
                      "LabelLoop to read it");
    auto older = bytes;
    patch_u32(older, 8, 1);
    CHECK_THROWS_WITH(load_model(older),
                      "model format version 1 is older than this build reads (2 to 4): retrain the "
                      "model");

    auto bad_task = bytes;
    bad_task[12] = 7;
    CHECK_THROWS_WITH(load_model(bad_task), "model has unknown task code 7");

    for (std::size_t cut : {std::size_t{10}, std::size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
        const std::vector<std::uint8_t> truncated(bytes.begin(),
                                                  bytes.begin() + static_cast<long>(cut));
        CHECK_THROWS_WITH(load_model(truncated),
                          Catch::StartsWith("model truncated at byte " + std::to_string(cut)));
    }
    auto trailing = bytes;
    trailing.push_back(1);
    CHECK_THROWS_WITH(load_model(trailing), "model has 1 unexpected trailing bytes");
}
