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
        bool stalled = false;
        std::string where;
    };
    std::vector<Watch> watches(loops_.size());
    const auto interval = beat_interval(threshold_);
    const auto threshold_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(threshold_).count();
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
        std::int64_t now = Clock::now().time_since_epoch().count();
        for (std::size_t i = 0; i < loops_.size(); ++i) {
            Loop& loop = *loops_[i];
            Watch& w = watches[i];
            std::int64_t beat = loop.heartbeat.load(std::memory_order_relaxed);
            if (!w.stalled) {
                if (beat != 0 && now - beat > threshold_ns) {
                    // Stalled: note what it runs now, while it still runs it.
                    w.stalled = true;
                    w.last_beat = beat;
                    w.where = loop.board->describe_current();
                }
                continue;
            }
            if (beat == w.last_beat) continue;  // still stalled
            // The loop turned again: the stall lasted from its last beat to this one,
            // less the ticker's own period.
            auto blocked = std::chrono::nanoseconds(beat - w.last_beat) - interval;
            auto ms = std::max<std::int64_t>(
                0, std::chrono::duration_cast<std::chrono::milliseconds>(blocked).count());
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
        }
    }
}

}  // namespace detail
}  // namespace vial
