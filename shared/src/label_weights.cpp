#include "labelloop/label_weights.hpp"

#include <cmath>
#include <stdexcept>

namespace labelloop {

std::string to_string(LabelSource source) {
    switch (source) {
    case LabelSource::Experimental:
        return "experimental";
    case LabelSource::Literature:
        return "literature";
    case LabelSource::ExpertEstimate:
        return "expert_estimate";
    }
    return "unknown";
}

std::string to_string(LabelConfidence confidence) {
    switch (confidence) {
    case LabelConfidence::High:
        return "high";
    case LabelConfidence::Medium:
        return "medium";
    case LabelConfidence::Low:
        return "low";
    }
    return "unknown";
}

LabelSource parse_label_source(std::string_view name) {
    for (auto s :
         {LabelSource::Experimental, LabelSource::Literature, LabelSource::ExpertEstimate}) {
        if (name == to_string(s)) {
            return s;
        }
    }
    throw std::invalid_argument("unknown label source '" + std::string(name) +
                                "' (expected one of: experimental, literature, expert_estimate)");
}

LabelConfidence parse_label_confidence(std::string_view name) {
    for (auto c : {LabelConfidence::High, LabelConfidence::Medium, LabelConfidence::Low}) {
        if (name == to_string(c)) {
            return c;
        }
    }
    throw std::invalid_argument("unknown label confidence '" + std::string(name) +
                                "' (expected one of: high, medium, low)");
}

double LabelWeightTable::weight(LabelSource source, LabelConfidence confidence) const {
    return source_weight[static_cast<std::size_t>(source)] *
           confidence_weight[static_cast<std::size_t>(confidence)];
}

void LabelWeightTable::validate() const {
    auto check = [](double w, const std::string& name) {
        if (!std::isfinite(w) || w <= 0.0 || w > 1e6) {
            throw std::invalid_argument("label weight for " + name +
                                        " must be a number in (0, 1e6], got " + std::to_string(w));
        }
    };
    for (std::size_t i = 0; i < 3; ++i) {
        check(source_weight[i], to_string(static_cast<LabelSource>(i)));
        check(confidence_weight[i], to_string(static_cast<LabelConfidence>(i)));
    }
}

} // namespace labelloop
