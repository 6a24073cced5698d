#pragma once
// Wakeup: a condition for coroutines of one loop. `co_await wakeup.wait()` suspends
// until notify_all() (or the waiter's cancellation); every waiter then rechecks what it
// waits for. Single threaded: waiters and notifiers run on the loop's own thread. A
// Wakeup outlives its waits (what it guards is gone with it, so nobody waits then).
#include <vial/cancel.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <exception>

#include "long_wait.hpp"

namespace vial::detail {

class Wakeup {
  public:
    explicit Wakeup(const boost::asio::any_io_executor& executor) : timer_(executor) {}

    /// The wait, awaited in place (no coroutine frame of its own: an idle WebSocket's
    /// receive holds one fewer). Ends after the next notify_all(); throws vial::Cancelled
    /// if the waiting coroutine was cancelled instead.
    auto wait() {
        return boost::asio::async_initiate<const boost::asio::deferred_t&,
                                           void(std::exception_ptr)>(
            [this](auto handler) { start(std::move(handler)); }, boost::asio::deferred);
    }
    /// Wakes every current waiter.
    void notify_all() {
        ++notified_;
        timer_.cancel();
    }

  private:
    template <class Handler>
    void start(Handler handler) {
        // The timer never expires: only notify_all() (a cancel of every wait) or the
        // waiter's own cancellation ends the wait, which the count of notifications tells
        // apart. (Both in one turn of the loop count as a notification: the waiter
        // rechecks its condition, and its next await throws operation_aborted.) Setting the expiry
        // again cancels waits already pending, so it is set only when nobody waits yet.
        if (timer_.expiry() != boost::asio::steady_timer::time_point::max())
            timer_.expires_at(boost::asio::steady_timer::time_point::max());
        timer_.async_wait(long_wait_handler(
            std::move(handler), [this, notified = notified_](boost::system::error_code) {
                return notified_ != notified ? std::exception_ptr()
                                             : std::make_exception_ptr(Cancelled());
            }));
    }

    boost::asio::steady_timer timer_;
    std::uint64_t notified_ = 0;
};

}  // namespace vial::detail
