// The benchmark programs' data: each set's seeded 80/20 split, featurized once by
// bench/featurize.py (python3-rdkit: Morgan r=2 2048 bits + the 28 model descriptors) and
// cached as DATASET.tsv (DATASET.sN.tsv for split seed N): role, label, fingerprint as 512
// hex digits, descriptors. Models that read the molecule graph (mpnn) get it from RDKit's
// molecule JSON of the same rows (DATASET.graphs.tsv), parsed as the server parses it.
#pragma once

#include "labelloop/ensemble.hpp"
#include "labelloop/mol_graph.hpp"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef LABELLOOP_BENCH_DIR
#define LABELLOOP_BENCH_DIR "bench"
#endif

namespace labelloop::bench {

struct Dataset {
    std::string name;
    Task task = Task::Regression;
    std::vector<Features> train_x, test_x;
    std::vector<double> train_y, test_y;
};

inline std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, sep)) {
        out.push_back(item);
    }
    return out;
}

/// Where the featurized split of `set` is cached.
inline std::string dataset_path(const std::string& cache_dir, const std::string& set,
                                unsigned split_seed) {
    return cache_dir + "/" + set +
           (split_seed == 0 ? std::string() : ".s" + std::to_string(split_seed)) + ".tsv";
}

/// Loads `set` from the cache, featurizing `data_dir`/`set`.csv first when it is missing.
inline Dataset load_dataset(const std::string& data_dir, const std::string& cache_dir,
                            const std::string& set, unsigned split_seed) {
    const std::string path = dataset_path(cache_dir, set, split_seed);
    if (!std::ifstream(path)) {
        const std::string cmd = "mkdir -p '" + cache_dir + "' && /usr/bin/python3 '" +
                                LABELLOOP_BENCH_DIR "/featurize.py' " + set + " '" + data_dir +
                                "/" + set + ".csv' '" + path + "' " + std::to_string(split_seed);
        if (std::system(cmd.c_str()) != 0) {
            throw std::runtime_error("featurizing " + set + " failed: " + cmd);
        }
    }
    Dataset d;
    d.name = set;
    d.task = set == "bbbp" ? Task::Classification : Task::Regression;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const auto parts = split(line, '\t');
        Fingerprint::Words words{};
        for (std::size_t w = 0; w < Fingerprint::kWords; ++w) {
            words[w] = std::stoull(parts[2].substr(16 * w, 16), nullptr, 16);
        }
        Features f{Fingerprint(words), {}};
        for (std::size_t i = 3; i < parts.size(); ++i) {
            f.descriptors.push_back(std::stod(parts[i]));
        }
        const double y = std::stod(parts[1]);
        if (parts[0] == "train") {
            d.train_x.push_back(std::move(f));
            d.train_y.push_back(y);
        } else {
            d.test_x.push_back(std::move(f));
            d.test_y.push_back(y);
        }
    }
    return d;
}

// python3-rdkit writes "role<TAB>label<TAB>MolToJSON" for every row featurize.py keeps (the
// same parse, the same permutation and 20 %), so line i belongs to row i of DATASET.tsv.
inline constexpr const char* kWriteGraphs = R"PY(
import csv, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import featurize
from rdkit import Chem, RDLogger
RDLogger.DisableLog('rdApp.*')
dataset, src, out, seed = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
label_col, smiles_col = featurize.COLUMNS[dataset]
rows = []
with open(src, newline='') as f:
    for rec in csv.DictReader(f):
        mol = Chem.MolFromSmiles(rec[smiles_col].strip())
        if mol is None:
            continue
        rows.append((float(rec[label_col]), Chem.MolToJSON(mol).replace('\n', ' ')))
perm = np.random.RandomState(seed).permutation(len(rows))
test = set(perm[:len(rows) // 5].tolist())
with open(out, 'w') as o:
    for i, (y, js) in enumerate(rows):
        o.write(('test' if i in test else 'train') + '\t' + repr(y) + '\t' + js + '\n')
)PY";

/// `d` with Features::graph set on every row (what the server does for an mpnn model, from
/// the same RDKit molecule JSON): rows whose graph is refused (GraphError, e.g. more than
/// kMaxGraphAtoms heavy atoms) are left out, as the server leaves them out of training and
/// validation; `refused` counts them and `example` gives the first reason.
struct GraphDataset {
    Dataset data;
    std::size_t refused = 0;
    std::string example;
};

inline GraphDataset with_graphs(const Dataset& d, const std::string& data_dir,
                                const std::string& cache_dir, unsigned split_seed) {
    const std::string tsv = dataset_path(cache_dir, d.name, split_seed);
    const std::string path = tsv.substr(0, tsv.size() - 4) + ".graphs.tsv";
    if (!std::ifstream(path)) {
        const std::string script = cache_dir + "/write_graphs.py";
        std::ofstream(script) << kWriteGraphs;
        const std::string cmd = "/usr/bin/python3 '" + script + "' '" LABELLOOP_BENCH_DIR "' " +
                                d.name + " '" + data_dir + "/" + d.name + ".csv' '" + path + "' " +
                                std::to_string(split_seed);
        if (std::system(cmd.c_str()) != 0) {
            throw std::runtime_error("writing molecule graphs failed: " + cmd);
        }
    }
    GraphDataset out;
    out.data.name = d.name;
    out.data.task = d.task;
    std::ifstream in(path);
    std::string line;
    std::size_t train_i = 0, test_i = 0;
    while (std::getline(in, line)) {
        const auto tab1 = line.find('\t');
        const auto tab2 = line.find('\t', tab1 + 1);
        const bool train = line.compare(0, tab1, "train") == 0;
        const std::size_t i = train ? train_i++ : test_i++;
        const auto& xs = train ? d.train_x : d.test_x;
        const auto& ys = train ? d.train_y : d.test_y;
        if (i >= xs.size() || std::stod(line.substr(tab1 + 1, tab2 - tab1 - 1)) != ys[i]) {
            throw std::runtime_error(path + " does not line up with " + tsv +
                                     " (delete both to featurize again)");
        }
        Features f = xs[i];
        try {
            f.graph = std::make_shared<const MolGraph>(
                mol_graph_from_rdkit_json(std::string_view(line).substr(tab2 + 1)));
        } catch (const GraphError& e) {
            if (out.refused++ == 0) {
                out.example = e.what();
            }
            continue;
        }
        (train ? out.data.train_x : out.data.test_x).push_back(std::move(f));
        (train ? out.data.train_y : out.data.test_y).push_back(ys[i]);
    }
    if (train_i != d.train_x.size() || test_i != d.test_x.size()) {
        throw std::runtime_error(path + " does not line up with " + tsv +
                                 " (delete both to featurize again)");
    }
    return out;
}

} // namespace labelloop::bench
