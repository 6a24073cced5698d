#pragma once
// LoopWatch: the stall watchdog's judgement of one event loop, check after check.
//
// Two readings per check: the loop's heartbeat (a ticker's timestamp, late when the loop
// does not get back to its timers) and its count of task resumptions. A late heartbeat
// alone does not say why the loop is late:
// - stuck: the count has not moved for the threshold either. One handler holds the loop
//   (a blocking call in a view): blamed on what it runs, once the loop turns again.
// - busy: the count keeps moving. Either many short handlers are queued (saturation:
//   thousands of sleeps ending together, more load than one loop serves), or a few
//   handlers each run for long (blocking calls just under the threshold, one after
//   another). Told apart, when the heartbeat is back, by the time per resumption.
// Times are steady-clock nanoseconds; checks come every `interval`.
#include <cstdint>
#include <functional>
#include <string>

namespace vial::detail {

struct LoopVerdict {
    enum class Kind : std::uint8_t { none, blocked, saturated };
    Kind kind = Kind::none;
    std::int64_t ms = 0;
    /// What the loop ran (blocked only): "GET /blocking (endpoint 'blocking')".
    std::string where;
};

class LoopWatch {
  public:
    LoopWatch(std::int64_t threshold_ns, std::int64_t interval_ns)
        : threshold_(threshold_ns), interval_(interval_ns) {}

    /// One check at `now`: the loop's last `beat` (0: none yet), its `resumes` count, and
    /// `describe`, which says what the loop runs now (called only when needed).
    LoopVerdict check(std::int64_t now, std::int64_t beat, std::uint64_t resumes,
                      const std::function<std::string()>& describe);

  private:
    void start_busy(std::int64_t since, std::int64_t now, std::uint64_t resumes,
                    const std::function<std::string()>& describe);
    LoopVerdict end_busy(std::int64_t now, std::int64_t beat);

    std::int64_t threshold_;
    std::int64_t interval_;
    std::int64_t checked_at_ = 0;
    std::uint64_t resumes_ = 0;
    // No later than the count's last move: the check before the one that saw it.
    std::int64_t moved_at_ = 0;

    bool stuck_ = false;
    std::int64_t stuck_beat_ = 0;
    std::int64_t stuck_since_ = 0;

    bool busy_ = false;
    std::int64_t busy_since_ = 0;  // when the loop was last known on time
    // The first and the latest check that saw it late, and the count at each.
    std::int64_t busy_checked_ = 0;
    std::uint64_t busy_resumes_ = 0;
    std::int64_t busy_last_checked_ = 0;
    std::uint64_t busy_last_resumes_ = 0;

    std::string where_;
};

}  // namespace vial::detail
