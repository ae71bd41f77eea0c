// Base64 (RFC 4648, with padding) for binary fields in JSON, e.g. encoded features.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace labelloop::http {

std::string base64_encode(const std::vector<std::uint8_t>& bytes);

} // namespace labelloop::http
