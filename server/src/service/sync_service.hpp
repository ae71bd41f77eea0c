// POST /api/v1/sync: a browser pushes the changes it made (possibly offline) and pulls what
// changed on the server since its cursor. The merge rules are the core's (labelloop/sync.hpp);
// this service applies them in one transaction, remembers every op id so a replay changes
// nothing, and keeps every label that loses a race as a conflict for an admin to resolve.
#pragma once

#include "domain/records.hpp"
#include "labelloop/sync.hpp"
#include "service/active_learning_service.hpp"
#include "store/store.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace labelloop::service {

class SyncService {
public:
    /// Most ops one sync request may carry, and most changed items one answer returns.
    static constexpr std::size_t kMaxOps = 1000;
    static constexpr std::int64_t kMaxChanges = 2000;

    SyncService(store::Store& store, ActiveLearningService& active_learning)
        : store_(store), al_(active_learning) {}

    /// The whole sync exchange. Body: {"protocol", "client_id"?, "cursor", "ops": [...]}.
    /// Answer: {"protocol", "results": [...], "changes": [queue items], "cursor", "more",
    /// "conflicts": [...open conflicts the caller may see], "server_time"}. A malformed body,
    /// a wrong protocol or an op on someone else's behalf changes nothing.
    nlohmann::json sync(const domain::User& caller, const nlohmann::json& body);

    /// status "open" | "resolved" | "" (all). Scientists see the conflicts they raised and
    /// those on items they labeled; admins see every conflict.
    std::vector<domain::LabelConflict> list_conflicts(const domain::User& caller,
                                                      const std::string& status);
    /// Admin: accept_existing (the stored label stays), accept_incoming (the conflicting label
    /// replaces it) or keep_both (both stay as replicate measurements; training uses their
    /// mean). 409 when already resolved.
    domain::LabelConflict resolve(const domain::User& caller, const std::string& conflict_id,
                                  const std::string& resolution);

private:
    void apply_selection(const domain::User& caller, const sync::Op& op, sync::OpResult& result);
    store::Store& store_;
    ActiveLearningService& al_;
};

nlohmann::json to_json(const domain::LabelConflict& conflict);

} // namespace labelloop::service
