// `labelloop db copy --from FILE --to postgresql://...` (issue 18): a real SQLite database,
// filled through the services (users and tokens, an import, a trained model and its retrained
// version, labels, a skip, sync ops, a conflict kept as a replicate, a job, audit entries),
// is copied by the real binary into a fresh database of the throwaway PostgreSQL server. Every
// table's count matches, the PostgreSQL-backed services authenticate the same tokens, read
// the same artifact bytes and labels, and new rows get ids that do not collide. Refusals (a
// target with rows, a missing / foreign / older source, a table the copy does not know, an
// unreachable server, an unknown user) name their cause and write nothing.
#include "../store_backends.hpp"
#include "../test_support.hpp"

#include "cli/admin_commands.hpp"
#include "cli/db_copy.hpp"
#include "labelloop/version.hpp"
#include "store/database.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/postgres_store.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

using namespace labelloop;
using json = nlohmann::json;
using labelloop::testing::fresh_postgres_database;
using labelloop::testing::shared_postgres_server;

namespace {

/// What the test remembers of the source database to compare with the copy.
struct SourceFacts {
    testing::Team team;
    std::string revoked_token;
    std::string model_id;  // version 1
    std::string model2_id; // the retrained version 2
    std::string job_id;
    domain::QueueItem labeled;    // labelled with notes through the service
    domain::QueueItem conflicted; // labelled by sync, then a conflict kept as a replicate
    std::vector<std::uint8_t> artifact;
    std::vector<std::uint8_t> artifact2;
    std::vector<std::string> compound_order; // list_compounds order (SQLite rowid order)
    std::vector<domain::AuditEntry> audit;   // of `labeled`
    std::string pending_item;                // still pending after the retrain
};

json label_op(const std::string& op_id, const domain::QueueItem& item,
              const testing::SeededUser& who, double value) {
    return {{"op_id", op_id},
            {"kind", "label"},
            {"item_id", item.id},
            {"base_version", item.version},
            {"user_id", who.user.id},
            {"label", value},
            {"source", "literature"},
            {"confidence", "medium"},
            {"created_at", "2026-12-01T09:30:00Z"}};
}

json sync(service::Services& s, const testing::SeededUser& who, const std::vector<json>& ops) {
    return s.sync.sync(who.user, {{"protocol", kSyncProtocolVersion}, {"cursor", 0}, {"ops", ops}});
}

/// A LabelLoop SQLite database with rows in every table, written through the services.
SourceFacts build_source(const std::string& path) {
    SourceFacts f;
    service::Services s(path);
    f.team = testing::seed_team(s);
    const auto old = s.auth.issue_token(&f.team.admin.user, f.team.bob.user.id, "old laptop");
    s.auth.revoke_token(f.team.admin.user, old.token.id);
    f.revoked_token = old.secret;

    const auto model = testing::seed_esol_model(s, 150, 100);
    f.model_id = model.id;
    service::SelectRequest req;
    req.model_id = model.id;
    req.batch_size = 16;
    const auto sel = s.active_learning.select_samples(f.team.admin.user, req);
    REQUIRE(sel.cycle_id);
    REQUIRE(sel.items.size() == 16);
    for (std::size_t i = 0; i < 10; ++i) {
        service::LabelInput in;
        in.label = -1.0 - 0.125 * static_cast<double>(i);
        if (i == 0) {
            in.label = -2.718281828459045; // every digit of a double survives
            in.notes = "measured twice, mean kept";
        }
        s.active_learning.submit_label(f.team.alice.user, sel.items[i].id, in);
    }
    s.active_learning.skip(f.team.bob.user, sel.items[10].id, std::string("insoluble"));
    // Bob labels item 11 by sync; Alice's offline label of it loses and is kept as a replicate.
    const auto item11 = s.store.find_queue_item(sel.items[11].id);
    REQUIRE(sync(s, f.team.bob,
                 {label_op("00000000-0000-4000-8000-000000000001", *item11, f.team.bob,
                           0.5)})["results"][0]["outcome"] == "applied");
    const json lost =
        sync(s, f.team.alice,
             {label_op("00000000-0000-4000-8000-000000000002", *item11, f.team.alice, 0.75)});
    REQUIRE(lost["results"][0]["outcome"] == "conflict");
    s.sync.resolve(f.team.admin.user, lost["results"][0]["conflict_id"].get<std::string>(),
                   "keep_both");

    f.job_id = s.active_learning.trigger_retrain(f.team.admin.user, *sel.cycle_id, 10);
    s.jobs.wait_idle();
    const auto job = s.store.find_job(f.job_id);
    REQUIRE(job);
    REQUIRE(job->status == "succeeded");
    const auto active = s.store.active_model(model.lineage_id);
    REQUIRE(active);
    REQUIRE(active->id != model.id);
    f.model2_id = active->id;

    f.labeled = *s.store.find_queue_item(sel.items[0].id);
    f.conflicted = *s.store.find_queue_item(sel.items[11].id);
    f.pending_item = sel.items[15].id;
    f.artifact = s.store.model_artifact(f.model_id);
    f.artifact2 = s.store.model_artifact(f.model2_id);
    REQUIRE(f.artifact.size() > 1000);
    for (const auto& c : s.store.list_compounds(1000, 0)) {
        f.compound_order.push_back(c.id);
    }
    f.audit = s.store.audit_for("queue_item", f.labeled.id);
    REQUIRE_FALSE(f.audit.empty());
    return f;
}

/// Rows per table of the SQLite file, every table db copy copies.
std::map<std::string, std::int64_t> sqlite_counts(const std::string& path) {
    store::Database db(path);
    std::map<std::string, std::int64_t> out;
    for (const auto& table : cli::copied_tables()) {
        auto s = db.prepare("SELECT COUNT(*) FROM " + table);
        s.step();
        out[table] = s.column_int(0);
    }
    return out;
}

std::int64_t pg_count(const std::string& url, const std::string& sql) {
    store::postgres::Connection c(url);
    return c.exec(sql).row(0).column_int(0);
}

std::int64_t pg_tables(const std::string& url) {
    return pg_count(url, "SELECT COUNT(*) FROM information_schema.tables "
                         "WHERE table_schema = current_schema()");
}

/// Rows in every table of the target (0 for a target without the schema).
std::int64_t pg_rows(const std::string& url) {
    if (pg_tables(url) == 0) {
        return 0;
    }
    std::int64_t n = 0;
    for (const auto& table : cli::copied_tables()) {
        n += pg_count(url, "SELECT COUNT(*) FROM " + table);
    }
    return n;
}

struct CommandResult {
    int exit_code = -1;
    std::string output;
};

/// Runs the real binary (`labelloop ARGS 2>&1`); paths and URLs here have no spaces.
CommandResult run_binary(const std::string& args) {
    const std::string command = std::string(LABELLOOP_SERVER_BINARY) + " " + args + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    CommandResult r;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) {
        r.output.append(buf, n);
    }
    const int status = ::pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

cli::DbCopyReport copy_db(const std::string& from, const std::string& to, std::ostream& out,
                          std::int64_t progress_every = 10000) {
    cli::DbCopyOptions options;
    options.from = from;
    options.to = to;
    options.progress_every = progress_every;
    return cli::copy_database(options, out);
}

} // namespace

