// The versioned binary model artifact: the server writes it, the browser downloads and reads
// the same bytes, so both score with the same model. Little-endian, explicit widths.
#pragma once

#include "labelloop/ensemble.hpp"
#include "labelloop/objective.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace labelloop {

/// Bumped on every incompatible change; readers refuse newer versions.
inline constexpr std::uint32_t kModelFormatVersion = 4;
/// Older artifacts this build still reads (version 2 lacks row_subsample: read as 1.0;
/// versions 2 and 3 lack the objective: read as none).
inline constexpr std::uint32_t kOldestReadableModelFormatVersion = 2;
/// First 8 bytes of every artifact.
inline constexpr char kModelMagic[8] = {'L', 'L', 'M', 'O', 'D', 'E', 'L', '\0'};

/// Thrown by load_model: "not a LabelLoop model (bad magic)", "model format version 3 is
/// newer than this build supports (1)", "model truncated at byte N while reading X", ...
class ModelFormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A model file: the ensemble and the objective its discovery strategies rank toward.
struct ModelFile {
    BootstrapEnsemble model;
    Objective objective;
};

/// Header: magic, u32 format version, u8 task, u8 member type, feature layout (descriptor
/// names), params, calibration; then members, the applicability-domain fingerprints and
/// the objective. Throws ObjectiveError when the objective does not fit the model's task.
std::vector<std::uint8_t> save_model(const BootstrapEnsemble& model,
                                     const Objective& objective = {});
ModelFile load_model_file(const std::uint8_t* data, std::size_t size);
inline ModelFile load_model_file(const std::vector<std::uint8_t>& bytes) {
    return load_model_file(bytes.data(), bytes.size());
}
/// The ensemble alone (the objective is read and dropped).
BootstrapEnsemble load_model(const std::uint8_t* data, std::size_t size);
inline BootstrapEnsemble load_model(const std::vector<std::uint8_t>& bytes) {
    return load_model(bytes.data(), bytes.size());
}

} // namespace labelloop
