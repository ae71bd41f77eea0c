// Fuzz target: the JSON request body of every endpoint that takes one, driven in process
// through the same wrapped handlers httplib runs (authentication, body limits, services,
// error mapping) over a real SQLite file seeded with users, a trained model, a cycle and
// queue items. The route table is walked, so a new endpoint (sync...) is fuzzed as soon as
// it is registered; its seed goes to fuzz/corpus/api_json/.
//
// Input: "METHOD /api/v1/template/{param}\n" + who ("admin" | "scientist" | "other" |
// "none") + "\n" + body. In the body, {me}, {item_id} and {model_id} become the caller's user
// id, a queue item and the model (so sync ops can reach their real paths). A 5xx answer or
// an escaping exception is a bug.
#include "cli/demo_setup.hpp"
#include "fuzz_support.hpp"

#include "http/api_router.hpp"
#include "util/ids.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

using namespace labelloop;

namespace {

struct World {
    fuzz::FuzzDir dir;
    service::Services s{dir.file("fuzz.db")};
    httplib::Server server; // never listens: only holds the routes
    http::ApiRouter router{server};
    std::string admin_token, scientist_token, other_token;
    std::string other_id, model_id, cycle_id, token_id, admin_id, scientist_id;
    std::vector<std::string> item_ids;

    World() {
        http::add_admin_routes(router, s);
        http::add_queue_routes(router, s);
        http::add_model_routes(router, s);
        http::add_compound_routes(router, s);
        http::add_sync_routes(router, s);
        const auto admin = s.auth.create_user(nullptr, "admin", "admin");
        const auto sci = s.auth.create_user(nullptr, "alice", "scientist");
        const auto other = s.auth.create_user(nullptr, "bob", "scientist");
        admin_token = s.auth.issue_token(nullptr, admin.id, "fuzz").secret;
        scientist_token = s.auth.issue_token(nullptr, sci.id, "fuzz").secret;
        const auto issued = s.auth.issue_token(nullptr, other.id, "fuzz");
        other_token = issued.secret;
        token_id = issued.token.id;
        other_id = other.id;
        admin_id = admin.id;
        scientist_id = sci.id;
        // A small trained model with a queue: select, label, retrain reach their real paths.
        std::ifstream in(LABELLOOP_SOURCE_DIR "/assets/demo/esol.csv");
        const std::string csv{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        const auto imported = s.compounds.import(nullptr, cli::esol_import_request(csv, 80));
        service::CreateModelRequest m;
        m.name = "fuzz";
        m.property = "logS";
        m.dataset = "esol";
        m.compound_ids.assign(imported.compound_ids.begin(), imported.compound_ids.begin() + 50);
        m.params = {{"n_members", 4}, {"boosting_rounds", 5}, {"seed", 1}};
        model_id = s.models.create_model(nullptr, m).id;
        service::SelectRequest sel;
        sel.model_id = model_id;
        sel.batch_size = 20;
        const auto selected = s.active_learning.select_samples(admin, sel);
        cycle_id = *selected.cycle_id;
        for (const auto& q : selected.items) {
            item_ids.push_back(q.id);
        }
        s.active_learning.assign(admin, item_ids[1], other.id);
    }

    std::string fill(const std::string& templ, std::size_t salt) const {
        static const std::regex param(R"(\{([a-z_]+)\})");
        std::string out;
        auto last = templ.cbegin();
        for (auto it = std::sregex_iterator(templ.begin(), templ.end(), param);
             it != std::sregex_iterator(); ++it) {
            out.append(last, templ.cbegin() + it->position());
            const std::string name = (*it)[1].str();
            if (name == "item_id") {
                out += item_ids[salt % item_ids.size()];
            } else if (name == "user_id") {
                out += other_id;
            } else if (name == "model_id") {
                out += model_id;
            } else if (name == "cycle_id") {
                out += cycle_id;
            } else if (name == "token_id") {
                out += token_id;
            } else {
                out += util::new_uuid();
            }
            last = templ.cbegin() + it->position() + it->length();
        }
        out.append(last, templ.cend());
        return out;
    }
};

World& world() {
    static World w;
    return w;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    const auto eol1 = input.find('\n');
    if (eol1 == std::string::npos) {
        return 0;
    }
    const auto eol2 = input.find('\n', eol1 + 1);
    if (eol2 == std::string::npos) {
        return 0;
    }
    const std::string route = input.substr(0, eol1);
    const std::string who = input.substr(eol1 + 1, eol2 - eol1 - 1);
    World& w = world();
    const http::RouteDoc* doc = nullptr;
    for (const auto& r : w.router.routes()) {
        std::string upper = r.method;
        for (auto& ch : upper) {
            ch = static_cast<char>(ch - ('a' <= ch && ch <= 'z' ? 'a' - 'A' : 0));
        }
        if (route == upper + " " + r.path) {
            doc = &r;
        }
    }
    if (doc == nullptr) {
        return 0;
    }
    httplib::Request req;
    req.method = route.substr(0, route.find(' '));
    req.path = w.fill(doc->path, size);
    req.body = input.substr(eol2 + 1);
    const auto substitute = [&](const std::string& key, const std::string& value) {
        for (auto at = req.body.find(key); at != std::string::npos;
             at = req.body.find(key, at + value.size())) {
            req.body.replace(at, key.size(), value);
        }
    };
    substitute("{me}", who == "admin"       ? w.admin_id
                       : who == "scientist" ? w.scientist_id
                                            : w.other_id);
    substitute("{item_id}", w.item_ids[size % w.item_ids.size()]);
    substitute("{model_id}", w.model_id);
    const std::string token = who == "admin"       ? w.admin_token
                              : who == "scientist" ? w.scientist_token
                              : who == "other"     ? w.other_token
                                                   : who;
    req.headers.emplace("Authorization", "Bearer " + token);
    req.headers.emplace("Content-Type", "application/json");
    httplib::Response res;
    if (!w.router.dispatch(req, res)) {
        std::fprintf(stderr, "no route for %s %s\n", req.method.c_str(), req.path.c_str());
        std::abort();
    }
    if (res.status >= 500 || res.status < 200) {
        std::fprintf(stderr, "%s %s answered %d: %s\n", req.method.c_str(), req.path.c_str(),
                     res.status, res.body.c_str());
        std::abort();
    }
    return 0;
}
