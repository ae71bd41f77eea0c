#include "labelloop/features.hpp"

#include "bytes.hpp"

#include <cmath>

namespace labelloop {
namespace {
constexpr std::uint8_t kFeaturesEncodingVersion = 1;
constexpr std::uint8_t kFeaturesWithGraphVersion = 2;

void write_graph(detail::ByteWriter& w, const MolGraph& g) {
    if (g.n_atoms > kMaxGraphAtoms || g.atom_features.size() != g.n_atoms * kAtomFeatureCount ||
        g.n_edges() != 2 * g.n_bonds() || g.edge_target.size() != g.n_edges()) {
        throw FeatureError("molecule graph is inconsistent and cannot be encoded");
    }
    w.u16(static_cast<std::uint16_t>(g.n_atoms));
    w.raw(g.atom_features.data(), g.atom_features.size());
    w.u16(static_cast<std::uint16_t>(g.n_bonds()));
    for (std::size_t b = 0; b < g.n_bonds(); ++b) {
        w.u16(static_cast<std::uint16_t>(g.edge_source[2 * b]));
        w.u16(static_cast<std::uint16_t>(g.edge_target[2 * b]));
        w.raw(g.bond_row(b), kBondFeatureCount);
    }
}

MolGraph read_graph(detail::ByteReader<FeatureError>& r) {
    MolGraph g;
    g.n_atoms = r.u16("graph atom count");
    if (g.n_atoms == 0 || g.n_atoms > kMaxGraphAtoms) {
        throw FeatureError("features blob: graph has " + std::to_string(g.n_atoms) +
                           " atoms (1 to " + std::to_string(kMaxGraphAtoms) + " allowed)");
    }
    g.atom_features.resize(g.n_atoms * kAtomFeatureCount);
    r.raw(g.atom_features.data(), g.atom_features.size(), "graph atom features");
    const auto n_bonds = r.u16("graph bond count");
    r.need(std::size_t{4 + kBondFeatureCount} * n_bonds, "graph bonds");
    g.bond_features.resize(std::size_t{n_bonds} * kBondFeatureCount);
    for (std::size_t b = 0; b < n_bonds; ++b) {
        const std::uint32_t begin = r.u16("graph bonds");
        const std::uint32_t end = r.u16("graph bonds");
        if (begin >= g.n_atoms || end >= g.n_atoms || begin == end) {
            throw FeatureError("features blob: graph bond " + std::to_string(b) + " joins atoms " +
                               std::to_string(begin) + " and " + std::to_string(end) + " of " +
                               std::to_string(g.n_atoms));
        }
        g.edge_source.insert(g.edge_source.end(), {begin, end});
        g.edge_target.insert(g.edge_target.end(), {end, begin});
        r.raw(g.bond_features.data() + b * kBondFeatureCount, kBondFeatureCount, "graph bonds");
    }
    for (auto v : g.atom_features) {
        if (v > 1) {
            throw FeatureError("features blob: graph atom features must be 0 or 1");
        }
    }
    for (auto v : g.bond_features) {
        if (v > 1) {
            throw FeatureError("features blob: graph bond features must be 0 or 1");
        }
    }
    return g;
}
} // namespace

FeatureLayout FeatureLayout::model_default() {
    FeatureLayout layout;
    for (auto name : kModelDescriptorNames) {
        layout.descriptor_names.emplace_back(name);
    }
    return layout;
}

std::string FeatureLayout::feature_name(std::size_t feature) const {
    if (feature < Fingerprint::kBits) {
        return "bit " + std::to_string(feature);
    }
    if (feature - Fingerprint::kBits < descriptor_names.size()) {
        return descriptor_names[feature - Fingerprint::kBits];
    }
    return "feature " + std::to_string(feature) + " (out of range)";
}

Features make_features(const Fingerprint& fingerprint,
                       const std::map<std::string, double>& descriptors_by_name,
                       const FeatureLayout& layout) {
    Features f{fingerprint, {}};
    f.descriptors.reserve(layout.n_descriptors());
    for (const auto& name : layout.descriptor_names) {
        auto it = descriptors_by_name.find(name);
        if (it == descriptors_by_name.end()) {
            throw FeatureError("descriptor '" + name + "' is missing");
        }
        if (!std::isfinite(it->second)) {
            throw FeatureError("descriptor '" + name + "' is not a finite number");
        }
        f.descriptors.push_back(it->second);
    }
    return f;
}

void check_features(const Features& features, const FeatureLayout& layout,
                    const std::string& what) {
    if (features.descriptors.size() != layout.n_descriptors()) {
        throw FeatureError(what + " has " + std::to_string(features.descriptors.size()) +
                           " descriptors, the model expects " +
                           std::to_string(layout.n_descriptors()));
    }
    for (std::size_t d = 0; d < features.descriptors.size(); ++d) {
        if (!std::isfinite(features.descriptors[d])) {
            throw FeatureError(what + ": descriptor '" + layout.descriptor_names[d] +
                               "' is not a finite number");
        }
    }
}

std::vector<std::uint8_t> encode_features(const Features& features) {
    if (features.descriptors.size() > 0xFFFF) {
        throw FeatureError("too many descriptors to encode: " +
                           std::to_string(features.descriptors.size()));
    }
    detail::ByteWriter w;
    w.u8(features.graph ? kFeaturesWithGraphVersion : kFeaturesEncodingVersion);
    for (auto word : features.fingerprint.words()) {
        w.u64(word);
    }
    w.u16(static_cast<std::uint16_t>(features.descriptors.size()));
    for (double d : features.descriptors) {
        w.f64(d);
    }
    if (features.graph) {
        write_graph(w, *features.graph);
    }
    return std::move(w.bytes());
}

Features decode_features(const std::uint8_t* data, std::size_t size) {
    detail::ByteReader<FeatureError> r(data, size, "features blob");
    const auto version = r.u8("version");
    if (version != kFeaturesEncodingVersion && version != kFeaturesWithGraphVersion) {
        throw FeatureError("features blob has encoding version " + std::to_string(version) +
                           ", this build reads versions " +
                           std::to_string(kFeaturesEncodingVersion) + " and " +
                           std::to_string(kFeaturesWithGraphVersion));
    }
    Fingerprint::Words words{};
    for (auto& word : words) {
        word = r.u64("fingerprint");
    }
    Features f{Fingerprint(words), {}};
    const auto n = r.u16("descriptor count");
    r.need(std::size_t{8} * n, "descriptors");
    f.descriptors.resize(n);
    for (auto& d : f.descriptors) {
        d = r.f64("descriptors");
    }
    if (version == kFeaturesWithGraphVersion) {
        f.graph = std::make_shared<const MolGraph>(read_graph(r));
    }
    if (r.remaining() != 0) {
        throw FeatureError("features blob has " + std::to_string(r.remaining()) +
                           " unexpected trailing bytes");
    }
    return f;
}

} // namespace labelloop
