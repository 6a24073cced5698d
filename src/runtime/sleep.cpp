#include <vial/cancel.hpp>
#include <vial/task.hpp>

#include <boost/asio/steady_timer.hpp>

#include <new>
#include <utility>

#include "long_wait.hpp"

namespace vial {

struct Sleep::Timer {
    boost::asio::steady_timer timer;
};

template <class Handler>
void Sleep::Start::operator()(Handler&& handler) const {
    static_assert(sizeof(Timer) <= sizeof(timer_storage_) &&
                  alignof(Timer) <= alignof(std::max_align_t));
    // A named Sleep awaited twice (`co_await std::move(s)` again) gets a fresh timer.
    if (sleep->timer_) std::exchange(sleep->timer_, nullptr)->~Timer();
    sleep->timer_ = ::new (sleep->timer_storage_)
        Timer{{boost::asio::get_associated_executor(handler), sleep->duration_}};
    sleep->timer_->timer.async_wait(
        detail::long_wait_handler(std::forward<Handler>(handler), [](boost::system::error_code ec) {
            if (ec == boost::asio::error::operation_aborted)
                return std::make_exception_ptr(Cancelled("sleep was cancelled"));
            if (ec) return std::make_exception_ptr(boost::system::system_error(ec));
            return std::exception_ptr();
        }));
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
