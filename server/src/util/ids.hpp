// Identifiers, timestamps and token hashing shared by the server's layers.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace labelloop::util {

/// A random (version 4) UUID, lowercase with dashes.
std::string new_uuid();

/// Now as ISO-8601 UTC with milliseconds, e.g. "2026-11-24T15:31:24.123Z". Strings in this
/// form sort in time order, which the store relies on.
std::string utc_now();
/// `at` in the same form.
std::string utc_at(std::chrono::system_clock::time_point at);

/// A new API token: "ll_" followed by 64 hex digits (256 random bits from the OS).
std::string new_token();

/// SHA-256 of `data` as 64 lowercase hex digits (tokens are stored only as this hash).
std::string sha256_hex(std::string_view data);

} // namespace labelloop::util
