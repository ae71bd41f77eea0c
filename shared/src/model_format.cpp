// Artifact layout (all little-endian), version 4 (version 1 stored 36-byte nodes with explicit
// child indices; version 2 stores trees in pre-order, about 4x smaller; version 3 adds
// row_subsample, and version 2 artifacts still load, as row_subsample 1.0; version 4 adds
// the objective, and versions 2-3 load with objective none):
//   magic "LLMODEL\0" | u32 format version | u8 task | u8 member type
//   layout: u32 n_descriptors, each a string (u32 length + bytes)
//   params: u32 n_members, u32 max_depth, u32 min_samples_leaf, f64 feature_fraction,
//           u32 max_bins, u32 boosting_rounds, f64 learning_rate, f64 l2, u8 linear_base,
//           f64 ridge_alpha, u64 seed,
//           3 x f64 source weights, 3 x f64 confidence weights, f64 row_subsample (v3)
//   calibration: u64 n_oob, f64 z90, f64 oob_coverage_gaussian, f64 oob_coverage, f64 score
//   u64 n_training
//   members: u32 count, each written by its family: mpnn (members/mpnn_member.cpp): u32 length
//            + the network's own bytes (MpnnNetwork::to_bytes, which hold its parameters);
//            trees (members/tree_members.cpp): f64 base, u32 n_linear + that many f64 (descriptor
//            coefficients), u32 n_trees, each tree: u32 n_nodes, then the nodes in
//            pre-order (node, left subtree, right subtree), each: u16 feature + 1 (0 = leaf);
//            leaf: f64 value; split: [f64 threshold, descriptor splits only] f32 gain
//   applicability: u32 k, f64 percentile, f64 threshold, u32 n, n x 32 x u64 fingerprints
//   objective (v4): u8 kind (0 none, 1 maximize, 2 minimize, 3 window, 4 class), f64 lo,
//           f64 hi, u8 class sought, u8 has hit threshold, f64 hit threshold
//   u32 end marker "LLEN"
#include "labelloop/model_format.hpp"

#include "bytes.hpp"
#include "members/member_family.hpp"

#include <cstring>
#include <stdexcept>

