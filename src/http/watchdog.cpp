#include "watchdog.hpp"

#include <vial/watchdog.hpp>

#include <algorithm>

#include "../core/log.hpp"
#include "../runtime/activity.hpp"
#include "loop.hpp"

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
    struct Watch {
        std::int64_t last_beat = 0;
        // The loop's resumption count as last read, and when it was seen to move.
        std::uint64_t resumes = 0;
        std::int64_t moved_at = 0;
        bool stalled = false;
        std::int64_t stalled_since = 0;
        bool saturated = false;
        std::string where;
    };
    std::vector<Watch> watches(loops_.size());
    const auto interval = beat_interval(threshold_);
    const auto threshold_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(threshold_).count();
    auto to_ms = [](std::int64_t ns) { return std::max<std::int64_t>(0, ns / 1'000'000); };
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
        std::int64_t now = Clock::now().time_since_epoch().count();
        for (std::size_t i = 0; i < loops_.size(); ++i) {
            Loop& loop = *loops_[i];
            Watch& w = watches[i];
            std::int64_t beat = loop.heartbeat.load(std::memory_order_relaxed);
            std::uint64_t resumes = loop.board->resumes();
            bool moved = resumes != w.resumes;
            if (moved) {
                w.resumes = resumes;
                w.moved_at = now;
            }
            bool late = beat != 0 && now - beat > threshold_ns;
            if (!w.stalled) {
                if (late && now - w.moved_at > threshold_ns) {
                    // Stuck in one handler: note what it runs now, while it still runs it.
                    w.stalled = true;
                    w.last_beat = beat;
                    w.stalled_since = std::max(beat, w.moved_at);
                    w.where = loop.board->describe_current();
                } else if (late && !w.saturated) {
                    // The ticker is late, yet the loop keeps resuming tasks: more short
                    // handlers queued than it can run in time, none blocking it.
                    w.saturated = true;
                    w.last_beat = beat;
                } else if (!late && w.saturated) {
                    w.saturated = false;
                    log::warning_limited(
                        "saturated", "event loop " + std::to_string(loop.index) +
                                         " was saturated for " +
                                         std::to_string(to_ms(beat - w.last_beat)) +
                                         " ms: its timers ran late while it ran many short "
                                         "handlers (none blocked it); add threads or shed load");
                }
                continue;
            }
            if (beat == w.last_beat && !moved) continue;  // still stuck
            // The loop turned again: the stall lasted from its last beat or resumption
            // (whichever came later) until now, give or take one check.
            auto ms = to_ms(now - w.stalled_since);
            std::string message = "event loop " + std::to_string(loop.index) + " blocked for " +
                                  std::to_string(ms) + " ms in " + w.where +
                                  "; move blocking work to vial::to_thread or use an async client";
            log::warning(message);
            {
                std::lock_guard stats_lock(stats_mutex);
                ++stats.stalls;
                stats.longest_ms =
                    std::max<std::uint64_t>(stats.longest_ms, static_cast<std::uint64_t>(ms));
                stats.last = message;
            }
            w.stalled = false;
            w.saturated = false;
        }
    }
}

}  // namespace detail
}  // namespace vial
