#include "wakeup.hpp"

#include <vial/cancel.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/this_coro.hpp>

namespace vial::detail {

Task<void> Wakeup::wait() {
    // The timer never expires: only notify_all() (a cancel of every wait) or the
    // waiter's own cancellation ends the wait. Setting the expiry again cancels waits
    // already pending, so it is set only when nobody waits yet.
    if (timer_.expiry() != boost::asio::steady_timer::time_point::max())
        timer_.expires_at(boost::asio::steady_timer::time_point::max());
    auto [ec] = co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::deferred));
    (void)ec;
    auto state = co_await boost::asio::this_coro::cancellation_state;
    if (state.cancelled() != boost::asio::cancellation_type::none) throw Cancelled();
}

}  // namespace vial::detail
