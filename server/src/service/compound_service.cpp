#include "service/compound_service.hpp"

#include "service/errors.hpp"
#include "service/model_engine.hpp"
#include "service/molblock.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace labelloop::service {
namespace {

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

template <typename T>
std::string opt_text(const std::optional<T>& v) {
    if (!v) {
        return "";
    }
    if constexpr (std::is_same_v<T, double>) {
        return number(*v);
    } else if constexpr (std::is_same_v<T, bool>) {
        return *v ? "true" : "false";
    } else {
        return *v;
    }
}

} // namespace

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) {
        return text;
    }
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') {
            out += "\"\"";
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string csv_text_field(const std::string& text) {
    if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string::npos) {
        return csv_field("'" + text);
    }
    return csv_field(text);
}

domain::Compound CompoundService::get(const std::string& id) {
    return found_or_not_found(store_.find_compound(id), "compound", id);
}

std::vector<SimilarCompound> CompoundService::similar(const std::string& id, std::int64_t k) {
    if (k < 1 || k > 100) {
        fail(ErrorKind::InvalidValue, "k must be between 1 and 100.", {{"field", "k"}});
    }
    const auto query = get(id);
    // The whole compound table, paged; fine for the tens of thousands a team labels.
    std::vector<domain::Compound> all;
    for (std::int64_t offset = 0;; offset += 5000) {
        auto page = store_.list_compounds(5000, offset);
        if (page.empty()) {
            break;
        }
        for (auto& c : page) {
            all.push_back(std::move(c));
        }
    }
    std::vector<std::vector<std::uint8_t>> features;
    std::optional<std::size_t> self;
    for (std::size_t i = 0; i < all.size(); ++i) {
        features.push_back(all[i].features);
        if (all[i].id == id) {
            self = i;
        }
    }
    std::vector<SimilarCompound> out;
    for (const auto& n :
         engine::similar(query.features, features, static_cast<std::size_t>(k), self)) {
        out.push_back({all[n.index], n.similarity});
    }
    return out;
}

std::vector<std::string>
CompoundService::attach_graphs(std::vector<domain::Compound>& compounds) const {
    std::vector<std::string> refused(compounds.size());
    for (std::size_t i = 0; i < compounds.size(); ++i) {
        auto& c = compounds[i];
        auto graph = engine::molecule_graph(c.smiles, &refused[i]); // the reason when null
        if (!graph) {
            continue;
        }
        Features f = decode_features(c.features);
        f.graph = std::move(graph);
        c.features = encode_features(f);
    }
    return refused;
}

std::vector<domain::Compound>
CompoundService::list(const std::optional<std::string>& unlabeled_for_model, std::int64_t limit,
                      std::int64_t offset, std::int64_t* total) {
    // The browser pulls a whole pool at once to score it locally (about 1 KB per compound).
    if (limit < 1 || limit > 50000) {
        fail(ErrorKind::InvalidValue, "limit must be between 1 and 50000.", {{"field", "limit"}});
    }
    if (offset < 0) {
        fail(ErrorKind::InvalidValue, "offset must not be negative.", {{"field", "offset"}});
    }
    if (unlabeled_for_model) {
        const auto model = found_or_not_found(store_.find_model(*unlabeled_for_model), "model",
                                              *unlabeled_for_model);
        if (total != nullptr) {
            *total = store_.count_unlabeled_compounds(model.lineage_id);
        }
        return store_.list_unlabeled_compounds(model.lineage_id, limit, offset);
    }
    if (total != nullptr) {
        *total = store_.count_compounds();
    }
    return store_.list_compounds(limit, offset);
}

std::vector<domain::Compound> CompoundService::list_dataset(const std::string& dataset,
                                                            std::int64_t limit, std::int64_t offset,
                                                            std::int64_t* total) {
    if (limit < 1 || limit > 50000) {
        fail(ErrorKind::InvalidValue, "limit must be between 1 and 50000.", {{"field", "limit"}});
    }
    if (offset < 0) {
        fail(ErrorKind::InvalidValue, "offset must not be negative.", {{"field", "offset"}});
    }
    const auto id = store_.find_dataset(dataset);
    if (!id) {
        fail(ErrorKind::NotFound, "There is no dataset named '" + dataset + "'.");
    }
    const auto all = store_.dataset_compounds(*id);
    if (total != nullptr) {
        *total = static_cast<std::int64_t>(all.size());
    }
    const auto begin = std::min<std::size_t>(static_cast<std::size_t>(offset), all.size());
    const auto end = std::min<std::size_t>(begin + static_cast<std::size_t>(limit), all.size());
    return {all.begin() + static_cast<std::ptrdiff_t>(begin),
            all.begin() + static_cast<std::ptrdiff_t>(end)};
}

