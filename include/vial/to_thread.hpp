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

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
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
    /// Jobs dropped from the queue, never run, because their awaiting task was cancelled.
    std::uint64_t dropped = 0;
};
BlockingPoolStats blocking_pool_stats();

namespace detail {
/// Reserves a slot for a job that will resume a task on `context`, starting the pool on
/// first use; false when saturated.
bool acquire_blocking_slot(const boost::asio::execution_context* context);
/// Frees the slot once the job no longer touches `context` (after posting back to it).
void release_blocking_slot(const boost::asio::execution_context* context) noexcept;
/// Other threads that post results back to a loop (a Database's) count themselves the
/// same way, outside the pool's capacity: begin before the job is queued, end after the
/// post back to `context`.
void begin_foreign_job(const boost::asio::execution_context* context);
void end_foreign_job(const boost::asio::execution_context* context) noexcept;
/// Waits (up to `limit`) until no job may still post to `context`: call before
/// destroying it. False if jobs remain.
bool wait_for_blocking_jobs(const boost::asio::execution_context* context,
                            std::chrono::steady_clock::duration limit);
boost::asio::thread_pool& blocking_pool();
}  // namespace detail

namespace detail {
/// Counts a job dropped from the queue because its awaiting task was cancelled. Until a
/// pool thread pops its husk (dead_blocking_job_popped), it still counts against the
/// queue's bound, so churning clients cannot grow the queue past it.
void note_dropped_blocking_job() noexcept;
void dead_blocking_job_popped() noexcept;
[[noreturn]] void throw_dropped_blocking_job();
}  // namespace detail

template <class F>
Task<std::invoke_result_t<F&>> to_thread(F fn) {
    namespace asio = boost::asio;
    using R = std::invoke_result_t<F&>;
    using Value = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
    struct State {
        std::optional<Value> value;
        std::exception_ptr error;
        bool dropped = false;
    };
    auto& context = asio::query(co_await asio::this_coro::executor, asio::execution::context);
    if (!detail::acquire_blocking_slot(&context)) {
        throw HttpError(503, "The server's blocking pool is saturated; try again shortly.");
    }
    auto state = std::make_shared<State>();
    // Named, not a temporary inside the co_await expression: g++ 12 destroys such
    // temporaries twice.
    auto initiation = [state, fn = std::move(fn), context = &context](auto handler) mutable {
        using Handler = decltype(handler);
        using Work = decltype(asio::make_work_guard(asio::get_associated_executor(handler)));
        // Whoever moves `phase` off Queued first owns the job's parts: the pool thread
        // that starts it, or a cancellation that drops it before it starts. The owner
        // destroys `fn` and moves the handler into the completion it queues on the task's
        // loop, so the handler (and the task frames it owns) lives and dies with that
        // loop, and nothing of the job outlives the pool slot it held.
        enum Phase : int { Queued, Running, Dropped };
        struct Job {
            std::atomic<int> phase{Queued};
            std::optional<F> fn;
            std::optional<Handler> handler;
            std::optional<Work> work;
        };
        auto job = std::make_shared<Job>();
        auto slot = asio::get_associated_cancellation_slot(handler);
        job->fn.emplace(std::move(fn));
        job->work.emplace(asio::make_work_guard(asio::get_associated_executor(handler)));
        job->handler.emplace(std::move(handler));
        if (slot.is_connected()) {
            // Runs on the awaiting task's loop. A job still queued is dropped and its task
            // resumed now with Cancelled; a running job cannot be stopped and completes.
            // Holds the job weakly: the slot lives in the awaiting task's frames, which the
            // job's handler owns, and a strong reference would keep both alive forever.
            slot.assign(
                [weak = std::weak_ptr<Job>(job), state, context](asio::cancellation_type type) {
                    auto job = weak.lock();
                    if (!job || type == asio::cancellation_type::none) return;
                    int expected = Queued;
                    if (!job->phase.compare_exchange_strong(expected, Dropped)) return;
                    state->dropped = true;
                    job->fn.reset();
                    Work work = std::move(*job->work);
                    job->work.reset();
                    asio::post(work.get_executor(), [handler = std::move(*job->handler)]() mutable {
                        std::move(handler)(std::exception_ptr{});
                    });
                    job->handler.reset();
                    work.reset();
                    detail::note_dropped_blocking_job();
                    detail::release_blocking_slot(context);
                });
        }
        asio::post(detail::blocking_pool(), [job, state, slot, context]() mutable {
            int expected = Queued;
            if (!job->phase.compare_exchange_strong(expected, Running)) {
                detail::dead_blocking_job_popped();
                return;
            }
            try {
                if constexpr (std::is_void_v<R>) {
                    (*job->fn)();
                    state->value.emplace();
                } else {
                    state->value.emplace((*job->fn)());
                }
            } catch (...) {
                state->error = std::current_exception();
            }
            // fn's captures and this thread's hold on the result go before the slot does:
            // the awaiting task keeps its own reference to `state`.
            job->fn.reset();
            state.reset();
            // Resume on the caller's loop, where the slot is cleared (it belongs to that
            // loop). The work guard goes only after the dispatch, and the pool slot after
            // both: whoever owns the loop waits for the slot (wait_for_blocking_jobs)
            // before destroying it, so this thread never touches a destroyed loop.
            asio::dispatch(job->work->get_executor(),
                           [handler = std::move(*job->handler), slot]() mutable {
                               if (slot.is_connected()) slot.clear();
                               std::move(handler)(std::exception_ptr{});
                           });
            job->handler.reset();
            job->work->reset();
            detail::release_blocking_slot(context);
        });
    };
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
        std::move(initiation), asio::use_awaitable);
    if (state->dropped) detail::throw_dropped_blocking_job();
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
