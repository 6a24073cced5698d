#pragma once
// Watchdog: a monitor thread that notices an event loop which has stopped turning (a
// blocking call in a view) and logs it, with the route, once the stall ends. A loop
// whose heartbeat is late while it keeps resuming tasks is saturated, not stuck: that
// is logged as such, and not counted as a stall.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace vial::detail {

struct Loop;

class Watchdog {
  public:
    Watchdog(std::vector<Loop*> loops, std::chrono::milliseconds threshold);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    /// How often a loop must beat (its ticker's period) for `threshold`.
    static std::chrono::milliseconds beat_interval(std::chrono::milliseconds threshold);

  private:
    void run();

    std::vector<Loop*> loops_;
    std::chrono::milliseconds threshold_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace vial::detail
