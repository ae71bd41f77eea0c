// PostgresStore statements for users and API tokens (tables users, api_tokens).
#include "store/postgres/rows.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::postgres;

const char* const kUserColumns = "u.id, u.name, u.role, u.created_at";

User read_user(const Row& s) {
    return User{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3)};
}

ApiToken read_token(const Row& s) {
    return ApiToken{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
                    s.column_optional_text(4)};
}

std::optional<User> first_user(const Result& r) {
    if (r.empty()) {
        return std::nullopt;
    }
    return read_user(r.row(0));
}

} // namespace

void PostgresStore::insert_user(const User& user) {
    write([&](Connection& db) {
        db.exec("INSERT INTO users(id, name, role, created_at) VALUES ($1, $2, $3, $4)",
                Params().text(user.id).text(user.name).text(user.role).text(user.created_at));
    });
}

std::optional<User> PostgresStore::find_user(const std::string& id) {
    return read([&](Connection& db) {
        return first_user(
            db.exec(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.id = $1",
                    Params().text(id)));
    });
}

std::optional<User> PostgresStore::find_user_by_name(const std::string& name) {
    return read([&](Connection& db) {
        return first_user(
            db.exec(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.name = $1",
                    Params().text(name)));
    });
}

std::vector<User> PostgresStore::list_users() {
    return read([&](Connection& db) {
        // COLLATE "C": byte order, as SQLite's BINARY collation sorts.
        auto r = db.exec(std::string("SELECT ") + kUserColumns +
                         " FROM users u ORDER BY u.name COLLATE \"C\"");
        std::vector<User> out;
        for (int i = 0; i < r.rows(); ++i) {
            out.push_back(read_user(r.row(i)));
        }
        return out;
    });
}

void PostgresStore::insert_token(const ApiToken& token, const std::string& token_hash) {
    write([&](Connection& db) {
        db.exec("INSERT INTO api_tokens(id, user_id, token_hash, label, created_at) "
                "VALUES ($1, $2, $3, $4, $5)",
                Params()
                    .text(token.id)
                    .text(token.user_id)
                    .text(token_hash)
                    .text(token.label)
                    .text(token.created_at));
    });
}

std::optional<User> PostgresStore::find_user_by_token_hash(const std::string& hash) {
    return read([&](Connection& db) {
        return first_user(db.exec(std::string("SELECT ") + kUserColumns +
                                      " FROM api_tokens t JOIN users u ON u.id = t.user_id"
                                      " WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
                                  Params().text(hash)));
    });
}

std::vector<ApiToken> PostgresStore::list_tokens(const std::string& user_id) {
    return read([&](Connection& db) {
        auto r = db.exec("SELECT id, user_id, label, created_at, revoked_at FROM api_tokens "
                         "WHERE user_id = $1 ORDER BY created_at COLLATE \"C\"",
                         Params().text(user_id));
        std::vector<ApiToken> out;
        for (int i = 0; i < r.rows(); ++i) {
            out.push_back(read_token(r.row(i)));
        }
        return out;
    });
}

std::optional<ApiToken> PostgresStore::find_token(const std::string& token_id) {
    return read([&](Connection& db) -> std::optional<ApiToken> {
        auto r = db.exec("SELECT id, user_id, label, created_at, revoked_at FROM api_tokens "
                         "WHERE id = $1",
                         Params().text(token_id));
        if (r.empty()) {
            return std::nullopt;
        }
        return read_token(r.row(0));
    });
}

void PostgresStore::revoke_token(const std::string& token_id, const std::string& at) {
    write([&](Connection& db) {
        db.exec("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                Params().text(at).text(token_id));
    });
}

} // namespace labelloop::store
