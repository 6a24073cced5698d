#include <vial/database.hpp>

#include <boost/asio/this_coro.hpp>

#include <utility>

#include "backend.hpp"
#include "pg_backend.hpp"
#include "sqlite_backend.hpp"

namespace vial {

namespace asio = boost::asio;

namespace {

// The file of a sqlite URL: sqlite:///abs/path, sqlite://relative/path, sqlite://:memory:.
std::string sqlite_path(const std::string& url) {
    std::string path = url.substr(std::string_view("sqlite://").size());
    if (path.empty()) throw DatabaseError("the database URL names no file: use sqlite://:memory:");
    return path;
}

detail::Statement statement_of(std::string sql, std::vector<SqlValue> args) {
    detail::Statement statement = detail::sql_only(std::move(sql));
    statement.args = std::move(args);
    return statement;
}

}  // namespace

// Each task is named before it is awaited: an aggregate temporary (a Statement) in a
// co_await expression trips g++ 12 (docs/async.md).
Task<std::vector<Row>> QueryRunner::query_values(std::string sql, std::vector<SqlValue> args) {
    Task<detail::QueryResult> task = run(statement_of(std::move(sql), std::move(args)));
    detail::QueryResult result = co_await std::move(task);
    co_return std::move(result.rows);
}

Task<std::optional<Row>> QueryRunner::query_one_values(std::string sql,
                                                       std::vector<SqlValue> args) {
    detail::Statement statement = statement_of(std::move(sql), std::move(args));
    statement.max_rows = 1;
    Task<detail::QueryResult> task = run(std::move(statement));
    detail::QueryResult result = co_await std::move(task);
    if (result.rows.empty()) co_return std::nullopt;
    co_return std::move(result.rows.front());
}

namespace {
detail::Statement batch_of(std::string sql, std::vector<std::vector<SqlValue>> arg_sets) {
    detail::Statement statement = detail::sql_only(std::move(sql));
    statement.many = std::move(arg_sets);
    return statement;
}
}  // namespace

Task<std::vector<std::vector<Row>>> QueryRunner::query_many(
    std::string sql, std::vector<std::vector<SqlValue>> arg_sets) {
    std::vector<std::vector<Row>> rows;
    if (arg_sets.empty()) co_return rows;
    Task<detail::QueryResult> task = run(batch_of(std::move(sql), std::move(arg_sets)));
    detail::QueryResult result = co_await std::move(task);
    rows.reserve(result.many.size());
    for (auto& one : result.many) rows.push_back(std::move(one.rows));
    co_return rows;
}

Task<std::vector<ExecResult>> QueryRunner::execute_many(
    std::string sql, std::vector<std::vector<SqlValue>> arg_sets) {
    std::vector<ExecResult> done;
    if (arg_sets.empty()) co_return done;
    Task<detail::QueryResult> task = run(batch_of(std::move(sql), std::move(arg_sets)));
    detail::QueryResult result = co_await std::move(task);
    done.reserve(result.many.size());
    for (auto& one : result.many) done.push_back(one.exec);
    co_return done;
}

Task<ExecResult> QueryRunner::execute_values(std::string sql, std::vector<SqlValue> args) {
    Task<detail::QueryResult> task = run(statement_of(std::move(sql), std::move(args)));
    detail::QueryResult result = co_await std::move(task);
    co_return result.exec;
}

Database::Database(const std::string& url, DatabaseOptions options) {
    if (url.starts_with("sqlite://")) {
        backend_name_ = "sqlite";
        backend_ = std::make_shared<detail::SqliteBackend>(sqlite_path(url), options.sqlite_readers,
                                                           options.pool_timeout);
    } else if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
        backend_name_ = "postgresql";
        backend_ = detail::make_pg_backend(url, options);
    } else if (url.empty()) {
        throw DatabaseError(
            "the database URL is empty: use sqlite:///path/to/app.db, "
            "sqlite://:memory: or postgresql://user@host/dbname");
    } else if (url.starts_with("sqlite:")) {
        throw DatabaseError("'" + url +
                            "' is not a SQLite URL: use sqlite:///absolute/path.db, "
                            "sqlite://relative.db or sqlite://:memory:");
    } else {
        std::string scheme = url.substr(0, url.find(':'));
        throw DatabaseError("unsupported database URL scheme '" + scheme +
                            "': use sqlite:///path/to/app.db, sqlite://:memory: or "
                            "postgresql://user@host/dbname");
    }
}

