// How much a label counts when a model is fitted: a weight per (source, confidence) pair, so an
// expert's low-confidence estimate pulls the model less than a high-confidence measurement.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace labelloop {

enum class LabelSource { Experimental, Literature, ExpertEstimate };
enum class LabelConfidence { High, Medium, Low };

/// "experimental", "literature", "expert_estimate".
std::string to_string(LabelSource source);
/// "high", "medium", "low".
std::string to_string(LabelConfidence confidence);
/// Exact lowercase names only; anything else throws std::invalid_argument listing the valid
/// names.
LabelSource parse_label_source(std::string_view name);
LabelConfidence parse_label_confidence(std::string_view name);

/// weight(source, confidence) = source_weight[source] * confidence_weight[confidence].
/// Defaults: experimental 1.0, literature 0.8, expert_estimate 0.5; high 1.0, medium 0.7,
/// low 0.4. So experimental/high = 1.0 and every other pair is lower.
struct LabelWeightTable {
    std::array<double, 3> source_weight{1.0, 0.8, 0.5};
    std::array<double, 3> confidence_weight{1.0, 0.7, 0.4};

    double weight(LabelSource source, LabelConfidence confidence) const;
    /// Throws std::invalid_argument unless every factor is finite and in (0, 1e6].
    void validate() const;

    bool operator==(const LabelWeightTable& other) const {
        return source_weight == other.source_weight && confidence_weight == other.confidence_weight;
    }
};

} // namespace labelloop
