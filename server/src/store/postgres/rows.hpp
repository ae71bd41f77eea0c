// Shared by the PostgresStore part files (store/postgres/*.cpp): how a statement reaches a
// connection (read / write, defined here because they are templates) and the labeled-compound
// row that both the compounds and the models statements return.
#pragma once

#include "domain/records.hpp"
#include "store/postgres/postgres_store.hpp"

#include <optional>
#include <type_traits>
#include <utility>

namespace labelloop::store {

template <typename Fn>
auto PostgresStore::read(Fn&& fn) -> decltype(fn(std::declval<postgres::Connection&>())) {
    if (postgres::Connection* active = active_connection()) {
        return fn(*active);
    }
    Lease conn = lease();
    return fn(*conn);
}

template <typename Fn>
auto PostgresStore::write(Fn&& fn) -> decltype(fn(std::declval<postgres::Connection&>())) {
    using R = decltype(fn(std::declval<postgres::Connection&>()));
    if (postgres::Connection* active = active_connection()) {
        return fn(*active);
    }
    if constexpr (std::is_void_v<R>) {
        transaction([&] { fn(*active_connection()); });
    } else {
        std::optional<R> out;
        transaction([&] { out.emplace(fn(*active_connection())); });
        return std::move(*out);
    }
}

namespace postgres {

inline domain::LabeledCompound read_labeled(const Row& s) {
    domain::LabeledCompound l;
    l.compound_id = s.column_text(0);
    l.smiles = s.column_text(1);
    l.name = s.column_optional_text(2);
    l.scaffold = s.column_text(3);
    l.features = s.column_blob(4);
    l.label = s.column_double(5);
    l.source = s.column_text(6);
    l.confidence = s.column_text(7);
    l.role = s.column_text(8);
    l.added_version = s.column_int(9);
    return l;
}

} // namespace postgres
} // namespace labelloop::store
