#include "pg_backend.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>
#include <mutex>

#include "../runtime/deferred_op.hpp"
#include "pg_listener.hpp"
#include "pg_pool.hpp"
#include "sql_text.hpp"

namespace vial::detail {

namespace asio = boost::asio;

namespace {

// host:port/dbname from libpq's own reading of the URL (never the password).
std::string where_of(const std::string& url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    if (!options) {
        std::string why = error ? error : "out of memory";
        if (error) PQfreemem(error);
        while (!why.empty() && why.back() == '\n') why.pop_back();
        throw DatabaseError("postgresql: the database URL is not valid: " + why);
    }
    std::string host, port, dbname;
    for (PQconninfoOption* option = options; option->keyword; ++option) {
        if (!option->val) continue;
        std::string_view key = option->keyword;
        if (key == "host" || (key == "hostaddr" && host.empty())) host = option->val;
        if (key == "port") port = option->val;
        if (key == "dbname") dbname = option->val;
    }
    PQconninfoFree(options);
    if (host.empty()) host = "localhost";
    return host + (port.empty() ? "" : ":" + port) + (dbname.empty() ? "" : "/" + dbname);
}

// Submits `query` to `connection`; the returned deferred operation completes with its result.
// Cancelling the await abandons the statement there. Not a coroutine of its own: the
// caller's frame holds what the statement needs.
auto start(const std::shared_ptr<PgConnection>& connection, std::shared_ptr<PgQuery> query) {
    auto initiation = [&connection, query = std::move(query)](auto handler) {
        query->slot = asio::get_associated_cancellation_slot(handler);
        query->handler.emplace(std::move(handler));
        if (query->slot.is_connected()) {
            query->slot.assign(
                [weak = std::weak_ptr<PgQuery>(query)](asio::cancellation_type type) {
                    auto q = weak.lock();
                    // Done: finished, or its connection failed it (and may be gone).
                    if (!q || q->done || type == asio::cancellation_type::none) return;
                    if (q->members.empty()) {
                        if (auto connection = q->connection.lock()) connection->abandon(*q);
                        return;
                    }
                    auto members = q->members;  // abandoning the last completes q
                    for (auto& member : members) {
                        if (member->done) continue;
                        if (auto connection = member->connection.lock())
                            connection->abandon(*member);
                    }
                });
        }
        // A batch of reads (or any batch in a transaction) goes under one Sync: the
        // server answers it in one flush, not one per statement (pg_connection.hpp).
        query->in_transaction = connection->leased;
        for (auto& member : query->members) member->in_transaction = connection->leased;
        query->one_sync =
            query->members.size() > 1 && (connection->leased || reads_only(query->statement.sql));
        if (query->members.empty() || query->one_sync) {
            connection->submit(query);
            return;
        }
        // One connection, in order (a later statement may depend on an earlier one).
        for (auto& member : query->members) connection->submit(member);
    };
    return deferred_operation<void(std::exception_ptr, QueryResult)>(std::move(initiation));
}

// The statement to await; for query_many, one member per set of values under it.
std::shared_ptr<PgQuery> make_query(Statement statement) {
    auto query = std::make_shared<PgQuery>();
    query->statement = std::move(statement);
    std::size_t count = query->statement.many.size();
    if (count == 0) return query;
    query->members.reserve(count);
    query->remaining = count;
    query->result.many.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        auto member = std::make_shared<PgQuery>();
        member->statement.sql = query->statement.sql;
        member->statement.args = std::move(query->statement.many[i]);
        member->parent = query;
        member->index = i;
        query->members.push_back(std::move(member));
    }
    query->statement.many.clear();
    return query;
}

// Members point to their parent and the parent to them: whichever way the awaiting
// task ends (or is destroyed unfinished), the cycle is cut.
struct MembersUnlinked {
    std::shared_ptr<PgQuery> query;
    ~MembersUnlinked() {
        for (auto& member : query->members) member->parent.reset();
        query->members.clear();
    }
};

Task<QueryResult> run_on(std::shared_ptr<PgConnection> connection, Statement statement) {
    auto query = make_query(std::move(statement));
    MembersUnlinked unlinked{query};
    query->executor = co_await asio::this_coro::executor;
    auto operation = start(connection, std::move(query));
    co_return value_or_rethrow(co_await std::move(operation));
}

class PgSession : public Session {
  public:
    PgSession(std::shared_ptr<PgPool> pool, std::shared_ptr<PgConnection> connection)
        : pool_(std::move(pool)), connection_(std::move(connection)) {}
    ~PgSession() override { pool_->release(connection_, committed_); }