TEST_CASE("db copy: a whole SQLite database moves into PostgreSQL, tokens and artifacts "
          "included",
          "[postgres][db_copy]") {
    testing::TempDir dir;
    const std::string source = dir.file("labelloop.db");
    const SourceFacts f = build_source(source);
    const auto expected = sqlite_counts(source);
    for (const auto& [table, rows] : expected) {
        INFO(table);
        CHECK(rows > 0); // the source really covers every table
    }

    const std::string url = shared_postgres_server().url(fresh_postgres_database());
    const std::string bytes_before = file_bytes(source);
    const auto t0 = std::chrono::steady_clock::now();
    const CommandResult run = run_binary("db copy --from " + source + " --to " + url);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    CHECK_THAT(run.output, Catch::Contains("every count matches"));
    CHECK(file_bytes(source) == bytes_before); // the source is only read
    // A read-only connection to a WAL database may leave an empty -wal behind, never frames.
    CHECK(file_bytes(source + "-wal").empty());
    std::int64_t total = 0;
    for (const auto& [table, rows] : expected) {
        INFO(table);
        CHECK(pg_count(url, "SELECT COUNT(*) FROM " + table) == rows);
        // The printed table: name, SQLite count, PostgreSQL count.
        std::ostringstream line;
        line << table << " +" << rows << " +" << rows << "\n";
        CHECK_THAT(run.output, Catch::Matches("(.|\\n)*" + line.str() + "(.|\\n)*"));
        total += rows;
    }
    WARN("db copy of " << total << " rows (the binary, start to exit): " << seconds << " s");

    service::Services pg(url);
    REQUIRE(pg.store.is_postgres());
    // Tokens: the same secrets authenticate the same users; the revoked one stays revoked.
    const auto alice = pg.auth.authenticate(f.team.alice.token);
    REQUIRE(alice);
    CHECK(alice->id == f.team.alice.user.id);
    CHECK(alice->name == "alice");
    CHECK(pg.auth.authenticate(f.team.admin.token)->role == "admin");
    CHECK_FALSE(pg.auth.authenticate(f.revoked_token));
    // Model artifacts, byte for byte, both versions; version 2 is the active one.
    CHECK(pg.store.model_artifact(f.model_id) == f.artifact);
    CHECK(pg.store.model_artifact(f.model2_id) == f.artifact2);
    CHECK(pg.store.active_model(f.model_id)->id == f.model2_id);
    CHECK(pg.store.find_job(f.job_id)->status == "succeeded");
    // A label: value (every digit), who, when, source, notes, version, change order.
    const auto labeled = pg.store.find_queue_item(f.labeled.id);
    REQUIRE(labeled);
    CHECK(labeled->label == f.labeled.label);
    CHECK(labeled->label == std::optional<double>(-2.718281828459045));
    CHECK(labeled->labeled_by == f.team.alice.user.id);
    CHECK(labeled->labeled_at == f.labeled.labeled_at);
    CHECK(labeled->label_source == f.labeled.label_source);
    CHECK(labeled->notes == std::optional<std::string>("measured twice, mean kept"));
    CHECK(labeled->status == f.labeled.status);
    CHECK(labeled->version == f.labeled.version);
    CHECK(labeled->prediction == f.labeled.prediction);
    CHECK(labeled->assigned_to == f.labeled.assigned_to); // NULL stays NULL
    const auto conflicted = pg.store.find_queue_item(f.conflicted.id);
    CHECK(conflicted->label == std::optional<double>(0.5));
    CHECK(conflicted->labeled_by == f.team.bob.user.id);
    CHECK(pg.store.replicate_labels(f.conflicted.id) == std::vector<double>{0.75});
    const auto conflicts = pg.store.list_conflicts("resolved", "");
    REQUIRE(conflicts.size() == 1);
    CHECK(conflicts[0].resolution == std::optional<std::string>("keep_both"));
    // The sync op log answers a replay as before.
    CHECK(pg.store.find_sync_op("00000000-0000-4000-8000-000000000001"));
    // Compounds keep SQLite's insertion order (the PostgreSQL `seq` is assigned in rowid order).
    std::vector<std::string> order;
    for (const auto& c : pg.store.list_compounds(1000, 0)) {
        order.push_back(c.id);
    }
    CHECK(order == f.compound_order);
    // Audit entries, ids included.
    const auto audit = pg.store.audit_for("queue_item", f.labeled.id);
    REQUIRE(audit.size() == f.audit.size());
    for (std::size_t i = 0; i < audit.size(); ++i) {
        CHECK(audit[i].id == f.audit[i].id);
        CHECK(audit[i].action == f.audit[i].action);
        CHECK(audit[i].at == f.audit[i].at);
        CHECK(audit[i].new_value_json == f.audit[i].new_value_json);
    }

    // New rows after the copy: fresh ids past the copied ones, no collision.
    const auto max_audit = pg_count(url, "SELECT MAX(id) FROM audit_log");
    const auto max_replicate = pg_count(url, "SELECT MAX(id) FROM label_replicates");
    const auto max_change = pg_count(url, "SELECT MAX(change_seq) FROM label_queue");
    service::LabelInput in;
    in.label = 1.25;
    const auto after = pg.active_learning.submit_label(f.team.bob.user, f.pending_item, in);
    CHECK(after.label == std::optional<double>(1.25));
    CHECK(pg.store.find_queue_item(f.pending_item)->labeled_by == f.team.bob.user.id);
    CHECK(pg_count(url, "SELECT MAX(id) FROM audit_log") > max_audit);
    CHECK(pg_count(url, "SELECT COUNT(*) FROM audit_log WHERE id > " + std::to_string(max_audit)) >=
          1);
    CHECK(pg_count(url, "SELECT MAX(change_seq) FROM label_queue") > max_change);
    pg.store.transaction([&] {
        pg.store.insert_replicate(f.conflicted.id, conflicts[0].id, 0.8, f.team.admin.user.id,
                                  "2026-12-06T00:00:00Z");
    });
    CHECK(pg_count(url, "SELECT MAX(id) FROM label_replicates") == max_replicate + 1);
    const auto user = pg.auth.create_user(&f.team.admin.user, "carol", "scientist");
    const auto token = pg.auth.issue_token(&f.team.admin.user, user.id, "new");
    CHECK(pg.auth.authenticate(token.secret)->name == "carol");
    const auto compound = testing::insert_compound(pg.store, 777);
    CHECK(pg.store.list_compounds(2000, 0).back().id == compound.id);
}

