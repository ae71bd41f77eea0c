#include "service/job_runner.hpp"

namespace labelloop::service {

JobRunner::JobRunner() : worker_([this] { loop(); }) {}

JobRunner::~JobRunner() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
        queue_.clear();
    }
    wake_.notify_all();
    worker_.join();
}

void JobRunner::submit(std::function<void()> work) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(std::move(work));
    }
    wake_.notify_one();
}

void JobRunner::wait_idle() {
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return (queue_.empty() && !busy_) || stop_; });
}

bool JobRunner::stopping() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stop_;
}

void JobRunner::loop() {
    for (;;) {
        std::function<void()> work;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
            if (stop_) {
                idle_.notify_all();
                return;
            }
            work = std::move(queue_.front());
            queue_.pop_front();
            busy_ = true;
        }
        try {
            work();
        } catch (...) {
            // The job body records its own failure in the store; nothing may escape the
            // worker thread.
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            busy_ = false;
        }
        idle_.notify_all();
    }
}

} // namespace labelloop::service
