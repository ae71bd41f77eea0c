// Selection in the browser's frame budget. The Sample Selection preview builds an
// IncrementalSelection (one frame), scores the pool a slice per frame (the app keeps each
// frame's slices within 8 ms and shrinks a slice that takes over 2 ms), then ranks the pool
// and picks the batch with result() in the last frame. For a 20,000-compound pool and every
// strategy this measures each of those single-frame steps, natively and, with --wasm PATH.js,
// in the WASM build under node (the browser's engine), and prints the largest one against
// the 8 ms budget. Prints figures; asserts nothing.
//
//   selection_frames [--pool 20000] [--batch 50] [--cache DIR] [--data DIR] [--wasm PATH.js]
#include "bench_data.hpp"
#include "labelloop/sampling.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#ifndef LABELLOOP_DATA_DIR
#define LABELLOOP_DATA_DIR "../shared/data"
#endif

using namespace labelloop;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Real compounds (ESOL, Lipophilicity, BBBP), repeated with a few fingerprint bits flipped
// per copy until the pool has `size` compounds.
std::vector<Features> make_pool(const std::vector<bench::Dataset>& sets, std::size_t size) {
    std::vector<Features> base;
    for (const auto& d : sets) {
        base.insert(base.end(), d.train_x.begin(), d.train_x.end());
        base.insert(base.end(), d.test_x.begin(), d.test_x.end());
    }
    std::vector<Features> pool;
    pool.reserve(size);
    std::uint64_t state = 12345;
    for (std::size_t i = 0; pool.size() < size; ++i) {
        Features f = base[i % base.size()];
        if (i >= base.size()) {
            for (int k = 0; k < 3; ++k) {
                state = state * 6364136223846793005ULL + 1442695040888963407ULL;
                f.fingerprint.set(static_cast<std::size_t>(state >> 53) % Fingerprint::kBits);
            }
        }
        pool.push_back(std::move(f));
    }
    return pool;
}

} // namespace

int main(int argc, char** argv) {
    std::size_t pool_size = 20000;
    std::size_t batch = 50;
    std::string cache = "/tmp/labelloop-bench";
    std::string data = LABELLOOP_DATA_DIR;
    std::string wasm;
    for (int i = 1; i < argc; i += 2) {
        const std::string a = argv[i];
        const std::string v = i + 1 < argc ? argv[i + 1] : "";
        if (a == "--pool") {
            pool_size = std::stoul(v);
        } else if (a == "--batch") {
            batch = std::stoul(v);
        } else if (a == "--cache") {
            cache = v;
        } else if (a == "--data") {
            data = v;
        } else if (a == "--wasm") {
            wasm = v;
        } else {
            std::cerr << "unknown option " << a << "\n";
            return 2;
        }
    }
#ifdef __EMSCRIPTEN__
    const char* where = "wasm";
#else
    const char* where = "native";
#endif
    std::vector<bench::Dataset> sets;
    for (const char* name : {"esol", "lipophilicity", "bbbp"}) {
        sets.push_back(bench::load_dataset(data, cache, name, 0));
    }
    const auto& esol = sets.front();
    // The model a scientist previews with: the default ensemble on ESOL's training split.
    EnsembleParams params = EnsembleParams::recommended(esol.train_x.size());
    params.n_threads = 1;
    const auto model = BootstrapEnsemble::fit(
        esol.train_x, esol.train_y, std::vector<double>(esol.train_x.size(), 1.0), Task::Regression,
        FeatureLayout::model_default(), params);
    const auto pool = make_pool(sets, pool_size);
    std::printf("selection[%s]: %zu-compound pool, batch %zu, %zu-member model on %zu "
                "compounds; times in ms\n",
                where, pool.size(), batch, model.n_members(), esol.train_x.size());
    { // warm-up (the first run grows WASM memory)
        SelectionOptions o;
        IncrementalSelection job(model, pool, o);
        while (!job.step(4096)) {
        }
        (void)job.result();
    }
    std::printf("%-12s %10s %12s %12s %10s %12s %10s\n", "strategy", "construct", "us/compound",
                "max slice64", "result", "largest step", "total");
    for (Strategy s : all_strategies()) {
        SelectionOptions o;
        o.strategy = s;
        o.batch_size = batch;
        o.objective.kind = ObjectiveKind::Maximize;
        o.best_label = *std::max_element(esol.train_y.begin(), esol.train_y.end());
        o.threshold = -3.0;
        std::vector<Features> copy = pool; // the app moves its pool in: no copy timed
        const auto t_all = Clock::now();
        auto t0 = Clock::now();
        IncrementalSelection job(model, std::move(copy), o);
        const double construct = ms_since(t0);
        double max_slice = 0.0;
        const auto t_slices = Clock::now();
        for (;;) {
            t0 = Clock::now();
            const bool done = job.step(64);
            max_slice = std::max(max_slice, ms_since(t0));
            if (done) {
                break;
            }
        }
        const double per_compound = ms_since(t_slices) * 1000.0 / static_cast<double>(pool.size());
        t0 = Clock::now();
        const auto result = job.result();
        const double rank = ms_since(t0);
        const double largest = std::max({construct, max_slice, rank});
        std::printf("%-12s %10.2f %12.2f %12.2f %10.2f %12.2f %10.0f  (first pick %zu)\n",
                    to_string(s).c_str(), construct, per_compound, max_slice, rank, largest,
                    ms_since(t_all), result.selected.front().index);
    }
    std::fflush(stdout);
    if (!wasm.empty()) {
        const std::string cmd = "node --no-experimental-fetch '" + wasm + "' --pool " +
                                std::to_string(pool_size) + " --batch " + std::to_string(batch) +
                                " --cache '" + cache + "' --data '" + data + "'";
        if (std::system(cmd.c_str()) != 0) {
            std::fprintf(stderr, "WASM run failed: %s\n", cmd.c_str());
            return 1;
        }
    }
    return 0;
}
