// Users, roles and API tokens. Tokens are random 256-bit strings shown once; only their
// SHA-256 is stored, so a copied database does not leak working credentials.
#pragma once

#include "domain/records.hpp"
#include "store/store.hpp"

#include <optional>
#include <string>
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
};

void require_admin(const domain::User& caller, const std::string& action);

} // namespace labelloop::service
