// Shared pieces of the fuzz targets: a private temporary directory for the SQLite file the
// target writes to (removed at exit), the Services over it, and the import call both file
// readers are fuzzed through.
#pragma once

#include "service/errors.hpp"
#include "service/services.hpp"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace labelloop::fuzz {

class FuzzDir {
public:
    FuzzDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "labelloop-fuzz-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create a temporary directory");
        }
        path_ = pattern;
    }
    ~FuzzDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    FuzzDir(const FuzzDir&) = delete;
    FuzzDir& operator=(const FuzzDir&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

/// Services over one SQLite file for the whole fuzzing run.
inline service::Services& fuzz_services() {
    static FuzzDir dir;
    static service::Services services{dir.file("fuzz.db")};
    return services;
}

/// Imports like POST /compounds/import; the service's own refusal (a message for the
/// scientist) is the expected answer to bad input, anything else escapes as a bug.
inline void import_refusing_quietly(const service::ImportRequest& req) {
    try {
        fuzz_services().compounds.import(nullptr, req);
    } catch (const service::ServiceError&) {
    }
}

} // namespace labelloop::fuzz
