// Offline labeling and sync: the operation log a browser keeps while it labels without a
// network, and the merge rules both sides apply when the log reaches the server. Pure values
// and functions: the server wraps `decide` in one SQL transaction, the browser keeps an
// OpLog in its local store and overlays it on its queue snapshot with `apply_local`.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace labelloop::sync {

/// A malformed operation or log (names the field and the problem).
class SyncError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

enum class OpKind {
    Label,  // a measured value for a queue item
    Skip,   // the scientist passes on a queue item
    Select, // a batch chosen in the browser (admin), to add to the queue
};

/// One local change, made offline or online, waiting to reach the server. `op_id` is a
/// client-generated UUID: the server applies an op id at most once.
struct Op {
    std::string op_id;
    OpKind kind = OpKind::Label;
    std::string item_id;
    std::int64_t base_version = 0; // the item's version when the scientist acted on it
    std::string user_id;           // who acted (must be the caller on the server)
    std::string created_at;        // client clock, ISO-8601 (informational)
    // Label ops only.
    double label = 0.0;
    std::string source = "experimental"; // experimental | literature | expert_estimate
    std::string confidence = "high";     // high | medium | low
    std::optional<std::string> notes;
    // Select ops only: the selection request, as POST /active-learning/select takes it
    // ({"model_id", "strategy", "batch_size", "pool": {"kind": "compounds", ...}, ...}).
    // `item_id` of a select op is its op_id (it targets no existing item).
    nlohmann::json selection;
};

/// {"op_id", "kind": "label"|"skip"|"select", "item_id", "base_version", "user_id", "created_at",
///  "label", "source", "confidence", "notes", "selection"} (label fields only for label ops,
///  selection only for select ops).
nlohmann::json to_json(const Op& op);
/// Strict: every required field present with its type, a finite label, known source and
/// confidence, an op id that looks like a UUID; throws SyncError naming the field.
Op parse_op(const nlohmann::json& j);
const char* kind_name(OpKind kind);

/// What the server knows about the item an op targets, at the moment it applies the op.
struct ItemView {
    std::string status; // pending | in_progress | labeled | skipped | archived
    std::int64_t version = 0;
    std::optional<std::string> assigned_to;
    std::optional<std::string> labeled_by;
    std::optional<double> label;
};

enum class Outcome {
    Applied,    // the change is made
    Superseded, // nothing to do: the item already says the same, or a skip came too late
    Conflict,   // a label that cannot be applied is kept as a conflict record, never dropped
    Rejected,   // the op is invalid for this item (it can never apply)
};
const char* outcome_name(Outcome outcome);

struct Decision {
    Outcome outcome = Outcome::Applied;
    std::string reason;  // machine code: "", "labeled_by_other", "archived", ...
    std::string message; // for the scientist
};

/// The merge rules. A label is a lab measurement: it is applied to an open (or skipped) item
/// even if the item's assignment or scores changed meanwhile (base_version differs), and
/// when it cannot be applied (someone else labeled the item, a retrain archived it, it was
/// given to another scientist) it becomes a conflict for an admin to resolve. A skip carries
/// no data: when the item is no longer open it is simply superseded.
Decision decide(const ItemView& item, const Op& op, bool caller_is_admin);
/// A proposed selection applies when an admin made it; the server retargets it to the
/// lineage's active version when a retrain happened meanwhile, and compounds queued
/// meanwhile count as duplicates, never twice.
Decision decide_select(const Op& op, bool caller_is_admin);

/// The outcome the server reported for one op of a sync.
struct OpResult {
    std::string op_id;
    Outcome outcome = Outcome::Applied;
    std::string reason;
    std::string message;
    bool duplicate = false; // this op id had been applied by an earlier sync
    std::optional<std::string> conflict_id;
};
nlohmann::json to_json(const OpResult& r);
OpResult parse_op_result(const nlohmann::json& j);

/// The browser's log of changes not yet acknowledged by the server. At most one op per item:
/// a second action on an item with a waiting op is refused (the item already shows the
/// first one). Ops leave the log only when the server reports their outcome, so an op whose
/// sync was cut off is sent again and the server's op-id check makes that harmless.
class OpLog {
public:
    /// Adds `op` (validated as by parse_op); throws SyncError when the item already has a
    /// waiting op or the op id is taken.
    void add(const Op& op);
    const std::vector<Op>& ops() const { return ops_; }
    std::size_t size() const { return ops_.size(); }
    bool empty() const { return ops_.empty(); }
    const Op* find_for_item(const std::string& item_id) const;
    /// The first `max_ops` ops, oldest first: what one sync request carries.
    std::vector<Op> batch(std::size_t max_ops) const;
    /// Removes every op the server answered for (any outcome); returns how many were removed.
    std::size_t acknowledge(const std::vector<OpResult>& results);

    nlohmann::json to_json() const; // {"format": 1, "ops": [...]}
    /// Throws SyncError for a log in an unknown format or with a malformed op.
    static OpLog from_json(const nlohmann::json& j);

private:
    std::vector<Op> ops_;
};

/// How the browser shows an item while its op waits: the server's view with the op applied
/// (a label makes it labeled by the op's user, a skip makes an open item skipped).
ItemView apply_local(const ItemView& server_view, const Op& op);

} // namespace labelloop::sync
