#include <vial/cancel.hpp>
#include <vial/to_thread.hpp>

#include "blocking_pool.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "../core/log.hpp"

namespace vial {

namespace {

struct PoolState {
    std::mutex mutex;
    unsigned threads = 0;
    std::size_t queue_limit = 1024;
    std::atomic<bool> started{false};
    // Jobs admitted and not finished, in all and per loop they will post back to (so a
    // loop's owner can wait for its own); changed under jobs_mutex. in_flight is atomic
    // only so blocking_pool_stats() can read it without the lock.
    std::atomic<std::size_t> in_flight{0};
    std::atomic<std::uint64_t> dropped{0};
    // Dropped jobs whose husks are still in the pool's queue; under jobs_mutex. Signed:
    // a pool thread may pop a husk just before its drop is counted.
    long dead_queued = 0;
    std::mutex jobs_mutex;
    std::condition_variable jobs_done;
    std::unordered_map<const boost::asio::execution_context*, std::size_t> jobs;
    // Last, so it is destroyed first: at exit its threads are joined while everything
    // a finishing job touches still exists.
    std::unique_ptr<boost::asio::thread_pool> pool;
};

PoolState& state() {
    static PoolState s;
    return s;
}

unsigned default_threads() {
    return 4 * std::max(1u, std::thread::hardware_concurrency());
}

void start_pool() {
    PoolState& s = state();
    std::lock_guard lock(s.mutex);
    if (s.pool) return;
    if (s.threads == 0) s.threads = default_threads();
    s.pool = std::make_unique<boost::asio::thread_pool>(s.threads);
    s.started = true;
    detail::log::info("blocking pool: " + std::to_string(s.threads) + " threads, queue of " +
                      std::to_string(s.queue_limit) +
                      " (BLOCKING_POOL_THREADS, BLOCKING_POOL_QUEUE)");
}

}  // namespace

void configure_blocking_pool(unsigned threads, std::size_t queue_limit) {
    PoolState& s = state();
    std::lock_guard lock(s.mutex);
    if (s.pool) {
        if (threads == s.threads && queue_limit == s.queue_limit) return;
        throw Error("the blocking pool is already running with " + std::to_string(s.threads) +
                    " threads; configure it before its first use");
    }
    if (threads == 0) throw Error("the blocking pool needs at least one thread");
    s.threads = threads;
    s.queue_limit = queue_limit;
}

BlockingPoolStats blocking_pool_stats() {
    PoolState& s = state();
    std::lock_guard lock(s.mutex);
    return {s.threads ? s.threads : default_threads(), s.queue_limit, s.in_flight.load(),
            s.dropped.load(std::memory_order_relaxed)};
}

namespace detail {

bool acquire_blocking_slot(const boost::asio::execution_context* context) {
    PoolState& s = state();
    if (!s.started.load(std::memory_order_acquire)) start_pool();
    std::lock_guard lock(s.jobs_mutex);
    auto dead = static_cast<std::size_t>(std::max(0L, s.dead_queued));
    if (s.in_flight.load(std::memory_order_relaxed) + dead >= s.threads + s.queue_limit)
        return false;
    s.in_flight.fetch_add(1, std::memory_order_relaxed);
    ++s.jobs[context];
    return true;
}

void release_blocking_slot(const boost::asio::execution_context* context) noexcept {
    PoolState& s = state();
    {
        std::lock_guard lock(s.jobs_mutex);
        s.in_flight.fetch_sub(1, std::memory_order_relaxed);
        auto it = s.jobs.find(context);
        if (it != s.jobs.end() && --it->second == 0) s.jobs.erase(it);
    }
    s.jobs_done.notify_all();
}

void begin_foreign_job(const boost::asio::execution_context* context) {
    PoolState& s = state();
    std::lock_guard lock(s.jobs_mutex);
    ++s.jobs[context];
}

void end_foreign_job(const boost::asio::execution_context* context) noexcept {
    PoolState& s = state();
    {
        std::lock_guard lock(s.jobs_mutex);
        auto it = s.jobs.find(context);
        if (it != s.jobs.end() && --it->second == 0) s.jobs.erase(it);
    }
    s.jobs_done.notify_all();
}

bool wait_for_blocking_jobs(const boost::asio::execution_context* context,
                            std::chrono::steady_clock::duration limit) {
    PoolState& s = state();
    std::unique_lock lock(s.jobs_mutex);
    return s.jobs_done.wait_for(lock, limit, [&] { return !s.jobs.contains(context); });
}

void note_dropped_blocking_job() noexcept {
    PoolState& s = state();
    s.dropped.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(s.jobs_mutex);
    ++s.dead_queued;
}

void dead_blocking_job_popped() noexcept {
    PoolState& s = state();
    std::lock_guard lock(s.jobs_mutex);
    --s.dead_queued;
}

void throw_dropped_blocking_job() {
    throw Cancelled("cancelled while its to_thread job was queued: the job was dropped unrun");
}

boost::asio::thread_pool& blocking_pool() {
    return *state().pool;
}

}  // namespace detail

}  // namespace vial
