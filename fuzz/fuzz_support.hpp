// Shared pieces of the fuzz targets: a private temporary directory for the SQLite file the
// target writes to (removed at exit), and the Services over it.
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

} // namespace labelloop::fuzz
