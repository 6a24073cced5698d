#pragma once
// PgListener: a LISTEN connection of its own, outside the pool (a pooled connection
// would hand its notifications to whoever used it last). Notifications queue in order
// until read; one reader waits at a time.
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <deque>

#include "pg_connection.hpp"

namespace vial::detail {

class PgListener : public NotificationQueue, public std::enable_shared_from_this<PgListener> {
  public:
    /// Opens a connection on `executor`'s loop and runs LISTEN on it.
    static Task<std::shared_ptr<PgListener>> open(boost::asio::any_io_executor loop,
                                                  std::shared_ptr<const PgSettings> settings,
                                                  std::string channel);
    ~PgListener() override;

    Task<Notification> next() override;

  private:
    using Waiter = boost::asio::any_completion_handler<void(std::exception_ptr, Notification)>;

    void push(const PGnotify& notification);
    void fail(std::exception_ptr why);
    void wake(std::exception_ptr error, Notification notification);

    std::shared_ptr<PgConnection> connection_;
    std::string channel_;
    std::deque<Notification> pending_;
    std::exception_ptr failure_;
    std::optional<Waiter> waiter_;
    boost::asio::any_io_executor waiter_executor_;
    boost::asio::cancellation_slot waiter_slot_;
};

}  // namespace vial::detail
