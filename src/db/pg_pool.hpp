#pragma once
// PgPool: one Database's PostgreSQL connections on one event loop (they never cross
// threads). Statements go to the least busy connection, pipelined behind whatever it
// already runs; a new connection opens while the busiest is busy and the pool is under
// DatabaseOptions::max_connections. A transaction leases a connection for itself.
// After a connection fails to open, the next attempt waits (50 ms, doubling to 2 s);
// meanwhile statements that find no connection fail at once with that failure.
//
// PgLoop is the io_context service that keeps each loop's pools, one per Database.
#include <boost/asio/execution_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "pg_connection.hpp"

namespace vial::detail {

class PgPool : public std::enable_shared_from_this<PgPool> {
  public:
    PgPool(boost::asio::any_io_executor executor, std::shared_ptr<const PgSettings> settings);

    /// A connection now (leased to the caller when `exclusive`), or null when every one is
    /// leased or at capacity. Throws the last connect failure while backing off.
    std::shared_ptr<PgConnection> try_pick(bool exclusive);
    /// Waits for try_pick to succeed, up to pool_timeout (then DatabasePoolTimeout).
    Task<std::shared_ptr<PgConnection>> pick(bool exclusive);
    /// A transaction ended: roll back unless it committed, and let others use it.
    void release(const std::shared_ptr<PgConnection>& connection, bool committed);
    /// The Database is gone or the loop stops: every statement fails, sockets close.
    void close(std::exception_ptr why);
    PoolStats stats() const;

  private:
    void on_connection(PgConnection& connection, std::exception_ptr failure);
    void wake();

    boost::asio::any_io_executor executor_;
    std::shared_ptr<const PgSettings> settings_;
    std::vector<std::shared_ptr<PgConnection>> connections_;
    std::list<boost::asio::steady_timer*> waiters_;
    std::chrono::steady_clock::time_point retry_after_{};
    std::chrono::milliseconds backoff_{0};
    std::exception_ptr last_failure_;
    bool closed_ = false;
    std::size_t deepest_pipeline_ = 0;  // of connections already gone
};

class PgLoop : public boost::asio::execution_context::service {
  public:
    static boost::asio::execution_context::id id;
    explicit PgLoop(boost::asio::execution_context& context);

    /// The pools of the loop `executor` runs on.
    static PgLoop& of(const boost::asio::any_io_executor& executor);

    /// Database `database`'s pool on this loop, made on first use.
    std::shared_ptr<PgPool> pool(std::uint64_t database,
                                 const std::shared_ptr<const PgSettings>& settings, bool& made);
    /// That Database was destroyed.
    void drop(std::uint64_t database);

    using Forget = std::function<void(PgLoop*)>;
    /// Called when this loop stops, so the Database stops posting to it.
    void on_shutdown(std::uint64_t database, Forget forget);

    boost::asio::any_io_executor executor() const { return executor_; }

  private:
    void shutdown() override;

    boost::asio::any_io_executor executor_;
    std::unordered_map<std::uint64_t, std::shared_ptr<PgPool>> pools_;
    std::unordered_map<std::uint64_t, Forget> forgets_;
};

}  // namespace vial::detail
