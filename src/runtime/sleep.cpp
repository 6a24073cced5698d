#include <vial/cancel.hpp>
#include <vial/task.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace vial {

// The wait is awaited as a deferred operation: its handler is the coroutine's own thread,
// with no coroutine frame of its own in between (use_awaitable would add one per sleep).
Task<void> sleep(std::chrono::steady_clock::duration duration) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, duration);
    auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::deferred));
    if (ec == boost::asio::error::operation_aborted) throw Cancelled("sleep was cancelled");
    if (ec) throw boost::system::system_error(ec);
}

}  // namespace vial
