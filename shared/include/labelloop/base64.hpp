// Base64 (RFC 4648, standard alphabet, padded) for binary values carried in JSON: feature
// blobs and model artifacts travel this way between the server and the browser.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace labelloop {

std::string base64_encode(const std::uint8_t* data, std::size_t size);
inline std::string base64_encode(const std::vector<std::uint8_t>& bytes) {
    return base64_encode(bytes.data(), bytes.size());
}

/// Throws std::invalid_argument naming the offending position for anything that is not
/// padded standard base64.
std::vector<std::uint8_t> base64_decode(std::string_view text);

} // namespace labelloop
