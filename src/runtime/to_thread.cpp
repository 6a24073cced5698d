// vial::to_thread's machinery, compiled once: the public template only wraps the user's
// callable into a BlockingCall and stores its result.
#include <vial/to_thread.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>
#include <memory>

#include "blocking_pool.hpp"
#include "deferred_op.hpp"

namespace vial::detail {

namespace {

namespace asio = boost::asio;

/// What the awaiting task reads once resumed; shared with the pool thread.
struct Outcome {
    std::exception_ptr error;
    bool dropped = false;
};

/// Whoever moves `phase` off Queued first owns the job's parts: the pool thread that
/// starts it, or a cancellation that drops it before it starts. The owner moves the
/// handler into the completion it queues on the task's loop, so the handler (and the task
/// frames it owns, where the call's target lives) lives and dies with that loop, and
/// nothing of the job outlives the pool slot it held.
template <class Handler>
struct Job {
    using Work =
        decltype(asio::make_work_guard(asio::get_associated_executor(std::declval<Handler&>())));
    enum Phase : int { Queued, Running, Dropped };
    std::atomic<int> phase{Queued};
    BlockingCall call;
    std::optional<Handler> handler;
    std::optional<Work> work;

    explicit Job(BlockingCall c) : call(c) {}
};

/// Runs on the awaiting task's loop. A job still queued is dropped and its task resumed
/// now with Cancelled; a running job cannot be stopped and completes.
template <class Handler>
void drop_if_queued(const std::shared_ptr<Job<Handler>>& job, Outcome& outcome,
                    const asio::execution_context* context) {
    int expected = Job<Handler>::Queued;
    if (!job->phase.compare_exchange_strong(expected, Job<Handler>::Dropped)) return;
    outcome.dropped = true;
    auto work = std::move(*job->work);
    job->work.reset();
    asio::post(work.get_executor(), [handler = std::move(*job->handler)]() mutable {
        std::move(handler)(std::exception_ptr{});
    });
    job->handler.reset();
    work.reset();
    note_dropped_blocking_job();
    release_blocking_slot(context);
}

/// Runs on a pool thread.
template <class Handler, class Slot>
void run_job(const std::shared_ptr<Job<Handler>>& job, std::shared_ptr<Outcome> outcome, Slot slot,
             const asio::execution_context* context) {
    int expected = Job<Handler>::Queued;
    if (!job->phase.compare_exchange_strong(expected, Job<Handler>::Running)) {
        dead_blocking_job_popped();
        return;
    }
    try {
        job->call();
    } catch (...) {
        outcome->error = std::current_exception();
    }
    // This thread's hold on the outcome goes before the slot does: the awaiting task
    // keeps its own reference.
    outcome.reset();
    // Resume on the caller's loop, where the cancellation slot is cleared (it belongs to
    // that loop). The work guard goes only after the dispatch, and the pool slot after
    // both: whoever owns the loop waits for the slot (wait_for_blocking_jobs) before
    // destroying it, so this thread never touches a destroyed loop.
    asio::dispatch(job->work->get_executor(), [handler = std::move(*job->handler), slot]() mutable {
        if (slot.is_connected()) slot.clear();
        std::move(handler)(std::exception_ptr{});
    });
    job->handler.reset();
    job->work->reset();
    release_blocking_slot(context);
}

}  // namespace

Task<void> run_blocking(BlockingCall call) {
    auto& context = asio::query(co_await asio::this_coro::executor, asio::execution::context);
    if (!acquire_blocking_slot(&context)) {
        throw HttpError(503, "The server's blocking pool is saturated; try again shortly.");
    }
    auto outcome = std::make_shared<Outcome>();
    // Named, not a temporary inside the co_await expression: g++ 12 destroys such
    // temporaries twice.
    auto initiation = [outcome, call, context = &context](auto handler) {
        using Handler = decltype(handler);
        auto job = std::make_shared<Job<Handler>>(call);
        auto slot = asio::get_associated_cancellation_slot(handler);
        job->work.emplace(asio::make_work_guard(asio::get_associated_executor(handler)));
        job->handler.emplace(std::move(handler));
        if (slot.is_connected()) {
            // Holds the job weakly: the slot lives in the awaiting task's frames, which the
            // job's handler owns, and a strong reference would keep both alive forever.
            slot.assign([weak = std::weak_ptr<Job<Handler>>(job), outcome,
                         context](asio::cancellation_type type) {
                auto job = weak.lock();
                if (!job || type == asio::cancellation_type::none) return;
                drop_if_queued(job, *outcome, context);
            });
        }
        asio::post(blocking_pool(), [job, outcome, slot, context]() mutable {
            run_job(job, std::move(outcome), slot, context);
        });
    };
    detail::value_or_rethrow(
        co_await detail::deferred_operation<void(std::exception_ptr)>(std::move(initiation)));
    if (outcome->dropped) throw_dropped_blocking_job();
    if (outcome->error) std::rethrow_exception(outcome->error);
}

}  // namespace vial::detail