TEST_CASE("db copy: progress lines for large tables, and a target with rows is refused with "
          "nothing written",
          "[postgres][db_copy]") {
    testing::TempDir dir;
    const std::string source = dir.file("small.db");
    {
        service::Services s(source);
        testing::seed_team(s);
        s.compounds.import(nullptr, testing::esol_import(120));
    }
    const auto expected = sqlite_counts(source);
    const std::string url = shared_postgres_server().url(fresh_postgres_database());
    std::ostringstream out;
    const auto report = copy_db(source, url, out, 50);
    INFO(out.str());
    CHECK(report.counts_match());
    CHECK(report.counts.size() == cli::copied_tables().size());
    CHECK(report.rows_copied == pg_rows(url));
    CHECK_THAT(out.str(), Catch::Contains("compounds: 50 / 120 rows") &&
                              Catch::Contains("compounds: 100 / 120 rows"));
    CHECK_THAT(out.str(), !Catch::Contains("users: ")); // 3 rows: no progress line

    // The same copy again would duplicate everything: refused, naming a table with rows.
    const auto rows_before = pg_rows(url);
    std::ostringstream again;
    CHECK_THROWS_WITH(copy_db(source, url, again), Catch::Contains("already holds data (table ") &&
                                                       Catch::Contains("nothing was copied"));
    CHECK(pg_rows(url) == rows_before);

    // A LabelLoop PostgreSQL database in use, one row in one table: refused the same way.
    const std::string used = shared_postgres_server().url(fresh_postgres_database());
    store::PostgresStore(used).insert_user(
        domain::User{"u-1", "someone", "admin", "2026-12-01T00:00:00Z"});
    CHECK_THROWS_WITH(copy_db(source, used, again),
                      Catch::Contains("already holds data (table users has 1 rows)"));
    CHECK(pg_count(used, "SELECT COUNT(*) FROM users") == 1);
    CHECK(pg_count(used, "SELECT COUNT(*) FROM compounds") == 0);
    CHECK(expected.at("compounds") == 120);
}

