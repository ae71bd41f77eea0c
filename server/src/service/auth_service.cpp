#include "service/auth_service.hpp"

#include "service/errors.hpp"
#include "util/ids.hpp"

namespace labelloop::service {

void require_admin(const domain::User& caller, const std::string& action) {
    if (caller.role != "admin") {
        fail(ErrorKind::Forbidden, "Only an admin may " + action + "; you are signed in as " +
                                       caller.name + " (" + caller.role + ").");
    }
}

bool constant_time_equals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = static_cast<unsigned char>(
            diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
    }
    return diff == 0;
}

std::optional<domain::User> AuthService::authenticate(const std::string& token) {
    // Tokens are 43 characters of base64url; anything far longer is not worth hashing.
    if (token.empty() || token.size() > 512) {
        return std::nullopt;
    }
    // Lookups go by the SHA-256 of the presented token, never by the token itself: how long
    // a lookup takes can only tell an attacker about hash prefixes, which does not help
    // forge a token. The final check compares the whole hash in constant time anyway.
    const std::string hash = util::sha256_hex(token);
    std::uint64_t generation = 0;
    {
        std::lock_guard<std::mutex> lock(cache_mutex_);
        auto it = cache_.find(hash);
        if (it != cache_.end() && constant_time_equals(it->first, hash)) {
            return it->second;
        }
        generation = generation_;
    }
    auto user = store_.find_user_by_token_hash(hash);
    if (user) {
        std::lock_guard<std::mutex> lock(cache_mutex_);
        if (generation != generation_) {
            return user; // a revocation ran meanwhile: answer, but do not cache
        }
        if (cache_.size() >= 10000) {
            cache_.clear(); // bounded: tokens are few, this only guards against churn
        }
        cache_.emplace(hash, *user);
    }
    return user;
}

domain::User AuthService::create_user(const domain::User* caller, const std::string& name,
                                      const std::string& role) {
    if (caller != nullptr) {
        require_admin(*caller, "add users");
    }
    if (name.empty() || name.size() > 100) {
        fail(ErrorKind::InvalidValue, "A user name must have 1 to 100 characters.",
             {{"field", "name"}});
    }
    if (role != "admin" && role != "scientist") {
        fail(ErrorKind::InvalidValue, "Unknown role '" + role + "': use admin or scientist.",
             {{"field", "role"}});
    }
    domain::User user{util::new_uuid(), name, role, util::utc_now()};
    store_.transaction([&] {
        if (store_.find_user_by_name(name)) {
            fail(ErrorKind::Conflict, "A user named '" + name + "' already exists.");
        }
        store_.insert_user(user);
        store_.insert_audit({0, caller ? std::optional<std::string>(caller->id) : std::nullopt,
                             "user.create", "user", user.id, std::nullopt,
                             nlohmann::json{{"name", name}, {"role", role}}.dump(),
                             user.created_at});
    });
    return user;
}

IssuedToken AuthService::issue_token(const domain::User* caller, const std::string& user_id,
                                     const std::string& label) {
    if (caller != nullptr) {
        require_admin(*caller, "issue tokens");
    }
    IssuedToken issued;
    issued.secret = util::new_token();
    issued.token = domain::ApiToken{util::new_uuid(), user_id, label, util::utc_now(), {}};
    store_.transaction([&] {
        if (!store_.find_user(user_id)) {
            fail(ErrorKind::NotFound, "There is no user with id " + user_id + ".");
        }
        store_.insert_token(issued.token, util::sha256_hex(issued.secret));
        store_.insert_audit({0, caller ? std::optional<std::string>(caller->id) : std::nullopt,
                             "token.issue", "user", user_id, std::nullopt,
                             nlohmann::json{{"token_id", issued.token.id}}.dump(),
                             issued.token.created_at});
    });
    return issued;
}

void AuthService::revoke_token(const domain::User& caller, const std::string& token_id) {
    require_admin(caller, "revoke tokens");
    store_.transaction([&] {
        auto token = store_.find_token(token_id);
        if (!token) {
            fail(ErrorKind::NotFound, "There is no token with id " + token_id + ".");
        }
        const std::string now = util::utc_now();
        store_.revoke_token(token_id, now);
        store_.insert_audit({0, caller.id, "token.revoke", "user", token->user_id, std::nullopt,
                             nlohmann::json{{"token_id", token_id}}.dump(), now});
    });
    // After the commit: a request racing the revocation may still pass once, but none that
    // starts after this answer is sent.
    std::lock_guard<std::mutex> lock(cache_mutex_);
    ++generation_;
    cache_.clear();
}

std::vector<domain::User> AuthService::list_users(const domain::User& caller) {
    require_admin(caller, "list users");
    return store_.list_users();
}

std::vector<domain::ApiToken> AuthService::list_tokens(const domain::User& caller,
                                                       const std::string& user_id) {
    require_admin(caller, "list tokens");
    get_user(user_id);
    return store_.list_tokens(user_id);
}

domain::User AuthService::get_user(const std::string& id) {
    return found_or_not_found(store_.find_user(id), "user", id);
}

} // namespace labelloop::service
