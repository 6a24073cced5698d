#include "watchdog.hpp"

#include <vial/watchdog.hpp>

#include <algorithm>

#include "../core/log.hpp"
#include "../runtime/activity.hpp"
#include "loop.hpp"
#include "loop_watch.hpp"

namespace vial {

namespace {

std::mutex stats_mutex;
StallStats stats;

}  // namespace

StallStats loop_stall_stats() {
    std::lock_guard lock(stats_mutex);
    return stats;
}

namespace detail {

using Clock = std::chrono::steady_clock;

Watchdog::Watchdog(std::vector<Loop*> loops, std::chrono::milliseconds threshold)
    : loops_(std::move(loops)), threshold_(threshold), thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::chrono::milliseconds Watchdog::beat_interval(std::chrono::milliseconds threshold) {
    return std::clamp(threshold / 4, std::chrono::milliseconds(2), std::chrono::milliseconds(50));
}

void Watchdog::run() {
    const auto interval = beat_interval(threshold_);
    const auto ns = [](auto duration) {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
    };
    std::vector<LoopWatch> watches(loops_.size(), LoopWatch(ns(threshold_), ns(interval)));
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
        std::int64_t now = Clock::now().time_since_epoch().count();
        for (std::size_t i = 0; i < loops_.size(); ++i) {
            Loop& loop = *loops_[i];
            LoopVerdict verdict = watches[i].check(
                now, loop.heartbeat.load(std::memory_order_relaxed), loop.board->resumes(),
                [&] { return loop.board->describe_current(); });
            if (verdict.kind == LoopVerdict::Kind::saturated) {
                log::warning_limited("saturated",
                                     "event loop " + std::to_string(loop.index) +
                                         " was saturated for " + std::to_string(verdict.ms) +
                                         " ms: its timers ran late while it ran many short "
                                         "handlers (none blocked it); add threads or shed load");
            } else if (verdict.kind == LoopVerdict::Kind::blocked) {
                std::string message =
                    "event loop " + std::to_string(loop.index) + " blocked for " +
                    std::to_string(verdict.ms) + " ms in " + verdict.where +
                    "; move blocking work to vial::to_thread or use an async client";
                log::warning(message);
                std::lock_guard stats_lock(stats_mutex);
                ++stats.stalls;
                stats.longest_ms = std::max<std::uint64_t>(stats.longest_ms,
                                                           static_cast<std::uint64_t>(verdict.ms));
                stats.last = std::move(message);
            }
        }
    }
}

}  // namespace detail
}  // namespace vial
