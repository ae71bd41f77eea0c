#include "labelloop/features.hpp"

#include "bytes.hpp"

#include <cmath>

namespace labelloop {
namespace {
constexpr std::uint8_t kFeaturesEncodingVersion = 1;
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
    w.u8(kFeaturesEncodingVersion);
    for (auto word : features.fingerprint.words()) {
        w.u64(word);
    }
    w.u16(static_cast<std::uint16_t>(features.descriptors.size()));
    for (double d : features.descriptors) {
        w.f64(d);
    }
    return std::move(w.bytes());
}

Features decode_features(const std::uint8_t* data, std::size_t size) {
    detail::ByteReader<FeatureError> r(data, size, "features blob");
    const auto version = r.u8("version");
    if (version != kFeaturesEncodingVersion) {
        throw FeatureError("features blob has encoding version " + std::to_string(version) +
                           ", this build reads version " +
                           std::to_string(kFeaturesEncodingVersion));
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
    if (r.remaining() != 0) {
        throw FeatureError("features blob has " + std::to_string(r.remaining()) +
                           " unexpected trailing bytes");
    }
    return f;
}

} // namespace labelloop
