#pragma once
/// The loop-stall watchdog's counters.
///
/// A monitor thread watches each server loop's heartbeat. When a loop has not turned
/// for more than `stall_threshold` (ServerOptions, config STALL_THRESHOLD_MS; default
/// 100 ms, 0 = off) it logs one warning per stall once it ends:
///   event loop 0 blocked for 312 ms in GET /blocking (endpoint 'blocking'); move blocking
///   work to vial::to_thread or use an async client
/// The route named is the one the loop last started dispatching: exact for sync views;
/// for a coroutine view that blocks after resuming from an await, it may name a request
/// dispatched since on that loop.
#include <cstdint>
#include <string>

namespace vial {

struct StallStats {
    std::uint64_t stalls = 0;
    std::uint64_t longest_ms = 0;
    /// The last warning logged, empty if none.
    std::string last;
};

/// Process-wide counters (for a metrics endpoint).
StallStats loop_stall_stats();

}  // namespace vial
