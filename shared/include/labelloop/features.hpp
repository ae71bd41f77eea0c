// What the core learns from: a compound's 2048-bit Morgan fingerprint (radius 2) plus the RDKit
// 2D descriptors that RDKit C++ (server) and MinimalLib (browser) compute identically, and a
// compact byte encoding of both for the database blob and the browser download. A network
// member (MemberType::Mpnn) also reads the molecule graph, attached when the caller has it.
#pragma once

#include "labelloop/fingerprint.hpp"
#include "labelloop/mol_graph.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace labelloop {

/// The RDKit descriptors (names of RDKit::Descriptors::Properties / MinimalLib's
/// get_descriptors()) that agree between RDKit C++ 2022.09 and MinimalLib 2026.09. Left out
/// because they differ between the two on at least one molecule of ../shared/data (see
/// tests/server/test_parity.cpp): chi2v, chi2n, NumHBA, NumRings, NumAliphaticRings,
/// NumHeterocycles, NumAliphaticHeterocycles, NumBridgeheadAtoms (ring perception, NumHBA's
/// definition: STACK.md), and, on tox21's organometallics, deuterated and macrocyclic
/// compounds, NumSaturatedRings, NumSaturatedHeterocycles, NumAtomStereoCenters,
/// NumUnspecifiedAtomStereoCenters, NumRotatableBonds, amw, exactmw.
inline constexpr std::array<std::string_view, 28> kModelDescriptorNames = {
    "lipinskiHBA",
    "lipinskiHBD",
    "NumHBD",
    "NumHeavyAtoms",
    "NumAtoms",
    "NumHeteroatoms",
    "NumAmideBonds",
    "FractionCSP3",
    "NumAromaticRings",
    "NumAromaticHeterocycles",
    "NumSpiroAtoms",
    "labuteASA",
    "tpsa",
    "CrippenClogP",
    "CrippenMR",
    "chi0v",
    "chi1v",
    "chi3v",
    "chi4v",
    "chi0n",
    "chi1n",
    "chi3n",
    "chi4n",
    "hallKierAlpha",
    "kappa1",
    "kappa2",
    "kappa3",
    "Phi",
};

/// One compound as the models see it.
struct Features {
    Fingerprint fingerprint;
    /// Values in the order of FeatureLayout::descriptor_names (may be empty for a bits-only
    /// layout).
    std::vector<double> descriptors;
    /// The molecule graph, for network members (null when not built: tree members ignore it,
    /// a network member refuses the row). Shared and immutable, so copies of a row are cheap.
    std::shared_ptr<const MolGraph> graph = nullptr;

    /// Same bits, descriptors and graph (both without one, or equal graphs).
    bool operator==(const Features& other) const {
        return fingerprint == other.fingerprint && descriptors == other.descriptors &&
               (graph == other.graph || (graph && other.graph && *graph == *other.graph));
    }
};

/// Which descriptors a model was trained on, in order. The fingerprint is always 2048-bit
/// Morgan radius 2, so model feature j < 2048 is fingerprint bit j and feature 2048 + d is
/// descriptor d.
struct FeatureLayout {
    std::vector<std::string> descriptor_names;

    /// The layout every LabelLoop model uses: Morgan bits + kModelDescriptorNames.
    static FeatureLayout model_default();
    /// Fingerprint bits only (no descriptors).
    static FeatureLayout bits_only() { return {}; }

    std::size_t n_descriptors() const { return descriptor_names.size(); }
    std::size_t n_features() const { return Fingerprint::kBits + descriptor_names.size(); }
    /// "bit 17" or the descriptor's name, for messages and feature importances.
    std::string feature_name(std::size_t feature) const;

    bool operator==(const FeatureLayout& other) const {
        return descriptor_names == other.descriptor_names;
    }
    bool operator!=(const FeatureLayout& other) const { return !(*this == other); }
};

/// Thrown for features that do not fit a layout (wrong count, NaN or infinite values).
class FeatureError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Builds Features from a fingerprint and descriptor values by name (e.g. the JSON object of
/// MinimalLib's get_descriptors() or RDKit C++ Properties), picking the layout's names in
/// order. Throws FeatureError naming the first missing or non-finite descriptor.
Features make_features(const Fingerprint& fingerprint,
                       const std::map<std::string, double>& descriptors_by_name,
                       const FeatureLayout& layout);

/// Throws FeatureError unless `features` has exactly the layout's descriptor count and only
/// finite values. `what` names the compound in the message, e.g. "training compound 17".
void check_features(const Features& features, const FeatureLayout& layout, const std::string& what);

/// Compact little-endian encoding: 1 byte format version, 32 x u64 fingerprint words, u16
/// descriptor count, then that many f64: 259 + 8 * n_descriptors bytes (version 1, written
/// for features without a graph, so stored blobs stay as they were). With a graph, version 2
/// appends it: u16 n_atoms, n_atoms x kAtomFeatureCount bytes (0/1), u16 n_bonds, then per
/// bond u16 begin, u16 end and kBondFeatureCount bytes (0/1).
std::vector<std::uint8_t> encode_features(const Features& features);
/// Inverse of encode_features (version 1 decodes without a graph); throws FeatureError on an
/// unknown version, truncation, trailing bytes or a malformed graph.
Features decode_features(const std::uint8_t* data, std::size_t size);
inline Features decode_features(const std::vector<std::uint8_t>& bytes) {
    return decode_features(bytes.data(), bytes.size());
}

} // namespace labelloop