    Task<QueryResult> run(Statement statement) override {
        return run_on(connection_, std::move(statement));
    }
    void committed() noexcept override { committed_ = true; }

    // A cursor of the transaction's own: it ends with the transaction (rolled back when
    // the stream is done), so nothing needs closing.
    Task<void> open_cursor(Statement statement) override {
        statement.sql = "DECLARE vial_rows NO SCROLL CURSOR FOR " + statement.sql;
        co_await run_on(connection_, std::move(statement));
    }
    Task<std::vector<Row>> fetch(std::size_t rows) override {
        Statement statement = sql_only("FETCH FORWARD " + std::to_string(rows) + " FROM vial_rows");
        statement.text_results = true;  // the same FETCH reads cursors of any columns
        QueryResult result = co_await run_on(connection_, std::move(statement));
        co_return std::move(result.rows);
    }

  private:
    std::shared_ptr<PgPool> pool_;
    std::shared_ptr<PgConnection> connection_;
    bool committed_ = false;
};

std::atomic<std::uint64_t> next_database{0};

class PgBackend : public Backend, public std::enable_shared_from_this<PgBackend> {
  public:
    PgBackend(const std::string& url, const DatabaseOptions& options)
        : settings_(std::make_shared<PgSettings>(PgSettings{url, where_of(url), options})) {}

    ~PgBackend() override {
        std::lock_guard lock(mutex_);
        // Each loop is alive while listed (it delists under this lock when it stops).
        for (PgLoop* loop : loops_)
            asio::post(loop->executor(), [loop, id = id_] { loop->drop(id); });
    }

    Task<QueryResult> run(Statement statement) override {
        auto query = make_query(std::move(statement));
        MembersUnlinked unlinked{query};
        query->executor = co_await asio::this_coro::executor;
        auto pool = pool_here(query->executor);
        std::shared_ptr<PgConnection> connection = pool->try_pick(false);
        if (!connection) connection = co_await pool->pick(false);
        auto operation = start(connection, std::move(query));
        co_return value_or_rethrow(co_await std::move(operation));
    }

    Task<std::unique_ptr<Session>> begin() override {
        auto pool = pool_here(co_await asio::this_coro::executor);
        std::shared_ptr<PgConnection> connection = pool->try_pick(true);
        if (!connection) connection = co_await pool->pick(true);
        // Made first: if BEGIN fails or this task dies, the connection is released.
        auto session = std::make_unique<PgSession>(pool, connection);
        auto begin = run_on(connection, sql_only("BEGIN"));  // named: g++ 12, docs/async.md
        co_await std::move(begin);
        co_return std::move(session);
    }

    Task<std::unique_ptr<Session>> begin_stream(const std::string&) override { return begin(); }

    Task<std::shared_ptr<NotificationQueue>> listen(std::string channel) override {
        auto executor = co_await asio::this_coro::executor;
        std::shared_ptr<PgListener> listener = co_await PgListener::open(
            PgLoop::of(executor).executor(), settings_, std::move(channel));
        co_return listener;
    }

    Task<PoolStats> pool_stats() override {
        auto pool = pool_here(co_await asio::this_coro::executor);
        co_return pool->stats();
    }

  private:
    std::shared_ptr<PgPool> pool_here(const asio::any_io_executor& executor) {
        PgLoop& loop = PgLoop::of(executor);
        bool made = false;
        auto pool = loop.pool(id_, settings_, made);
        if (made) {
            std::lock_guard lock(mutex_);
            loops_.push_back(&loop);
            loop.on_shutdown(id_, [weak = weak_from_this()](PgLoop* stopping) {
                if (auto self = weak.lock()) {
                    std::lock_guard lock(self->mutex_);
                    std::erase(self->loops_, stopping);
                }
            });
        }
        return pool;
    }

    std::uint64_t id_ = ++next_database;
    std::shared_ptr<const PgSettings> settings_;
    std::mutex mutex_;
    std::vector<PgLoop*> loops_;
};

}  // namespace

std::shared_ptr<Backend> make_pg_backend(const std::string& url, const DatabaseOptions& options) {
    return std::make_shared<PgBackend>(url, options);
}

}  // namespace vial::detail
