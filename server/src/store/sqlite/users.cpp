// SqliteStore statements for users and API tokens (tables users, api_tokens).
#include "store/sqlite/rows.hpp"
#include "store/sqlite_store.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::sqlite;

const char* const kUserColumns = "u.id, u.name, u.role, u.created_at";

User read_user(const Statement& s) {
    return User{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3)};
}

} // namespace

void SqliteStore::insert_user(const User& user) {
    connection()
        .prepare("INSERT INTO users(id, name, role, created_at) VALUES (?, ?, ?, ?)")
        .bind(1, user.id)
        .bind(2, user.name)
        .bind(3, user.role)
        .bind(4, user.created_at)
        .run();
}

std::optional<User> SqliteStore::find_user(const std::string& id) {
    auto s = connection().prepare(std::string("SELECT ") + kUserColumns +
                                  " FROM users u WHERE u.id = ?");
    s.bind(1, id);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_user(s);
}

std::optional<User> SqliteStore::find_user_by_name(const std::string& name) {
    auto s = connection().prepare(std::string("SELECT ") + kUserColumns +
                                  " FROM users u WHERE u.name = ?");
    s.bind(1, name);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_user(s);
}

std::vector<User> SqliteStore::list_users() {
    auto s = connection().prepare(std::string("SELECT ") + kUserColumns +
                                  " FROM users u ORDER BY u.name");
    std::vector<User> out;
    while (s.step()) {
        out.push_back(read_user(s));
    }
    return out;
}

void SqliteStore::insert_token(const ApiToken& token, const std::string& token_hash) {
    connection()
        .prepare("INSERT INTO api_tokens(id, user_id, token_hash, label, created_at) "
                 "VALUES (?, ?, ?, ?, ?)")
        .bind(1, token.id)
        .bind(2, token.user_id)
        .bind(3, token_hash)
        .bind(4, token.label)
        .bind(5, token.created_at)
        .run();
}

std::optional<User> SqliteStore::find_user_by_token_hash(const std::string& hash) {
    auto s = connection().prepare(std::string("SELECT ") + kUserColumns +
                                  " FROM api_tokens t JOIN users u ON u.id = t.user_id"
                                  " WHERE t.token_hash = ? AND t.revoked_at IS NULL");
    s.bind(1, hash);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_user(s);
}

std::vector<ApiToken> SqliteStore::list_tokens(const std::string& user_id) {
    auto s = connection().prepare("SELECT id, user_id, label, created_at, revoked_at "
                                  "FROM api_tokens WHERE user_id = ? ORDER BY created_at");
    s.bind(1, user_id);
    std::vector<ApiToken> out;
    while (s.step()) {
        out.push_back(ApiToken{s.column_text(0), s.column_text(1), s.column_text(2),
                               s.column_text(3), s.column_optional_text(4)});
    }
    return out;
}

std::optional<ApiToken> SqliteStore::find_token(const std::string& token_id) {
    auto s = connection().prepare("SELECT id, user_id, label, created_at, revoked_at "
                                  "FROM api_tokens WHERE id = ?");
    s.bind(1, token_id);
    if (!s.step()) {
        return std::nullopt;
    }
    return ApiToken{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
                    s.column_optional_text(4)};
}

void SqliteStore::revoke_token(const std::string& token_id, const std::string& at) {
    connection()
        .prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
        .bind(1, at)
        .bind(2, token_id)
        .run();
}

} // namespace labelloop::store
