// Users, roles and API tokens. Tokens are random 256-bit strings shown once; only their
// SHA-256 is stored, so a copied database does not leak working credentials. Authenticated
// tokens are cached in memory (hash -> user) and the cache is dropped on every revocation.
#pragma once

#include "domain/records.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace labelloop::service {

struct IssuedToken {
    domain::ApiToken token;
    std::string secret; // the clear token: shown once, never stored
};

class AuthService {
public:
    explicit AuthService(store::Store& store) : store_(store) {}

    /// The user behind a bearer token, or nullopt for an unknown or revoked token.
    std::optional<domain::User> authenticate(const std::string& token);

    /// Creates a user; `caller` must be an admin (nullptr: trusted local CLI).
    domain::User create_user(const domain::User* caller, const std::string& name,
                             const std::string& role);
    IssuedToken issue_token(const domain::User* caller, const std::string& user_id,
                            const std::string& label);
    void revoke_token(const domain::User& caller, const std::string& token_id);
    std::vector<domain::User> list_users(const domain::User& caller);
    std::vector<domain::ApiToken> list_tokens(const domain::User& caller,
                                              const std::string& user_id);
    domain::User get_user(const std::string& id);

private:
    store::Store& store_;
    // Only successful lookups are cached: a token issued by another process (the CLI) is
    // found in the database on first use. Revocation happens in this process (API), which
    // clears the cache inside the revoking transaction's lifetime.
    std::mutex cache_mutex_;
    std::unordered_map<std::string, domain::User> cache_;
    // Bumped by every revocation: a lookup that read the database before a revocation
    // must not put its (possibly revoked) answer into the cache after it.
    std::uint64_t generation_ = 0;
};

/// Compares two strings in time that depends only on their lengths, not their contents.
bool constant_time_equals(std::string_view a, std::string_view b);

void require_admin(const domain::User& caller, const std::string& action);

} // namespace labelloop::service
