#include <vial/cancel.hpp>
#include <vial/task.hpp>

#include <boost/asio/associator.hpp>
#include <boost/asio/steady_timer.hpp>

#include <new>

#include <utility>
#include "heap_allocator.hpp"

namespace vial {

struct Sleep::Timer {
    boost::asio::steady_timer timer;
};

namespace detail {

// The timer's handler: the awaiting coroutine's, its error turned into the exception the
// co_await throws. Asio sees the coroutine's executor and cancellation slot through it.
template <class Handler>
struct SleepDone {
    Handler handler;

    void operator()(boost::system::error_code ec) {
        std::exception_ptr error;
        if (ec == boost::asio::error::operation_aborted) {
            error = std::make_exception_ptr(Cancelled("sleep was cancelled"));
        } else if (ec) {
            error = std::make_exception_ptr(boost::system::system_error(ec));
        }
        std::move(handler)(std::move(error));
    }
};

}  // namespace detail
}  // namespace vial

// A sleep's wait may last minutes: its state is allocated at its own size, not in a
// larger block from Asio's per-thread cache (heap_allocator.hpp).
template <class Handler, class Default>
struct boost::asio::associated_allocator<vial::detail::SleepDone<Handler>, Default> {
    using type = vial::detail::HeapAllocator<void>;
    static type get(const vial::detail::SleepDone<Handler>&) noexcept { return {}; }
    static type get(const vial::detail::SleepDone<Handler>&, const Default&) noexcept { return {}; }
};

template <template <class, class> class Associator, class Handler, class Default>
struct boost::asio::associator<Associator, vial::detail::SleepDone<Handler>, Default> {
    using type = typename Associator<Handler, Default>::type;
    static type get(const vial::detail::SleepDone<Handler>& done) noexcept {
        return Associator<Handler, Default>::get(done.handler);
    }
    static auto get(const vial::detail::SleepDone<Handler>& done, const Default& fallback) noexcept
        -> decltype(Associator<Handler, Default>::get(done.handler, fallback)) {
        return Associator<Handler, Default>::get(done.handler, fallback);
    }
};

namespace vial {

template <class Handler>
void Sleep::Start::operator()(Handler&& handler) const {
    static_assert(sizeof(Timer) <= sizeof(timer_storage_) &&
                  alignof(Timer) <= alignof(std::max_align_t));
    sleep->timer_ = ::new (sleep->timer_storage_)
        Timer{{boost::asio::get_associated_executor(handler), sleep->duration_}};
    sleep->timer_->timer.async_wait(
        detail::SleepDone<std::decay_t<Handler>>{std::forward<Handler>(handler)});
}

// The handler of a Task's `co_await` of an asynchronous operation: the only one a Sleep
// is started with.
using AwaitHandler = boost::asio::detail::awaitable_async_op_handler<void(std::exception_ptr),
                                                                     boost::asio::any_io_executor>;
template void Sleep::Start::operator()<AwaitHandler>(AwaitHandler&&) const;

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
