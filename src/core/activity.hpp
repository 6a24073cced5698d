#pragma once
// What each event loop thread is running now, for the stall watchdog. The dispatcher
// notes the matched route per request (two relaxed stores); a loop thread points its
// slot at its Loop's; elsewhere (test client) there is no slot and nothing is noted.
// This is monitoring of a thread, not a "current request": nothing reads it to serve.
#include <atomic>
#include <string_view>

namespace vial::detail {

struct Route;

struct ActivitySlot {
    std::atomic<const Route*> route{nullptr};
    std::atomic<const char*> method{nullptr};
};

/// Installs the calling thread's slot (null to remove).
void set_activity_slot(ActivitySlot* slot) noexcept;
/// Notes the route (null when none matched) the calling thread is dispatching.
void note_activity(const Route* route, std::string_view method) noexcept;

}  // namespace vial::detail
