// TEMPORARY: stands in for model_engine.cpp until the core library's implementations
// (ensemble, sampling, model format) are merged into main; it is deleted then. Every call
// fails with a clear message, so the queue, users and import paths work and are tested.
#include "service/model_engine.hpp"

#include <stdexcept>

namespace labelloop::service::engine {
namespace {
[[noreturn]] void unavailable() {
    throw std::runtime_error("model training and scoring are not available in this build "
                             "(core library not merged yet)");
}
} // namespace

TrainResult train(const std::string&, const std::vector<TrainingRow>&,
                  const std::vector<TrainingRow>&, const nlohmann::json&,
                  const std::function<void(double)>&) {
    unavailable();
}
nlohmann::json evaluate(const std::vector<std::uint8_t>&, const std::vector<TrainingRow>&) {
    unavailable();
}
Selection select(const std::string&, const std::vector<std::uint8_t>&,
                 const std::vector<std::vector<std::uint8_t>>&, const SelectionSpec&) {
    unavailable();
}
std::vector<Neighbor> similar(const std::vector<std::uint8_t>&,
                              const std::vector<std::vector<std::uint8_t>>&, std::size_t,
                              std::optional<std::size_t>) {
    unavailable();
}
std::vector<std::uint8_t> encode_features(const Fingerprint&,
                                          const std::map<std::string, double>&) {
    unavailable();
}
void check_artifact(const std::vector<std::uint8_t>&) {
    unavailable();
}

} // namespace labelloop::service::engine
