// Binding and reading helpers shared by the SqliteStore part files (store/sqlite/*.cpp):
// optional values to and from NULL, and the labeled-compound row that both the compounds
// (imported labels) and the models (training / validation members) statements return.
#pragma once

#include "domain/records.hpp"
#include "store/database.hpp"

#include <optional>
#include <string>

namespace labelloop::store::sqlite {

inline void bind_opt(Statement& s, int i, const std::optional<std::string>& v) {
    if (v) {
        s.bind(i, *v);
    } else {
        s.bind_null(i);
    }
}

inline void bind_opt(Statement& s, int i, const std::optional<double>& v) {
    if (v) {
        s.bind(i, *v);
    } else {
        s.bind_null(i);
    }
}

inline std::optional<double> opt_double(const Statement& s, int c) {
    if (s.is_null(c)) {
        return std::nullopt;
    }
    return s.column_double(c);
}

inline domain::LabeledCompound read_labeled(const Statement& s) {
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

} // namespace labelloop::store::sqlite
