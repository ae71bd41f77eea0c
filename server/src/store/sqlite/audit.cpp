// SqliteStore statements for the audit log (table audit_log).
#include "store/sqlite/rows.hpp"
#include "store/sqlite_store.hpp"

namespace labelloop::store {
namespace {

using namespace labelloop::domain;
using namespace labelloop::store::sqlite;
} // namespace

void SqliteStore::insert_audit(const AuditEntry& e) {
    auto s = connection().prepare("INSERT INTO audit_log(user_id, action, entity_type, "
                                  "entity_id, old_value, new_value, at) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?)");
    bind_opt(s, 1, e.user_id);
    s.bind(2, e.action).bind(3, e.entity_type).bind(4, e.entity_id);
    bind_opt(s, 5, e.old_value_json);
    bind_opt(s, 6, e.new_value_json);
    s.bind(7, e.at).run();
}

std::vector<AuditEntry> SqliteStore::audit_for(const std::string& entity_type,
                                               const std::string& entity_id) {
    auto s = connection().prepare("SELECT id, user_id, action, entity_type, entity_id, "
                                  "old_value, new_value, at FROM audit_log "
                                  "WHERE entity_type = ? AND entity_id = ? ORDER BY id");
    s.bind(1, entity_type).bind(2, entity_id);
    std::vector<AuditEntry> out;
    while (s.step()) {
        out.push_back(AuditEntry{s.column_int(0), s.column_optional_text(1), s.column_text(2),
                                 s.column_text(3), s.column_text(4), s.column_optional_text(5),
                                 s.column_optional_text(6), s.column_text(7)});
    }
    return out;
}

} // namespace labelloop::store