namespace labelloop {
namespace {
constexpr std::uint32_t kEndMarker = 0x4E454C4CU; // "LLEN"
} // namespace

std::vector<std::uint8_t> save_model(const BootstrapEnsemble& model, const Objective& objective) {
    check_objective(objective, model.task());
    detail::ByteWriter w;
    // A model is at least this big; reserving also keeps GCC 12's -Wstringop-overflow from
    // misreading the first insert into an empty vector.
    w.bytes().reserve(1024);
    w.raw(kModelMagic, sizeof kModelMagic);
    w.u32(kModelFormatVersion);
    w.u8(static_cast<std::uint8_t>(model.task()));
    w.u8(static_cast<std::uint8_t>(model.params().member_type));
    const auto& names = model.layout().descriptor_names;
    w.u32(static_cast<std::uint32_t>(names.size()));
    for (const auto& n : names) {
        w.str(n);
    }
    const auto& p = model.params();
    w.u32(static_cast<std::uint32_t>(p.n_members));
    w.u32(p.max_depth);
    w.u32(p.min_samples_leaf);
    w.f64(p.feature_fraction);
    w.u32(p.max_bins);
    w.u32(p.boosting_rounds);
    w.f64(p.learning_rate);
    w.f64(p.l2_regularization);
    w.u8(p.linear_base ? 1 : 0);
    w.f64(p.ridge_alpha);
    w.u64(p.seed);
    for (double v : p.label_weights.source_weight) {
        w.f64(v);
    }
    for (double v : p.label_weights.confidence_weight) {
        w.f64(v);
    }
    w.f64(p.row_subsample);
    const auto& c = model.calibration();
    w.u64(c.n_oob);
    w.f64(c.z90);
    w.f64(c.oob_coverage_gaussian);
    w.f64(c.oob_coverage);
    w.f64(c.oob_score);
    w.u64(model.n_training());
    w.u32(static_cast<std::uint32_t>(model.members().size()));
    const auto& family = detail::member_family(model.params().member_type);
    for (const auto& m : model.members()) {
        family.write_member(w, m);
    }
    const auto& ad = model.applicability();
    w.u32(static_cast<std::uint32_t>(ad.options().k));
    w.f64(ad.options().percentile);
    w.f64(ad.threshold());
    const auto& fps = ad.index().fingerprints();
    w.u32(static_cast<std::uint32_t>(fps.size()));
    for (const auto& fp : fps) {
        for (auto word : fp.words()) {
            w.u64(word);
        }
    }
    w.u8(static_cast<std::uint8_t>(objective.kind));
    w.f64(objective.lo);
    w.f64(objective.hi);
    w.u8(static_cast<std::uint8_t>(objective.target_class));
    w.u8(objective.hit_threshold ? 1 : 0);
    w.f64(objective.hit_threshold.value_or(0.0));
    w.u32(kEndMarker);
    return std::move(w.bytes());
}

BootstrapEnsemble load_model(const std::uint8_t* data, std::size_t size) {
    return load_model_file(data, size).model;
}

ModelFile load_model_file(const std::uint8_t* data, std::size_t size) {
    detail::ByteReader<ModelFormatError> r(data, size, "model");
    char magic[sizeof kModelMagic];
    if (size < sizeof magic || std::memcmp(data, kModelMagic, sizeof magic) != 0) {
        throw ModelFormatError("not a LabelLoop model (bad magic: the first 8 bytes are not "
                               "\"LLMODEL\\0\")");
    }
    r.raw(magic, sizeof magic, "magic");
    const auto version = r.u32("format version");
    if (version > kModelFormatVersion) {
        throw ModelFormatError("model format version " + std::to_string(version) +
                               " is newer than this build supports (" +
                               std::to_string(kModelFormatVersion) +
                               "): update LabelLoop to read it");
    }
    if (version < kOldestReadableModelFormatVersion) {
        throw ModelFormatError("model format version " + std::to_string(version) +
                               " is older than this build reads (" +
                               std::to_string(kOldestReadableModelFormatVersion) + " to " +
                               std::to_string(kModelFormatVersion) + "): retrain the model");
    }
    const auto task_byte = r.u8("task");
    if (task_byte > 1) {
        throw ModelFormatError("model has unknown task code " + std::to_string(task_byte));
    }
    const auto member_byte = r.u8("member type");
    // Every registered member family reads its own members (members/member_family.cpp).
    const detail::MemberFamily* family = nullptr;
    try {
        family = &detail::member_family(static_cast<MemberType>(member_byte));
    } catch (const std::invalid_argument&) {
        throw ModelFormatError("model has unknown member type code " + std::to_string(member_byte));
    }
    FeatureLayout layout;
    const auto n_names = r.u32("descriptor count");
    r.need(std::size_t{4} * n_names, "descriptor names");
    for (std::uint32_t i = 0; i < n_names; ++i) {
        layout.descriptor_names.push_back(r.str("descriptor name"));
    }
    EnsembleParams p;
    p.member_type = static_cast<MemberType>(member_byte);
    p.n_members = r.u32("n_members");
    p.max_depth = r.u32("max_depth");
    p.min_samples_leaf = r.u32("min_samples_leaf");
    p.feature_fraction = r.f64("feature_fraction");
    p.max_bins = r.u32("max_bins");
    p.boosting_rounds = r.u32("boosting_rounds");
    p.learning_rate = r.f64("learning_rate");
    p.l2_regularization = r.f64("l2_regularization");
    p.linear_base = r.u8("linear_base") != 0;
    p.ridge_alpha = r.f64("ridge_alpha");
    p.seed = r.u64("seed");
    for (auto& v : p.label_weights.source_weight) {
        v = r.f64("label source weights");
    }
    for (auto& v : p.label_weights.confidence_weight) {
        v = r.f64("label confidence weights");
    }
    // Version 2 models were all grown on every row.
    p.row_subsample = version >= 3 ? r.f64("row_subsample") : 1.0;
    Calibration c;
    c.n_oob = static_cast<std::size_t>(r.u64("calibration"));
    c.z90 = r.f64("calibration");
    c.oob_coverage_gaussian = r.f64("calibration");
    c.oob_coverage = r.f64("calibration");
    c.oob_score = r.f64("calibration");
    const auto n_training = static_cast<std::size_t>(r.u64("n_training"));
    const auto n_members = r.u32("member count");
    r.need(std::size_t{12} * n_members, "members");
    std::vector<EnsembleMember> members;
    members.reserve(n_members);
    for (std::uint32_t m = 0; m < n_members; ++m) {
        members.push_back(family->read_member(r, m, layout));
    }
    family->restore_params(members, p);
    ApplicabilityOptions ad_options;
    ad_options.k = r.u32("applicability k");
    ad_options.percentile = r.f64("applicability percentile");
    const double threshold = r.f64("applicability threshold");
    const auto n_fps = r.u32("applicability fingerprint count");
    r.need(std::size_t{8} * Fingerprint::kWords * n_fps, "applicability fingerprints");
    std::vector<Fingerprint> fps;
    fps.reserve(n_fps);
    for (std::uint32_t i = 0; i < n_fps; ++i) {
        Fingerprint::Words words{};
        for (auto& word : words) {
            word = r.u64("applicability fingerprints");
        }
        fps.emplace_back(words);
    }
    Objective objective;
    if (version >= 4) {
        const auto kind = r.u8("objective");
        if (kind > static_cast<std::uint8_t>(ObjectiveKind::Class)) {
            throw ModelFormatError("model is corrupt: unknown objective kind " +
                                   std::to_string(kind));
        }
        objective.kind = static_cast<ObjectiveKind>(kind);
        objective.lo = r.f64("objective");
        objective.hi = r.f64("objective");
        objective.target_class = r.u8("objective");
        const bool has_hit = r.u8("objective") != 0;
        const double hit = r.f64("objective");
        if (has_hit) {
            objective.hit_threshold = hit;
        }
        try {
            check_objective(objective, static_cast<Task>(task_byte));
        } catch (const ObjectiveError& e) {
            throw ModelFormatError(std::string("model is corrupt: ") + e.what());
        }
    }
    if (r.u32("end marker") != kEndMarker) {
        throw ModelFormatError("model is corrupt: end marker missing");
    }
    if (r.remaining() != 0) {
        throw ModelFormatError("model has " + std::to_string(r.remaining()) +
                               " unexpected trailing bytes");
    }
    if (n_members != p.n_members) {
        throw ModelFormatError("model is corrupt: header says " + std::to_string(p.n_members) +
                               " members, found " + std::to_string(n_members));
    }
    return ModelFile{
        BootstrapEnsemble(static_cast<Task>(task_byte), std::move(layout), p, std::move(members), c,
                          ApplicabilityDomain(std::move(fps), ad_options, threshold), n_training),
        objective};
}

} // namespace labelloop
