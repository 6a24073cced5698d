#include <vial/cancel.hpp>
#include <vial/task.hpp>

#include <boost/asio/steady_timer.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <new>
#include <utility>
#include <variant>

#include "activity.hpp"
#include "long_wait.hpp"

namespace vial {

namespace {

namespace asio = boost::asio;
using LoopExecutor = asio::io_context::executor_type;
// A timer on an event loop's own executor keeps 8 bytes of it, where a steady_timer
// keeps a type-erased executor (and so does its pending wait's state).
using LoopTimer =
    asio::basic_waitable_timer<std::chrono::steady_clock,
                               asio::wait_traits<std::chrono::steady_clock>, LoopExecutor>;

// The io_context executor under a coroutine's executor, when it is a vial loop's (its
// labelled executor) or a plain io_context's: nearly every sleep.
const LoopExecutor* loop_executor(const asio::any_io_executor& executor) noexcept {
    if (auto* labelled = executor.target<detail::LabelledExecutor<LoopExecutor>>())
        return &labelled->inner();
    return executor.target<LoopExecutor>();
}

std::exception_ptr sleep_error(boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted)
        return std::make_exception_ptr(Cancelled("sleep was cancelled"));
    if (ec) return std::make_exception_ptr(boost::system::system_error(ec));
    return {};
}

}  // namespace

// On another executor (a user's thread pool, say) the timer is its own allocation.
struct Sleep::Timer {
    std::variant<LoopTimer, std::unique_ptr<asio::steady_timer>> timer;
};

template <class Handler>
void Sleep::Start::operator()(Handler&& handler) const {
    static_assert(sizeof(Timer) <= sizeof(timer_storage_) &&
                  alignof(Timer) <= alignof(std::max_align_t));
    // A named Sleep awaited twice (`co_await std::move(s)` again) gets a fresh timer.
    if (sleep->timer_) std::exchange(sleep->timer_, nullptr)->~Timer();
    asio::any_io_executor executor = asio::get_associated_executor(handler);
    if (const LoopExecutor* loop = loop_executor(executor)) {
        sleep->timer_ = ::new (sleep->timer_storage_)
            Timer{std::variant<LoopTimer, std::unique_ptr<asio::steady_timer>>(
                std::in_place_index<0>, *loop, sleep->duration_)};
        std::get<0>(sleep->timer_->timer)
            .async_wait(detail::long_wait_handler(std::forward<Handler>(handler), sleep_error));
    } else {
        sleep->timer_ = ::new (sleep->timer_storage_)
            Timer{std::make_unique<asio::steady_timer>(executor, sleep->duration_)};
        std::get<1>(sleep->timer_->timer)
            ->async_wait(detail::long_wait_handler(std::forward<Handler>(handler), sleep_error));
    }
}

template void Sleep::Start::operator()<Sleep::AwaitHandler>(Sleep::AwaitHandler&&) const;

Sleep::~Sleep() {
    if (timer_) timer_->~Timer();
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
