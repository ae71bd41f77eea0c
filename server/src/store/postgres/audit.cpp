// PostgresStore statements for the audit log (table audit_log).
#include "store/postgres/rows.hpp"

namespace labelloop::store {

using namespace labelloop::domain;
using namespace labelloop::store::postgres;

void PostgresStore::insert_audit(const AuditEntry& e) {
    write([&](Connection& db) {
        db.exec("INSERT INTO audit_log(user_id, action, entity_type, entity_id, old_value, "
                "new_value, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                Params()
                    .opt(e.user_id)
                    .text(e.action)
                    .text(e.entity_type)
                    .text(e.entity_id)
                    .opt(e.old_value_json)
                    .opt(e.new_value_json)
                    .text(e.at));
    });
}

std::vector<AuditEntry> PostgresStore::audit_for(const std::string& entity_type,
                                                 const std::string& entity_id) {
    return read([&](Connection& db) {
        auto r = db.exec("SELECT id, user_id, action, entity_type, entity_id, old_value, "
                         "new_value, at FROM audit_log WHERE entity_type = $1 AND entity_id = $2 "
                         "ORDER BY id",
                         Params().text(entity_type).text(entity_id));
        std::vector<AuditEntry> out;
        for (int i = 0; i < r.rows(); ++i) {
            const Row s = r.row(i);
            out.push_back(AuditEntry{s.column_int(0), s.column_optional_text(1), s.column_text(2),
                                     s.column_text(3), s.column_text(4), s.column_optional_text(5),
                                     s.column_optional_text(6), s.column_text(7)});
        }
        return out;
    });
}

} // namespace labelloop::store