TEST_CASE("db copy: a bad source or an unreachable target is refused naming the cause, "
          "nothing written",
          "[postgres][db_copy]") {
    testing::TempDir dir;
    const std::string good = dir.file("good.db");
    {
        service::Services s(good);
        testing::seed_team(s);
    }
    const std::string url = shared_postgres_server().url(fresh_postgres_database());
    std::ostringstream out;

    // A missing file: through the real binary, exit 1 and the cause.
    const auto missing = run_binary("db copy --from " + dir.file("nope.db") + " --to " + url);
    CHECK(missing.exit_code == 1);
    CHECK_THAT(missing.output,
               Catch::Contains("nope.db' does not exist") && Catch::Contains("nothing was copied"));
    CHECK(pg_tables(url) == 0);

    // Not SQLite; SQLite but another application's; a table the copy does not know.
    const std::string text = dir.file("notes.txt");
    std::ofstream(text) << "this is not a database, just a long enough line of text\n";
    CHECK_THROWS_WITH(copy_db(text, url, out), Catch::Contains("file is not a database"));
    const std::string foreign = dir.file("foreign.db");
    store::Database(foreign).exec("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)");
    CHECK_THROWS_WITH(copy_db(foreign, url, out),
                      Catch::Contains("is not a LabelLoop database (it has no schema_version"));
    const std::string extra = dir.file("extra.db");
    std::filesystem::copy_file(good, extra);
    store::Database(extra).exec("CREATE TABLE lab_notebook (id INTEGER PRIMARY KEY, page TEXT)");
    CHECK_THROWS_WITH(copy_db(extra, url, out),
                      Catch::Contains("has a table 'lab_notebook' that db copy does not know"));
    // An older schema version: it must be migrated by this LabelLoop first.
    const std::string older = dir.file("older.db");
    std::filesystem::copy_file(good, older);
    const int latest = store::latest_schema_version();
    store::Database(older).exec("DELETE FROM schema_version WHERE version = " +
                                std::to_string(latest));
    CHECK_THROWS_WITH(copy_db(older, url, out),
                      Catch::Contains("has schema version " + std::to_string(latest - 1)) &&
                          Catch::Contains("labelloop serve --db"));
    CHECK(pg_tables(url) == 0); // none of these touched the target

    // Unreachable server, unknown user (bad credentials), missing database.
    const std::string port = std::to_string(shared_postgres_server().port());
    CHECK_THROWS_WITH(copy_db(good, "postgresql://labelloop@127.0.0.1:1/x", out),
                      Catch::Contains("server unreachable") &&
                          Catch::Contains("nothing was copied"));
    const std::string db = fresh_postgres_database();
    CHECK_THROWS_WITH(
        copy_db(good, "postgresql://nobody_here:secret@127.0.0.1:" + port + "/" + db, out),
        Catch::Contains("bad credentials") && !Catch::Contains("secret"));
    CHECK_THROWS_WITH(
        copy_db(good, "postgresql://labelloop@127.0.0.1:" + port + "/no_such_db", out),
        Catch::Contains("no such database"));
    CHECK(pg_tables(shared_postgres_server().url(db)) == 0);

    // Usage: both ends are required, and the right way round.
    CHECK_THROWS_AS(cli::run_db_command({"copy", "--from", good}), cli::UsageError);
    CHECK_THROWS_AS(cli::run_db_command({"copy", "--from", url, "--to", url}), cli::UsageError);
    CHECK_THROWS_AS(cli::run_db_command({"copy", "--from", good, "--to", good}), cli::UsageError);
    CHECK_THROWS_AS(cli::run_db_command({"move"}), cli::UsageError);
}
