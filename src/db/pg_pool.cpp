#include "pg_pool.hpp"

#include <vial/cancel.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

#include <algorithm>

#include "../runtime/activity.hpp"

namespace vial::detail {

namespace asio = boost::asio;

namespace {
constexpr std::chrono::milliseconds kFirstBackoff{50}, kMaxBackoff{2000};
}

PgPool::PgPool(asio::any_io_executor executor, std::shared_ptr<const PgSettings> settings)
    : executor_(std::move(executor)), settings_(std::move(settings)) {}

std::shared_ptr<PgConnection> PgPool::try_pick(bool exclusive) {
    if (closed_) throw DatabaseError("postgresql: the Database was closed");
    PgConnection* best = nullptr;
    for (;;) {
        best = nullptr;
        for (const auto& connection : connections_) {
            if (connection->leased || connection->state() == PgConnection::State::broken) continue;
            if (!best || connection->load() < best->load()) best = connection.get();
        }
        // An idle connection is checked before use (the server may have closed it); a
        // dead one leaves connections_, and the choice is made again.
        if (!best || best->load() > 0 || best->still_open()) break;
    }
    bool room = connections_.size() < std::max<std::size_t>(1, settings_->options.max_connections);
    if (room && (!best || best->load() > 0)) {
        if (std::chrono::steady_clock::now() >= retry_after_) {
            auto weak = weak_from_this();
            auto fresh = std::make_shared<PgConnection>(
                executor_, settings_, [weak](PgConnection& connection, std::exception_ptr failure) {
                    if (auto pool = weak.lock()) pool->on_connection(connection, failure);
                });
            connections_.push_back(fresh);
            fresh->open();
            best = fresh.get();
        } else if (!best && last_failure_ && connections_.empty()) {
            std::rethrow_exception(last_failure_);
        }
    }
    if (!best) return nullptr;
    if (exclusive) best->leased = true;
    return best->shared_from_this();
}

Task<std::shared_ptr<PgConnection>> PgPool::pick(bool exclusive) {
    auto deadline = std::chrono::steady_clock::now() + settings_->options.pool_timeout;
    auto self = shared_from_this();
    for (;;) {
        if (auto connection = try_pick(exclusive)) co_return connection;
        if (std::chrono::steady_clock::now() >= deadline)
            throw DatabasePoolTimeout(
                "postgresql: no connection to " + settings_->where + " was free within " +
                std::to_string(settings_->options.pool_timeout.count()) + " ms (" +
                std::to_string(connections_.size()) +
                " per loop, each held by a transaction; DatabaseOptions::max_connections)");
        asio::steady_timer timer(executor_, deadline);
        // Listed while it waits; unlisted however the wait ends (a cancelled task throws
        // from the co_await, and the timer dies with this frame).
        struct Listed {
            std::list<asio::steady_timer*>& waiters;
            std::list<asio::steady_timer*>::iterator at;
            ~Listed() { waiters.erase(at); }
        } listed{waiters_, waiters_.insert(waiters_.end(), &timer)};
        // Woken early (cancelled) by wake(); a cancelled task throws on its next await.
        co_await timer.async_wait(asio::as_tuple(asio::deferred));
    }
}

void PgPool::wake() {
    for (auto* timer : waiters_) timer->cancel();
}

void PgPool::release(const std::shared_ptr<PgConnection>& connection, bool committed) {
    if (closed_) return;
    if (!committed && connection->state() != PgConnection::State::broken) {
        auto rollback = std::make_shared<PgQuery>();
        rollback->statement.sql = "ROLLBACK";
        connection->submit(rollback);
    }
    connection->leased = false;
    wake();
}

void PgPool::on_connection(PgConnection& connection, std::exception_ptr failure) {
    if (!failure) {
        backoff_ = std::chrono::milliseconds{0};
        last_failure_ = nullptr;
        wake();
        return;
    }
    if (!connection.was_ready()) {
        backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
        retry_after_ = std::chrono::steady_clock::now() + backoff_;
        last_failure_ = failure;
    }
    deepest_pipeline_ = std::max(deepest_pipeline_, connection.deepest_pipeline());
    std::erase_if(connections_, [&](const auto& c) { return c.get() == &connection; });
    wake();
}

PoolStats PgPool::stats() const {
    PoolStats stats{.connections = connections_.size(), .deepest_pipeline = deepest_pipeline_};
    for (const auto& connection : connections_)
        stats.deepest_pipeline = std::max(stats.deepest_pipeline, connection->deepest_pipeline());
    return stats;
}

void PgPool::close(std::exception_ptr why) {
    if (closed_) return;
    closed_ = true;
    auto connections = std::move(connections_);
    connections_.clear();
    for (auto& connection : connections) connection->close(why);
    wake();
}

asio::execution_context::id PgLoop::id;

PgLoop::PgLoop(asio::execution_context& context) : asio::execution_context::service(context) {}

PgLoop& PgLoop::of(const asio::any_io_executor& executor) {
    auto& context = asio::query(executor, asio::execution::context);
    PgLoop& loop = asio::use_service<PgLoop>(context);
    if (!loop.executor_) {
        // A connection's reads belong to no one request.
        loop.executor_ = ActivityBoard::loop_executor(context, executor);
    }
    return loop;
}

std::shared_ptr<PgPool> PgLoop::pool(std::uint64_t database,
                                     const std::shared_ptr<const PgSettings>& settings,
                                     bool& made) {
    auto& pool = pools_[database];
    made = !pool;
    if (!pool) pool = std::make_shared<PgPool>(executor_, settings);
    return pool;
}

void PgLoop::drop(std::uint64_t database) {
    forgets_.erase(database);
    auto found = pools_.find(database);
    if (found == pools_.end()) return;
    auto pool = std::move(found->second);
    pools_.erase(found);
    pool->close(std::make_exception_ptr(DatabaseError("postgresql: the Database was closed")));
}

void PgLoop::on_shutdown(std::uint64_t database, Forget forget) {
    forgets_[database] = std::move(forget);
}

void PgLoop::shutdown() {
    for (auto& [database, forget] : forgets_) forget(this);
    forgets_.clear();
    auto pools = std::move(pools_);
    pools_.clear();
    for (auto& [database, pool] : pools)
        pool->close(std::make_exception_ptr(Cancelled("the event loop stopped")));
}

}  // namespace vial::detail
