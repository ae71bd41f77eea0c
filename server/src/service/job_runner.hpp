// One background worker thread for long jobs (retraining), so the API keeps answering while
// a model trains. Jobs run one at a time, in submission order.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace labelloop::service {

class JobRunner {
public:
    JobRunner();
    /// Finishes the running job, drops queued ones (they stay 'queued' in the store and are
    /// marked failed on the next start), and joins the worker.
    ~JobRunner();
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;

    void submit(std::function<void()> work);
    /// Blocks until no job is queued or running (tests, CLI).
    void wait_idle();
    /// True once the destructor started: long jobs check this to stop early.
    bool stopping() const;

private:
    void loop();
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::deque<std::function<void()>> queue_;
    bool busy_ = false;
    bool stop_ = false;
    std::thread worker_;
};

} // namespace labelloop::service
