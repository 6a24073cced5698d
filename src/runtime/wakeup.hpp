#pragma once
// Wakeup: a condition for coroutines of one loop. wait() suspends until notify_all() (or
// the waiter's cancellation); every waiter then rechecks what it waits for. Single
// threaded: waiters and notifiers run on the loop's own thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "../core/task_fwd.hpp"

namespace vial::detail {

class Wakeup {
  public:
    explicit Wakeup(const boost::asio::any_io_executor& executor) : timer_(executor) {}

    /// Returns after the next notify_all(); throws vial::Cancelled if the waiting
    /// coroutine was cancelled instead.
    Task<void> wait();
    /// Wakes every current waiter.
    void notify_all() { timer_.cancel(); }

  private:
    boost::asio::steady_timer timer_;
};

}  // namespace vial::detail