Database::~Database() = default;

Task<detail::QueryResult> Database::run(detail::Statement statement) {
    return backend_->run(std::move(statement));
}

Task<PoolStats> Database::pool_stats() {
    return backend_->pool_stats();
}

Task<Listener> Database::listen(std::string channel) {
    std::shared_ptr<detail::NotificationQueue> queue =
        co_await backend_->listen(std::move(channel));
    co_return Listener(std::move(queue));
}

Task<void> Database::run_transaction(std::function<Task<void>(Transaction&)> body) {
    std::unique_ptr<detail::Session> session = co_await backend_->begin();
    Transaction tx(std::move(session), backend_name_);
    // A throw (or a cancellation) leaves through ~Transaction, whose Session rolls back.
    co_await body(tx);
    co_await tx.commit();
}

Task<RowStream> Database::stream_values(std::string sql, std::vector<SqlValue> args,
                                        std::size_t batch_rows) {
    if (batch_rows == 0) throw DatabaseError(backend_name_ + ": stream needs batch_rows >= 1");
    std::unique_ptr<detail::Session> session = co_await backend_->begin_stream(sql);
    auto opening = session->open_cursor(statement_of(std::move(sql), std::move(args)));
    co_await std::move(opening);  // named: g++ 12, docs/async.md
    co_return RowStream(std::move(session), batch_rows);
}

RowStream::RowStream(std::unique_ptr<detail::Session> session, std::size_t batch_rows)
    : session_(std::move(session)), batch_rows_(batch_rows) {}
// A moved-from stream is an ended one: next() gives nullopt.
RowStream::RowStream(RowStream&& other) noexcept
    : session_(std::move(other.session_)),
      batch_(std::move(other.batch_)),
      at_(std::exchange(other.at_, 0)),
      batch_rows_(other.batch_rows_) {
    other.batch_.clear();
}
RowStream& RowStream::operator=(RowStream&& other) noexcept {
    if (this != &other) {
        session_ = std::move(other.session_);
        batch_ = std::move(other.batch_);
        at_ = std::exchange(other.at_, 0);
        batch_rows_ = other.batch_rows_;
        other.batch_.clear();
    }
    return *this;
}
RowStream::~RowStream() = default;

Task<std::optional<Row>> RowStream::next() {
    if (at_ == batch_.size()) {
        batch_.clear();
        at_ = 0;
        if (!session_) co_return std::nullopt;  // ended (or moved from)
        std::exception_ptr failure;
        try {
            batch_ = co_await session_->fetch(batch_rows_);
        } catch (...) {
            failure = std::current_exception();
        }
        // The last batch, or a failure: the connection goes back now, not when the
        // stream is destroyed.
        if (failure || batch_.size() < batch_rows_) session_.reset();
        if (failure) std::rethrow_exception(failure);
        if (batch_.empty()) co_return std::nullopt;
    }
    co_return std::move(batch_[at_++]);
}

Transaction::Transaction(std::unique_ptr<detail::Session> session, std::string backend)
    : session_(std::move(session)), backend_(std::move(backend)) {}

Transaction::~Transaction() = default;

Task<detail::QueryResult> Transaction::run(detail::Statement statement) {
    return session_->run(std::move(statement));
}

Task<void> Transaction::step(std::string sql) {
    Task<detail::QueryResult> task = run(detail::sql_only(std::move(sql)));
    co_await std::move(task);
}

Task<void> Transaction::commit() {
    Task<detail::QueryResult> commit = session_->run(detail::sql_only("COMMIT"));
    co_await std::move(commit);
    session_->committed();
}

// Nested: a savepoint, released on success, rolled back to (and the error rethrown) on
// an exception. A cancellation skips that: the outer transaction rolls back whole.
Task<void> Transaction::run_transaction(std::function<Task<void>(Transaction&)> body) {
    std::string name = "vial_savepoint_" + std::to_string(++savepoints_);
    co_await step("SAVEPOINT " + name);
    std::exception_ptr failure;
    try {
        co_await body(*this);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
        if (state.cancelled() == asio::cancellation_type::none) {
            co_await step("ROLLBACK TO SAVEPOINT " + name);
            co_await step("RELEASE SAVEPOINT " + name);
        }
        --savepoints_;
        std::rethrow_exception(failure);
    }
    co_await step("RELEASE SAVEPOINT " + name);
    --savepoints_;
}

}  // namespace vial
