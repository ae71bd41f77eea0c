// Fuzz target: SDF import through the service (RDKit's SD reader on hostile text, then the
// database write). Any exception other than the service's own refusal is a bug.
#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace labelloop;

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
    fuzz::import_refusing_quietly(req);
    return 0;
}