std::string CompoundService::export_queue_csv(const std::string& model_id) {
    const auto model = found_or_not_found(store_.find_model(model_id), "model", model_id);
    std::ostringstream out;
    out << "item_id,compound_id,smiles,name,model_id,model_version,selection_batch,"
           "selection_strategy,status,prediction,uncertainty,applicability_distance,in_domain,"
           "priority_score,assigned_to,label,label_source,label_confidence,labeled_at,"
           "labeled_by,notes\n";
    for (const auto& version : store_.list_versions(model.lineage_id)) {
        domain::QueueFilter f;
        f.model_id = version.id;
        f.limit = 1'000'000'000;
        f.sort = "created";
        for (const auto& q : store_.list_queue(f)) {
            out << q.id << ',' << q.compound_id << ',' << csv_field(q.smiles) << ','
                << csv_text_field(opt_text(q.compound_name)) << ',' << q.model_id << ','
                << version.version << ',' << q.selection_batch << ',' << q.selection_strategy << ','
                << q.status << ',' << opt_text(q.prediction) << ',' << opt_text(q.uncertainty)
                << ',' << opt_text(q.applicability_distance) << ',' << opt_text(q.in_domain) << ','
                << opt_text(q.priority_score) << ',' << csv_text_field(opt_text(q.assigned_to_name))
                << ',' << opt_text(q.label) << ',' << opt_text(q.label_source) << ','
                << opt_text(q.label_confidence) << ',' << opt_text(q.labeled_at) << ','
                << csv_text_field(opt_text(q.labeled_by_name)) << ','
                << csv_text_field(opt_text(q.notes)) << '\n';
        }
    }
    return out.str();
}

namespace {

struct ExportLabel {
    std::string compound_id;
    std::string smiles;
    std::optional<std::string> name;
    double label;
    std::string source;
    std::string confidence;
    std::string origin; // train | validation | queue
};

std::vector<ExportLabel> collect_labels(store::Store& store, const std::string& model_id,
                                        domain::Model* model_out) {
    *model_out = found_or_not_found(store.find_model(model_id), "model", model_id);
    const domain::Model* model = model_out;
    std::vector<ExportLabel> out;
    for (const auto& m : store.members(model->lineage_id, "")) {
        out.push_back({m.compound_id, m.smiles, m.name, m.label, m.source, m.confidence, m.role});
    }
    for (const auto& version : store.list_versions(model->lineage_id)) {
        domain::QueueFilter f;
        f.model_id = version.id;
        f.status = "labeled";
        f.limit = 1'000'000'000;
        f.sort = "created";
        for (const auto& q : store.list_queue(f)) {
            out.push_back({q.compound_id, q.smiles, q.compound_name, q.label.value_or(0.0),
                           q.label_source.value_or(""), q.label_confidence.value_or(""), "queue"});
        }
    }
    return out;
}

} // namespace

std::string CompoundService::export_labels_csv(const std::string& model_id) {
    domain::Model model;
    const auto labels = collect_labels(store_, model_id, &model);
    std::ostringstream out;
    out << "compound_id,smiles,name," << csv_text_field(model.property)
        << ",label_source,label_confidence,set\n";
    for (const auto& l : labels) {
        out << l.compound_id << ',' << csv_field(l.smiles) << ','
            << csv_text_field(l.name.value_or("")) << ',' << number(l.label) << ',' << l.source
            << ',' << l.confidence << ',' << l.origin << '\n';
    }
    return out.str();
}

std::string CompoundService::export_labels_sdf(const std::string& model_id) {
    domain::Model model;
    const auto labels = collect_labels(store_, model_id, &model);
    std::ostringstream out;
    for (const auto& l : labels) {
        std::string block;
        try {
            block = molblock_for(l.smiles, l.name.value_or(l.compound_id));
        } catch (const std::invalid_argument&) {
            // Stored SMILES are RDKit-canonical, so this does not happen; keep the record
            // (an empty structure with the SMILES field) rather than drop a label.
            block = l.name.value_or(l.compound_id) +
                    "\n  LabelLoop\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n";
        }
        out << block << "> <SMILES>\n"
            << l.smiles << "\n\n> <compound_id>\n"
            << l.compound_id << "\n\n> <" << model.property << ">\n"
            << number(l.label) << "\n\n> <label_source>\n"
            << l.source << "\n\n> <label_confidence>\n"
            << l.confidence << "\n\n> <set>\n"
            << l.origin << "\n\n$$$$\n";
    }
    return out.str();
}

} // namespace labelloop::service
