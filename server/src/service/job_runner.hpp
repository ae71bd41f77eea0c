// The job worker of one server process. Jobs live in the store, not in memory: the worker
// claims the oldest queued job (Store::claim_job hands each job to one process, also when
// several server processes share a PostgreSQL database), runs it, and looks again. notify()
// makes it look at once (a job queued here); it also looks every poll interval (a job queued by
// another process, or left queued by a stopped one). A second thread calls the tick hook every
// heartbeat interval: the service records there that this process is alive and fails the jobs
// of processes that are not.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace labelloop::service {

class JobRunner {
public:
    struct Hooks {
        /// Claims and runs one job; false when none was queued. Must not throw.
        std::function<bool()> run_next;
        /// Heartbeat and recovery of abandoned jobs. Must not throw.
        std::function<void()> tick;
    };
    struct Timing {
        std::chrono::milliseconds poll{1000};
        std::chrono::milliseconds heartbeat{2000};
    };

    /// Not started: until start(), notify() only records the request.
    JobRunner();
    /// Stops looking for jobs, lets the running one notice stopping() and end, joins both
    /// threads. Queued jobs stay queued in the store for the next start (or another process).
    ~JobRunner();
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;

    void start(Hooks hooks, Timing timing);
    /// A job was queued: look now.
    void notify();
    /// Blocks until the worker has looked at the store after the last notify() and found no
    /// queued job (tests, CLI). Returns at once when the worker was never started.
    void wait_idle();
    /// True once the destructor started: long jobs check this to stop early.
    bool stopping() const;
    /// This process's name in jobs.claimed_by: host:pid:random, unique per start.
    const std::string& worker_id() const { return worker_id_; }

private:
    void work_loop();
    void tick_loop();
    std::string worker_id_;
    Hooks hooks_;
    Timing timing_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::uint64_t requested_ = 0; // notify() calls so far
    std::uint64_t settled_ = 0;   // requests covered by a look that found nothing queued
    bool started_ = false;
    bool stop_ = false;
    std::thread worker_;
    std::thread ticker_;
};

} // namespace labelloop::service
