// Group commit's queue, shared by both stores. A caller of transaction() queues its body;
// whichever caller finds no batch running becomes the leader, takes up to `max_batch` queued
// bodies and hands them to the store's run_batch (ONE database transaction, each body in its
// own savepoint, so a failing body is rolled back alone and gets its own error), then wakes
// exactly the callers of that batch and the next queued caller, to lead the next batch (waking
// every waiter would cost a context switch each per batch). Nobody returns before run_batch
// returned for its body: an answer sent after transaction() still means "stored". Under load
// the writes of many callers share one commit (one WAL flush).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

namespace labelloop::store {

class GroupCommitQueue {
public:
    /// One queued body and its outcome (run_batch sets `error` when the body failed).
    struct Pending {
        const std::function<void()>* body = nullptr;
        std::exception_ptr error;
        bool done = false;
        std::condition_variable wake; // under the queue's mutex
    };
    using Batch = std::vector<Pending*>;

    explicit GroupCommitQueue(std::size_t max_batch) : max_batch_(max_batch) {}

    /// Runs `body` in a batch through `run_batch` (which must not throw: it records each
    /// body's failure in its Pending) and rethrows the body's error, if any.
    template <typename RunBatch>
    void run(const std::function<void()>& body, RunBatch&& run_batch) {
        Pending me;
        me.body = &body;
        std::unique_lock<std::mutex> lock(mutex_);
        queue_.push_back(&me);
        while (!me.done) {
            if (leader_active_) {
                me.wake.wait(lock);
                continue;
            }
            leader_active_ = true;
            Batch batch;
            while (!queue_.empty() && batch.size() < max_batch_) {
                batch.push_back(queue_.front());
                queue_.pop_front();
            }
            lock.unlock();
            run_batch(static_cast<const Batch&>(batch));
            lock.lock();
            leader_active_ = false;
            for (Pending* p : batch) {
                p->done = true;
                if (p != &me) {
                    p->wake.notify_one();
                }
            }
            if (!queue_.empty()) {
                queue_.front()->wake.notify_one();
            }
        }
        lock.unlock();
        if (me.error) {
            std::rethrow_exception(me.error);
        }
    }

private:
    const std::size_t max_batch_;
    std::mutex mutex_;
    std::deque<Pending*> queue_;
    bool leader_active_ = false;
};

} // namespace labelloop::store
