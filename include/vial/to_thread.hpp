#pragma once
/// Blocking work off the event loop.
///
/// `co_await vial::to_thread(fn)` runs `fn` on the blocking pool, a bounded set of
/// threads shared by the process, and resumes the caller on its own loop with fn's
/// result or exception. The loop keeps serving meanwhile. When every pool thread is busy,
/// work queues; past the queue's bound to_thread throws HttpError(503) instead of
/// piling up (a view answers 503). `vial::blocking(view)` registers a sync view that
/// always runs on the pool.
///
/// Size: 4 x cores threads and a queue of 1024 by default; set BLOCKING_POOL_THREADS and
/// BLOCKING_POOL_QUEUE in the config (read when a Server starts) or call
/// `vial::configure_blocking_pool` before first use. The size is logged when the pool
/// starts. Cancellation (the client left, a timeout, shutdown) drops a job still queued:
/// it never runs, and the awaiting task resumes at once with vial::Cancelled. A running fn
/// cannot be stopped: a task cancelled meanwhile still waits for it.
#include <vial/error.hpp>
#include <vial/handler.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace vial {

/// Sets the pool's size; only before its first use (throws vial::Error afterwards).
void configure_blocking_pool(unsigned threads, std::size_t queue_limit);

struct BlockingPoolStats {
    unsigned threads;
    std::size_t queue_limit;
    std::size_t in_flight;  // running plus queued
    /// Jobs dropped from the queue, never run, because their awaiting task was cancelled.
    std::uint64_t dropped = 0;
};
BlockingPoolStats blocking_pool_stats();

namespace detail {

/// A call to run on the pool, borrowed from the awaiting coroutine's frame (which stays
/// alive until the call has finished or been dropped unrun): two pointers, no allocation.
class BlockingCall {
  public:
    template <class F>
    requires(!std::is_same_v<std::remove_cv_t<F>, BlockingCall>) explicit BlockingCall(
        F& fn) noexcept
        : target_(&fn), invoke_([](void* target) { (*static_cast<F*>(target))(); }) {}
    void operator()() const { invoke_(target_); }

  private:
    void* target_;
    void (*invoke_)(void*);
};

/// Runs `call` on the blocking pool and resumes the caller on its own loop; rethrows
/// what the call threw. Throws HttpError(503) when the pool is saturated and Cancelled
/// when the awaiting task is cancelled while the call is still queued (it never runs).
/// The machinery (slots, cancellation, the hop back) is compiled once in the library.
Task<void> run_blocking(BlockingCall call);

}  // namespace detail

template <class F>
Task<std::invoke_result_t<F&>> to_thread(F fn) {
    using R = std::invoke_result_t<F&>;
    std::optional<std::conditional_t<std::is_void_v<R>, std::monostate, R>> value;
    auto call = [&] {
        if constexpr (std::is_void_v<R>) {
            fn();
            value.emplace();
        } else {
            value.emplace(fn());
        }
    };
    co_await detail::run_blocking(detail::BlockingCall(call));
    if constexpr (!std::is_void_v<R>) co_return std::move(*value);
}

/// A sync view that always runs on the blocking pool (a request that cannot get a pool
/// slot gets 503).
template <class F>
Handler blocking(F view) {
    static_assert(std::is_invocable_v<F&, Request&>,
                  "vial::blocking takes a sync view: (vial::Request&) -> result");
    using R = std::invoke_result_t<F&, Request&>;
    static_assert(ViewResult<R>, "vial::blocking takes a sync view returning a view result");
    return [view = std::move(view)](RequestContext& ctx) -> Task<Response> {
        Request& request = ctx.request();
        // The request is not touched by its loop while the view runs on the pool.
        co_return co_await to_thread([&view, &request] { return make_response(view(request)); });
    };
}

}  // namespace vial
