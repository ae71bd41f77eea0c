// Fuzz target: CSV import, the whole path a POST /compounds/import takes (RFC 4180 reader,
// RDKit on every SMILES, the database write) on a real SQLite file. Any exception other
// than the service's own refusal, any sanitizer report, is a bug.
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
    req.format = "csv";
    req.content.assign(reinterpret_cast<const char*>(data), size);
    // The first byte picks which optional columns are asked for, so the fuzzer reaches the
    // id, name and label paths too.
    const unsigned flags = size > 0 ? data[0] : 0;
    if ((flags & 1U) != 0) {
        req.id_column = "id";
    }
    if ((flags & 2U) != 0) {
        req.name_column = "name";
    }
    if ((flags & 4U) != 0) {
        req.label_column = "label";
        req.property = "logS";
    }
    if ((flags & 8U) != 0) {
        req.dataset = "fuzz";
    }
    req.all_or_nothing = (flags & 16U) != 0;
    fuzz::import_refusing_quietly(req);
    return 0;
}
