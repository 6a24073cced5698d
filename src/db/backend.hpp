#pragma once
// What vial::Database asks of a backend (SQLite, PostgreSQL): run a statement on any
// free connection, or hold one connection for a transaction (a Session).
#include <vial/database.hpp>

#include <boost/asio/any_completion_handler.hpp>

#include <exception>
#include <memory>

namespace vial::detail {

/// What an awaiting task's statement completes with, on either backend.
using QueryHandler = boost::asio::any_completion_handler<void(std::exception_ptr, QueryResult)>;

/// One connection held for a transaction, BEGIN already run. Destroying it without
/// committed() rolls the transaction back before the connection serves anyone else; the
/// destructor never blocks and may run on any thread.
class Session {
  public:
    virtual ~Session() = default;
    virtual Task<QueryResult> run(Statement statement) = 0;
    /// COMMIT succeeded: nothing to roll back.
    virtual void committed() noexcept = 0;
    /// Opens `statement` as the session's one cursor; its rows then come from fetch().
    virtual Task<void> open_cursor(Statement statement) = 0;
    /// Up to `rows` more rows of the cursor: fewer, or none, at its end.
    virtual Task<std::vector<Row>> fetch(std::size_t rows) = 0;
};

class Backend {
  public:
    virtual ~Backend() = default;
    virtual Task<QueryResult> run(Statement statement) = 0;
    /// A connection of the Session's own, with BEGIN run on it.
    virtual Task<std::unique_ptr<Session>> begin() = 0;
    /// A connection of the Session's own, to read the rows of `sql` as a cursor
    /// (RowStream).
    virtual Task<std::unique_ptr<Session>> begin_stream(const std::string& sql) = 0;
    virtual Task<PoolStats> pool_stats() = 0;
    virtual Task<std::shared_ptr<NotificationQueue>> listen(std::string channel) = 0;
};

}  // namespace vial::detail
