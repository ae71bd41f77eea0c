// Fuzz target: SDF import through the service (RDKit's SD reader on hostile text, then the
// database write). Any exception other than the service's own refusal is a bug.
#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace labelloop;

namespace {

struct World {
    fuzz::FuzzDir dir;
    service::Services services{dir.file("fuzz.db")};
};

World& world() {
    static World w;
    return w;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) {
        return 0;
    }
    service::ImportRequest req;
    req.format = "sdf";
    req.content.assign(reinterpret_cast<const char*>(data), size);
    const unsigned flags = size > 0 ? data[size - 1] : 0;
    if ((flags & 1U) != 0) {
        req.id_column = "ID";
    }
    if ((flags & 2U) != 0) {
        req.label_column = "logS";
        req.property = "logS";
    }
    try {
        world().services.compounds.import(nullptr, req);
    } catch (const service::ServiceError&) {
    }
    return 0;
}
