// D-MPNN bench (issue 17): fits M networks on a seeded 80 % of a data set's graphs, reports the
// fit time, the test RMSE of each network and of their mean, and single-network scoring speed.
// Graphs come from RDKit's own molecule JSON, written once per data set by python3-rdkit into
// a cache (DATASET.graphs.tsv: label, JSON), which the WASM build then reads too.
//
//   labelloop_mpnn_bench [esol|lipophilicity] [--members 5] [--threads 2] [--hidden 64]
//       [--depth 3] [--ffn 64] [--layers 1] [--epochs 40] [--batch 32] [--lr 2e-3]
//       [--patience 15] [--pooling mean|sum] [--descriptors] [--cache DIR] [--seed 0]
#include "labelloop/mol_graph.hpp"
#include "labelloop/mpnn.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef LABELLOOP_BENCH_DIR
#define LABELLOOP_BENCH_DIR "bench"
#endif
#ifndef LABELLOOP_DATA_DIR
#define LABELLOOP_DATA_DIR "../shared/data"
#endif

using namespace labelloop;

namespace {

struct GraphSet {
    std::vector<MolGraph> graphs;
    std::vector<std::vector<double>> descriptors;
    std::vector<double> labels;
    void add(MolGraph g, std::vector<double> d, double y) {
        graphs.push_back(std::move(g));
        descriptors.push_back(std::move(d));
        labels.push_back(y);
    }
};

// python3-rdkit writes "role<TAB>label<TAB>descriptors<TAB>MolToJSON" per parsable molecule,
// with featurize.py's split (same permutation, same 20 %) and its 28 model descriptors, so the
// figures compare with docs/BENCHMARKS.md.
constexpr const char* kWriteGraphs = R"PY(
import csv, sys
import numpy as np
sys.path.insert(0, sys.argv[4])
import featurize
from rdkit import Chem, RDLogger
from rdkit.Chem import rdMolDescriptors
RDLogger.DisableLog('rdApp.*')
src, label_col, out, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[5])
props = rdMolDescriptors.Properties(featurize.NAMES)
rows = []
with open(src) as f:
    for rec in csv.DictReader(f):
        mol = Chem.MolFromSmiles(rec['smiles'].strip())
        if mol is None:
            continue
        desc = ','.join(repr(float(d)) for d in props.ComputeProperties(mol))
        rows.append((rec[label_col], desc, Chem.MolToJSON(mol).replace('\n', ' ')))
