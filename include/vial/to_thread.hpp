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
/// starts. A running fn cannot be cancelled: a cancelled request still waits for it.
#include <vial/error.hpp>
#include <vial/handler.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <memory>
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
};
BlockingPoolStats blocking_pool_stats();

namespace detail {
/// Reserves a slot for a job that will resume a task on `context`, starting the pool on
/// first use; false when saturated.
bool acquire_blocking_slot(const boost::asio::execution_context* context);
/// Frees the slot once the job no longer touches `context` (after posting back to it).
void release_blocking_slot(const boost::asio::execution_context* context) noexcept;
/// Waits (up to `limit`) until no job may still post to `context`: call before
/// destroying it. False if jobs remain.
bool wait_for_blocking_jobs(const boost::asio::execution_context* context,
                            std::chrono::steady_clock::duration limit);
boost::asio::thread_pool& blocking_pool();
}  // namespace detail

template <class F>
Task<std::invoke_result_t<F&>> to_thread(F fn) {
    namespace asio = boost::asio;
    using R = std::invoke_result_t<F&>;
    using Value = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
    struct State {
        std::optional<Value> value;
        std::exception_ptr error;
    };
    auto& context = asio::query(co_await asio::this_coro::executor, asio::execution::context);
    if (!detail::acquire_blocking_slot(&context)) {
        throw HttpError(503, "The server's blocking pool is saturated; try again shortly.");
    }
    auto state = std::make_shared<State>();
    // Named, not a temporary inside the co_await expression: g++ 12 destroys such
    // temporaries twice.
    auto initiation = [state, fn = std::move(fn), context = &context](auto handler) mutable {
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        asio::post(detail::blocking_pool(),
                   [state, fn = std::move(fn), handler = std::move(handler), work = std::move(work),
                    context]() mutable {
                       try {
                           if constexpr (std::is_void_v<R>) {
                               fn();
                               state->value.emplace();
                           } else {
                               state->value.emplace(fn());
                           }
                       } catch (...) {
                           state->error = std::current_exception();
                       }
                       // Resume on the caller's loop. The work guard goes only after the
                       // dispatch, and the slot after both: whoever owns the loop waits for
                       // the slot (wait_for_blocking_jobs) before destroying it, so this
                       // thread never touches a destroyed loop.
                       asio::dispatch(work.get_executor(), std::move(handler));
                       work.reset();
                       detail::release_blocking_slot(context);
                   });
    };
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(std::move(initiation),
                                                                          asio::use_awaitable);
    if (state->error) std::rethrow_exception(state->error);
    if constexpr (!std::is_void_v<R>) co_return std::move(*state->value);
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
