#include "service/job_runner.hpp"

#include "util/ids.hpp"

#include <unistd.h>

namespace labelloop::service {
namespace {

std::string make_worker_id() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) {
        host[0] = '\0';
    }
    return std::string(host[0] ? host : "localhost") + ":" + std::to_string(getpid()) + ":" +
           util::new_uuid().substr(0, 8);
}

} // namespace

JobRunner::JobRunner() : worker_id_(make_worker_id()) {}

JobRunner::~JobRunner() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    idle_.notify_all();
    if (worker_.joinable()) {
        worker_.join();
    }
    if (ticker_.joinable()) {
        ticker_.join();
    }
}

void JobRunner::start(Hooks hooks, Timing timing) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (started_) {
        return;
    }
    started_ = true;
    hooks_ = std::move(hooks);
    timing_ = timing;
    ++requested_; // look once at start: jobs left queued
    worker_ = std::thread([this] { work_loop(); });
    ticker_ = std::thread([this] { tick_loop(); });
}

void JobRunner::notify() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        ++requested_;
    }
    wake_.notify_all();
}

void JobRunner::wait_idle() {
    std::unique_lock<std::mutex> lock(mutex_);
    const std::uint64_t target = requested_;
    idle_.wait(lock, [&] { return !started_ || stop_ || settled_ >= target; });
}

bool JobRunner::stopping() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stop_;
}

void JobRunner::work_loop() {
    for (;;) {
        std::uint64_t looking_for;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stop_) {
                return;
            }
            looking_for = requested_;
        }
        // run_next catches everything itself; a job that escapes would end the process.
        const bool ran = hooks_.run_next();
        std::unique_lock<std::mutex> lock(mutex_);
        if (ran) {
            continue; // there may be more
        }
        settled_ = std::max(settled_, looking_for);
        idle_.notify_all();
        wake_.wait_for(lock, timing_.poll, [&] { return stop_ || requested_ > settled_; });
    }
}

void JobRunner::tick_loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
        lock.unlock();
        hooks_.tick();
        lock.lock();
        wake_.wait_for(lock, timing_.heartbeat, [&] { return stop_; });
    }
}

} // namespace labelloop::service
