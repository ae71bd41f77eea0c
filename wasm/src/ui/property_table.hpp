// The small "name | value" table of RDKit descriptors the Labeling and Structure tabs show.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace labelloop::app {

struct PropertyRow {
    const char* key;   // RDKit MinimalLib descriptor name
    const char* label; // what the scientist reads
};

/// Counts (a whole number) without decimals, anything else with two: "11", "504.44".
std::string format_property(double value);

/// Draws the rows whose key `descriptors` holds as a number, as a two-column table `id`.
void draw_property_table(const char* id, const nlohmann::json& descriptors, const PropertyRow* rows,
                         std::size_t n_rows);

} // namespace labelloop::app
