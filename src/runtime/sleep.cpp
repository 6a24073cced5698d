#include <vial/cancel.hpp>
#include <vial/task.hpp>

#include <boost/asio/steady_timer.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <new>
#include <utility>

#include "activity.hpp"
#include "long_wait.hpp"
#include "sleep_queue.hpp"

namespace vial {

namespace {

namespace asio = boost::asio;
using LoopExecutor = asio::io_context::executor_type;

std::exception_ptr sleep_error(boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted)
        return std::make_exception_ptr(Cancelled("sleep was cancelled"));
    if (ec) return std::make_exception_ptr(boost::system::system_error(ec));
    return {};
}

// `duration` (positive) from now, saturating rather than overflowing.
std::chrono::steady_clock::time_point deadline_after(std::chrono::steady_clock::duration duration) {
    auto now = std::chrono::steady_clock::now();
    if (duration > std::chrono::steady_clock::time_point::max() - now)
        return std::chrono::steady_clock::time_point::max();
    return now + duration;
}

}  // namespace

// Off a server loop (a strand, a thread pool, a plain io_context), the wait is an Asio
// timer of its own.
struct Sleep::Timer {
    asio::steady_timer timer;
};

template <class Handler>
void Sleep::Start::operator()(Handler&& handler) const {
    static_assert(sizeof(AwaitHandler) <= sizeof(detail::SleepWait::storage) &&
                  alignof(AwaitHandler) <= alignof(void*));
    // A named Sleep awaited twice (`co_await std::move(s)` again) waits afresh.
    sleep->end_wait();
    detail::SleepWait& wait = sleep->wait_;
    asio::any_io_executor executor = asio::get_associated_executor(handler);
    auto* labelled = executor.target<detail::LabelledExecutor<LoopExecutor>>();
    if (!labelled) {
        Timer* timer = new Timer{asio::steady_timer(executor, sleep->duration_)};
        ::new (wait.storage) Timer*(timer);
        wait.state = detail::SleepWait::State::timed;
        timer->timer.async_wait(
            detail::long_wait_handler(std::forward<Handler>(handler), sleep_error));
        return;
    }
    // A server loop's: its board holds the loop's queue (a LabelledExecutor always has a
    // cell there; use_service would look it up under a lock).
    detail::ActivityCell* cell = labelled->cell();
    detail::SleepQueue& queue =
        cell && cell->board ? cell->board->sleep_queue()
                            : asio::use_service<detail::SleepQueue>(labelled->inner().context());
    const bool yield = sleep->duration_ <= std::chrono::steady_clock::duration::zero();
    // What may throw comes before the node takes the handler (the coroutine).
    if (!yield) queue.prepare(&wait, handler);
    wait.deadline =
        yield ? std::chrono::steady_clock::time_point{} : deadline_after(sleep->duration_);
    wait.index = detail::SleepWait::npos;
    ::new (wait.storage) AwaitHandler(std::forward<Handler>(handler));
    wait.state = detail::SleepWait::State::queued;
    if (yield) {
        queue.yield(wait);
    } else {
        queue.add(wait);
    }
}

template void Sleep::Start::operator()<Sleep::AwaitHandler>(Sleep::AwaitHandler&&) const;

void Sleep::end_wait() noexcept {
    switch (wait_.state) {
        case detail::SleepWait::State::queued:
            // Dequeued already: while the node is queued it owns the coroutine, and so
            // this Sleep; only the queue (a due time, a cancellation, its shutdown) lets it
            // go.
            detail::handler_of(wait_).~AwaitHandler();
            break;
        case detail::SleepWait::State::timed:
            delete *std::launder(reinterpret_cast<Timer**>(wait_.storage));
            break;
        case detail::SleepWait::State::idle:
            break;
    }
    wait_.state = detail::SleepWait::State::idle;
}

Sleep::~Sleep() {
    end_wait();
}

namespace {
Task<void> sleep_task(std::chrono::steady_clock::duration duration) {
    co_await Sleep(duration);
}
}  // namespace

Sleep::operator Task<void>() && {
    return sleep_task(duration_);
}

}  // namespace vial
