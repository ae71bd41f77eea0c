// The benchmark programs' data: each set's seeded 80/20 split, featurized once by
// bench/featurize.py (python3-rdkit: Morgan r=2 2048 bits + the 28 model descriptors) and
// cached as DATASET.tsv (DATASET.sN.tsv for split seed N): role, label, fingerprint as 512
// hex digits, descriptors.
#pragma once

#include "labelloop/ensemble.hpp"

#include <cstdlib>
#include <fstream>
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

} // namespace labelloop::bench
