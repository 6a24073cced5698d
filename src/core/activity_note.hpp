#pragma once
// The dispatcher's one call into the stall watchdog's bookkeeping (src/runtime/activity.hpp),
// kept apart so that src/core includes no Asio I/O header.
#include <string_view>

namespace vial::detail {

struct Route;

/// Notes the route (null when none matched) that the calling loop thread now runs, in
/// its current cell. No-op off loop threads.
void note_activity(const Route* route, std::string_view method) noexcept;

}  // namespace vial::detail
