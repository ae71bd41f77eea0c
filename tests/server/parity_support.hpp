// What the parity tests share: running a MinimalLib script from tests/parity under node over a
// CSV file (one JSON line per data row, keyed by the row's line number) and reading a file.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace labelloop::testing {

/// `node tests/parity/SCRIPT CSV COLUMN`, its lines parsed and keyed by their "row".
inline std::map<int, nlohmann::json>
run_minimallib(const std::string& script, const std::string& csv, const std::string& column) {
    const std::string cmd = "node '" LABELLOOP_SOURCE_DIR "/tests/parity/" + script + "' '" + csv +
                            "' '" + column + "'";
    FILE* pipe = popen(cmd.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    char buf[65536];
    std::size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) {
        out.append(buf, n);
    }
    REQUIRE(pclose(pipe) == 0);
    std::map<int, nlohmann::json> rows;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) {
            auto j = nlohmann::json::parse(line);
            const int row = j["row"].get<int>();
            rows[row] = std::move(j);
        }
    }
    return rows;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace labelloop::testing
