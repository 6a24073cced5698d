#include "admission.hpp"

#include <vial/server.hpp>

#include <sys/resource.h>

#include <algorithm>

namespace vial::detail {

Admission::Admission(const ConnectionLimits& limits)
    : max_connections_(limits.max_connections ? limits.max_connections : default_max_connections()),
      max_buffered_(limits.max_buffered_bytes) {}

bool Admission::admit_connection() noexcept {
    std::size_t now = connections_.load(std::memory_order_relaxed);
    while (now < max_connections_) {
        if (connections_.compare_exchange_weak(now, now + 1, std::memory_order_relaxed))
            return true;
    }
    return false;
}

std::size_t Admission::default_max_connections() noexcept {
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) return 100'000;
    auto soft = static_cast<std::size_t>(files.rlim_cur);
    std::size_t reserve = std::max<std::size_t>(32, soft / 16);
    return soft > reserve + 16 ? soft - reserve : 16;
}

}  // namespace vial::detail
