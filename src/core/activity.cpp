#include "activity.hpp"

namespace vial::detail {

namespace {
thread_local ActivitySlot* current_slot = nullptr;

// A string literal per common method: the watchdog thread may read it at any time.
const char* method_literal(std::string_view method) noexcept {
    static constexpr const char* kMethods[] = {"GET",    "POST", "PUT",    "PATCH",
                                               "DELETE", "HEAD", "OPTIONS"};
    for (const char* m : kMethods) {
        if (method == m) return m;
    }
    return "other";
}
}  // namespace

void set_activity_slot(ActivitySlot* slot) noexcept {
    current_slot = slot;
}

void note_activity(const Route* route, std::string_view method) noexcept {
    if (!current_slot) return;
    current_slot->route.store(route, std::memory_order_relaxed);
    current_slot->method.store(method_literal(method), std::memory_order_relaxed);
}

}  // namespace vial::detail
