#include "throw_trace.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <boost/stacktrace/stacktrace.hpp>

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define VIAL_THROW_TRACES 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define VIAL_THROW_TRACES 0
#endif
#endif
#ifndef VIAL_THROW_TRACES
#define VIAL_THROW_TRACES 1
#endif

namespace vial::detail {

namespace {

std::atomic<bool> g_enabled{false};

struct Captured {
    const void* object = nullptr;
    boost::stacktrace::stacktrace trace{0, 0};
};

// The last throws of this thread: a view's exception is caught on the thread that threw
// it (a coroutine's rethrow goes through std::rethrow_exception, not __cxa_throw).
struct Ring {
    std::array<Captured, 8> slots;
    std::size_t next = 0;
};
thread_local Ring t_ring;

// libstdc++'s exception_ptr is one pointer: the thrown object, as __cxa_throw saw it.
const void* object_of(const std::exception_ptr& error) {
    static_assert(sizeof(std::exception_ptr) == sizeof(void*));
    const void* object = nullptr;
    std::memcpy(&object, &error, sizeof object);
    return object;
}

}  // namespace

void enable_throw_traces(bool on) noexcept {
    g_enabled.store(on && VIAL_THROW_TRACES, std::memory_order_relaxed);
}

bool throw_traces_supported() noexcept {
    return VIAL_THROW_TRACES;
}

std::string throw_trace(const std::exception_ptr& error) {
    const void* object = object_of(error);
    if (!object) return {};
    for (std::size_t i = 1; i <= t_ring.slots.size(); ++i) {
        const Captured& c = t_ring.slots[(t_ring.next - i) % t_ring.slots.size()];
        if (c.object == object && !c.trace.empty()) return boost::stacktrace::to_string(c.trace);
    }
    return {};
}

#if VIAL_THROW_TRACES
// Capturing allocates: a bad_alloc thrown meanwhile comes back through __cxa_throw,
// which must not record again.
thread_local bool t_recording = false;

[[gnu::noinline]] void record_throw(const void* object) {
    if (t_recording) return;
    t_recording = true;
    Captured& slot = t_ring.slots[t_ring.next++ % t_ring.slots.size()];
    slot.object = nullptr;                              // half-written until the trace is in
    slot.trace = boost::stacktrace::stacktrace(2, 64);  // from the throw expression on
    slot.object = object;
    t_recording = false;
}

bool recording_throws() noexcept {
    return g_enabled.load(std::memory_order_relaxed);
}
#endif

}  // namespace vial::detail

#if VIAL_THROW_TRACES
// The signature libstdc++ declares internally (ext/concurrence.h sees it as void*).
extern "C" [[noreturn]] void __cxa_throw(void* object, void* type, void (*destroy)(void*)) {
    if (vial::detail::recording_throws()) vial::detail::record_throw(object);
    using Throw = void (*)(void*, void*, void (*)(void*));
    static const Throw real = reinterpret_cast<Throw>(::dlsym(RTLD_NEXT, "__cxa_throw"));
    if (!real) {
        // A fully static link has no "next" __cxa_throw: build with -DVIAL_THROW_TRACES=OFF.
        static const char kMessage[] =
            "vial: libstdc++'s __cxa_throw not found (static link?): rebuild vial with "
            "-DVIAL_THROW_TRACES=OFF\n";
        [[maybe_unused]] auto ignored = ::write(2, kMessage, sizeof kMessage - 1);
        std::abort();
    }
    real(object, type, destroy);
    __builtin_unreachable();
}
#endif