perm = np.random.RandomState(seed).permutation(len(rows))
test = set(perm[:len(rows) // 5].tolist())
with open(out, 'w') as o:
    for i, (y, desc, js) in enumerate(rows):
        o.write(('test' if i in test else 'train') + '\t' + y + '\t' + desc + '\t' + js + '\n')
)PY";

struct Split {
    GraphSet train;
    GraphSet test;
    GraphSet all;
};

Split load(const std::string& set, const std::string& cache_dir, unsigned split_seed) {
    const std::map<std::string, std::string> label_column = {
        {"esol", "measured log solubility in mols per litre"}, {"lipophilicity", "exp"}};
    if (label_column.count(set) == 0) {
        throw std::invalid_argument("unknown data set " + set + " (esol, lipophilicity)");
    }
    const std::string path =
        cache_dir + "/" + set + ".s" + std::to_string(split_seed) + ".graphs.tsv";
    if (!std::ifstream(path)) {
        const std::string script = cache_dir + "/write_graphs.py";
        if (std::system(("mkdir -p '" + cache_dir + "'").c_str()) != 0) {
            throw std::runtime_error("cannot create " + cache_dir);
        }
        std::ofstream(script) << kWriteGraphs;
        const std::string cmd = "/usr/bin/python3 '" + script + "' '" LABELLOOP_DATA_DIR "/" + set +
                                ".csv' '" + label_column.at(set) + "' '" + path +
                                "' '" LABELLOOP_BENCH_DIR "' " + std::to_string(split_seed);
        if (std::system(cmd.c_str()) != 0) {
            throw std::runtime_error("writing graphs failed: " + cmd);
        }
    }
    Split out;
    std::ifstream in(path);
    std::string line;
    std::size_t row = 0;
    while (std::getline(in, line)) {
        ++row;
        std::vector<std::string> f;
        std::size_t at = 0;
        for (int k = 0; k < 3; ++k) {
            const auto tab = line.find('\t', at);
            f.push_back(line.substr(at, tab - at));
            at = tab + 1;
        }
        std::vector<double> desc;
        std::size_t c = 0;
        while (c < f[2].size()) {
            auto comma = f[2].find(',', c);
            if (comma == std::string::npos) {
                comma = f[2].size();
            }
            desc.push_back(std::stod(f[2].substr(c, comma - c)));
            c = comma + 1;
        }
        try {
            MolGraph g = mol_graph_from_rdkit_json(line.substr(at));
            const double y = std::stod(f[1]);
            (f[0] == "test" ? out.test : out.train).add(g, desc, y);
            out.all.add(std::move(g), std::move(desc), y);
        } catch (const GraphError& e) {
            std::cerr << set << " row " << row << " skipped: " << e.what() << "\n";
        }
    }
    return out;
}

double rmse(const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        s += (a[i] - b[i]) * (a[i] - b[i]);
    }
    return std::sqrt(s / static_cast<double>(a.size()));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

int main(int argc, char** argv) {
    std::string set = "esol";
    std::string cache = "mpnn-cache";
    int members = 1;
    int threads = 1;
    unsigned split_seed = 0;
    MpnnParams p;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                throw std::invalid_argument(a + " needs a value");
            }
            return argv[++i];
        };
        if (a == "--members") {
            members = std::stoi(next());
        } else if (a == "--threads") {
            threads = std::stoi(next());
        } else if (a == "--hidden") {
            p.hidden = std::stoi(next());
        } else if (a == "--depth") {
            p.depth = std::stoi(next());
        } else if (a == "--ffn") {
            p.ffn_width = std::stoi(next());
        } else if (a == "--layers") {
            p.ffn_layers = std::stoi(next());
        } else if (a == "--epochs") {
            p.epochs = std::stoi(next());
        } else if (a == "--batch") {
            p.batch_size = std::stoi(next());
        } else if (a == "--lr") {
            p.learning_rate = std::stod(next());
        } else if (a == "--patience") {
            p.patience = std::stoi(next());
        } else if (a == "--pooling") {
            p.pooling = parse_mpnn_pooling(next());
        } else if (a == "--descriptors") {
            p.use_descriptors = true;
        } else if (a == "--cache") {
            cache = next();
        } else if (a == "--seed") {
            split_seed = static_cast<unsigned>(std::stoul(next()));
        } else {
            set = a;
        }
    }
    const Split data = load(set, cache, split_seed);
    const GraphSet& train = data.train;
    const GraphSet& test = data.test;
    std::printf("%s: %zu train, %zu test molecules; depth %d hidden %d ffn %dx%d %s pooling, "
                "epochs %d batch %d lr %g patience %d%s\n",
                set.c_str(), train.graphs.size(), test.graphs.size(), p.depth, p.hidden,
                p.ffn_layers, p.ffn_width, to_string(p.pooling).c_str(), p.epochs, p.batch_size,
                p.learning_rate, p.patience, p.use_descriptors ? ", descriptors" : "");

    std::vector<MpnnNetwork> nets(static_cast<std::size_t>(members));
    const auto t0 = std::chrono::steady_clock::now();
    auto fit_member = [&](int m) {
        MpnnParams pm = p;
        pm.seed = static_cast<std::uint64_t>(m) + 1;
        nets[static_cast<std::size_t>(m)] =
            MpnnNetwork::fit(train.graphs, train.descriptors, train.labels, Task::Regression, pm);
    };
    if (threads <= 1) {
        for (int m = 0; m < members; ++m) {
            fit_member(m);
        }
    } else {
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (int m = t; m < members; m += threads) {
                    fit_member(m);
                }
            });
        }
        for (auto& th : pool) {
            th.join();
        }
    }
    const double fit_s = seconds_since(t0);
    std::printf("fit: %d network(s) on %d thread(s) in %.2f s\n", members, threads, fit_s);

    std::vector<double> mean(test.graphs.size(), 0.0);
    for (int m = 0; m < members; ++m) {
        const auto& net = nets[static_cast<std::size_t>(m)];
        const std::vector<double> pred = net.predict(test.graphs, test.descriptors);
        for (std::size_t i = 0; i < pred.size(); ++i) {
            mean[i] += pred[i] / members;
        }
        std::printf("  network %d: test RMSE %.4f (epochs run %d, best %d)\n", m + 1,
                    rmse(pred, test.labels), net.epochs_run(), net.best_epoch());
    }
    std::printf("ensemble mean: test RMSE %.4f\n", rmse(mean, test.labels));

    // Scoring speed of one network over every molecule of the set, repeated.
    const auto t1 = std::chrono::steady_clock::now();
    std::size_t scored = 0;
    double checksum = 0;
    while (seconds_since(t1) < 2.0) {
        const std::vector<double> pred = nets[0].predict(data.all.graphs, data.all.descriptors);
        scored += pred.size();
        checksum += std::accumulate(pred.begin(), pred.end(), 0.0);
    }
    const double score_s = seconds_since(t1);
    std::printf("scoring: %.0f molecules/s per network (checksum %.6f)\n",
                static_cast<double>(scored) / score_s, checksum);
    std::printf("first test predictions: %.10g %.10g %.10g\n", mean[0], mean[1], mean[2]);
    return 0;
}
