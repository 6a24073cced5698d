#pragma once
/// vial::Database: queries a view can co_await, on SQLite or PostgreSQL, chosen by URL.
///
///     vial::Database db{"sqlite:///var/lib/app/app.db"};   // or sqlite://:memory:,
///                                                          // postgresql://user@host/db
///     co_await db.execute("INSERT INTO items(name) VALUES (?)", name);
///     std::vector<vial::Row> rows = co_await db.query("SELECT id, name FROM items");
///     co_return vial::rows_to_json(rows);                  // [{"id":1,"name":"a"}]
///
///     co_await db.transaction([&](vial::Transaction& tx) -> vial::Task<void> {
///         co_await tx.execute("UPDATE accounts SET cents = cents - ? WHERE id = ?", 5, a);
///         co_await tx.execute("UPDATE accounts SET cents = cents + ? WHERE id = ?", 5, b);
///     });                                 // committed; rolled back if the body throws
///
/// Placeholders are `?` on both backends (PostgreSQL's `$1` also works there); values
/// are bound, never spliced into the SQL. SQLite runs on a thread of the Database's own,
/// never on the event loop. PostgreSQL runs on the awaiting loop itself (libpq
/// non-blocking, a pool of pipelined connections per loop). Cancellation (the client
/// left, a vial::timeout) resumes the awaiting task at once with vial::Cancelled, stops
/// the statement if it runs (docs/databases.md says when it may still complete) and
/// leaves the connection usable.
#include <vial/error.hpp>
#include <vial/json.hpp>
#include <vial/task.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace vial {

/// Bytes for a BLOB (a std::string binds as TEXT).
struct Blob {
    std::string bytes;
    bool operator==(const Blob&) const = default;
};

/// One SQL value: NULL, INTEGER, REAL, TEXT or BLOB.
using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string, Blob>;

/// A failed statement or connection. The message names the backend and, for a statement,
/// its SQL, never the bound values (they may be secrets).
class DatabaseError : public Error {
    using Error::Error;
};
/// A UNIQUE, NOT NULL, CHECK or FOREIGN KEY constraint refused the statement.
class ConstraintError : public DatabaseError {
    using DatabaseError::DatabaseError;
};
/// The SQL did not parse (PostgreSQL's class 42601; SQLite's "syntax error").
class SqlSyntaxError : public DatabaseError {
    using DatabaseError::DatabaseError;
};
/// The server could not be reached, refused us, or the connection was lost mid-query.
class DatabaseConnectError : public DatabaseError {
    using DatabaseError::DatabaseError;
};
/// The server refused the credentials (or the role or database does not exist).
class DatabaseAuthError : public DatabaseConnectError {
    using DatabaseConnectError::DatabaseConnectError;
};
/// No connection became free within DatabaseOptions::pool_timeout.
class DatabasePoolTimeout : public DatabaseError {
    using DatabaseError::DatabaseError;
};

/// One result row: values by column index or name.
class Row {
  public:
    Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<SqlValue> values);

    std::size_t size() const noexcept { return values_.size(); }
    const std::vector<std::string>& columns() const noexcept { return *columns_; }
    const SqlValue& operator[](std::size_t index) const;
    const SqlValue& operator[](std::string_view column) const;

    /// The value as T: std::int64_t (and other integers, range-checked), double, bool,
    /// std::string, Blob, or std::optional of those (nullopt for NULL). A NULL without
    /// optional, or another type, throws DatabaseError naming the column and both types.
    template <class T>
    T get(std::string_view column) const {
        return convert<T>(index_of(column));
    }
    template <class T>
    T get(std::size_t index) const {
        return convert<T>(checked(index));
    }

    /// {"column": value, ...}; a BLOB becomes a string of its bytes.
    Json to_json() const;

  private:
    std::size_t index_of(std::string_view column) const;
    std::size_t checked(std::size_t index) const;
    [[noreturn]] void mismatch(std::size_t index, const char* wanted) const;

    template <class T>
    T convert(std::size_t index) const;

    std::shared_ptr<const std::vector<std::string>> columns_;
    std::vector<SqlValue> values_;
};

/// What execute() did.
struct ExecResult {
    std::int64_t rows_affected = 0;
    /// The rowid of the last INSERT (SQLite's last_insert_rowid; PostgreSQL has none:
    /// use `INSERT ... RETURNING id` with query_value).
    std::int64_t last_insert_id = 0;
};

/// A look at the calling loop's connections (PostgreSQL; SQLite has one, never pipelined).
struct PoolStats {
    std::size_t connections = 0;
    /// The most statements one connection has had in flight at once so far: above 1
    /// when pipelining carried concurrent queries.
    std::size_t deepest_pipeline = 0;
};

/// One NOTIFY a Listener received.
struct Notification {
    std::string channel;
    std::string payload;
    int sender_pid = 0;  // the PostgreSQL backend that sent it
};

/// How a Database connects and pools. The defaults suit a web app.
struct DatabaseOptions {
    /// PostgreSQL: connections per event loop. Queries from one loop share them,
    /// pipelined; a transaction holds one for itself until it ends.
    std::size_t max_connections = 4;
    /// How long a query or transaction waits for a connection before DatabasePoolTimeout.
    std::chrono::milliseconds pool_timeout{5000};
    /// PostgreSQL: how long opening a connection may take.
    std::chrono::milliseconds connect_timeout{10000};
    /// PostgreSQL: prepared statements kept per connection.
    std::size_t statement_cache = 256;
    /// SQLite: read-only connections beside the writer, each on a thread of its own, for
    /// SELECTs (they run while the writer writes or holds a transaction). An in-memory
    /// database has none.
    std::size_t sqlite_readers = 2;
};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
T Row::convert(std::size_t index) const {
    const SqlValue& value = values_[index];
    if constexpr (is_optional<T>::value) {
        if (std::holds_alternative<std::nullptr_t>(value)) return std::nullopt;
        return convert<typename T::value_type>(index);
    } else if constexpr (std::is_same_v<T, bool>) {
        if (auto* v = std::get_if<std::int64_t>(&value)) return *v != 0;
        mismatch(index, "a boolean");
    } else if constexpr (std::is_integral_v<T>) {
        if (auto* v = std::get_if<std::int64_t>(&value)) {
            if (!std::in_range<T>(*v)) mismatch(index, "an integer in the requested type's range");
            return static_cast<T>(*v);
        }
        mismatch(index, "an integer");
    } else if constexpr (std::is_floating_point_v<T>) {
        if (auto* v = std::get_if<double>(&value)) return static_cast<T>(*v);
        if (auto* v = std::get_if<std::int64_t>(&value)) return static_cast<T>(*v);
        mismatch(index, "a number");
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (auto* v = std::get_if<std::string>(&value)) return *v;
        mismatch(index, "text");
    } else if constexpr (std::is_same_v<T, Blob>) {
        if (auto* v = std::get_if<Blob>(&value)) return *v;
        mismatch(index, "a blob");
    } else if constexpr (std::is_same_v<T, SqlValue>) {
        return value;
    } else {
        static_assert(!sizeof(T),
                      "Row::get<T>: T is an integer, double, bool, std::string, "
                      "Blob, SqlValue or std::optional of one");
        mismatch(index, "a supported type");  // (never compiled: no return-type noise)
    }
}

/// Rows as a JSON array of objects, for jsonify.
Json rows_to_json(const std::vector<Row>& rows);

namespace detail {
template <class T>
SqlValue to_sql_value(T&& value) {
    using V = std::remove_cvref_t<T>;
    if constexpr (std::is_same_v<V, SqlValue>) {
        return std::forward<T>(value);  // a value read from a Row, bound again
    } else if constexpr (std::is_same_v<V, std::nullptr_t> || std::is_same_v<V, std::nullopt_t>) {
        return nullptr;
    } else if constexpr (std::is_same_v<V, bool>) {
        return std::int64_t{value ? 1 : 0};
    } else if constexpr (std::is_same_v<V, char> || std::is_same_v<V, char8_t> ||
                         std::is_same_v<V, char16_t> || std::is_same_v<V, char32_t> ||
                         std::is_same_v<V, wchar_t>) {
        static_assert(!sizeof(V),
                      "a character is neither text nor a number here: bind std::string(1, c) "
                      "for text, or an integer type for its code");
        return nullptr;
    } else if constexpr (std::is_integral_v<V>) {
        if constexpr (std::is_unsigned_v<V> && sizeof(V) >= sizeof(std::int64_t)) {
            if (value > static_cast<V>(std::numeric_limits<std::int64_t>::max()))
                throw DatabaseError(
                    "an unsigned value bound to a statement is above "
                    "2^63 - 1, the largest SQL integer (the value is not "
                    "shown: bound values may be secrets)");
        }
        return static_cast<std::int64_t>(value);
    } else if constexpr (std::is_floating_point_v<V>) {
        return static_cast<double>(value);
    } else if constexpr (std::is_same_v<V, Blob>) {
        return std::forward<T>(value);
    } else if constexpr (std::is_convertible_v<T, std::string_view>) {
        return std::string(std::string_view(value));
    } else {
        // std::optional<U>
        if (!value) return nullptr;
        return to_sql_value(*std::forward<T>(value));
    }
}

/// One statement to run: its SQL, the values for its placeholders, and how many rows
/// to keep (query_one keeps one).
struct Statement {
    std::string sql;
    std::vector<SqlValue> args;
    std::size_t max_rows = SIZE_MAX;
    /// Non-empty: run `sql` once per set of values here instead (query_many).
    std::vector<std::vector<SqlValue>> many;
    /// PostgreSQL: never ask for binary results (a FETCH, whose cursor's columns vary).
    bool text_results = false;
};
inline Statement sql_only(std::string sql) {
    Statement statement;
    statement.sql = std::move(sql);
    return statement;
}

/// What a statement returned (for a Statement with `many`, each one's, in order).
struct QueryResult {
    std::vector<Row> rows;
    ExecResult exec;
    std::vector<QueryResult> many;
};

class Backend;
class Session;
/// What a Listener reads from (the backend's side of LISTEN).
class NotificationQueue {
  public:
    virtual ~NotificationQueue() = default;
    virtual Task<Notification> next() = 0;
};
}  // namespace detail

/// LISTEN on one channel (PostgreSQL), on a connection of its own:
///
///     vial::Listener orders = co_await db.listen("orders");
///     for (;;) {
///         vial::Notification n = co_await orders.next();   // NOTIFY orders, 'payload'
///     }
///
/// Notifications wait in order until read (up to 10,000; past that the listener fails
/// rather than lose some silently). Destroying the Listener stops listening. If the
/// connection is lost, next() throws DatabaseConnectError: listen again (notifications
/// sent meanwhile are not delivered; PostgreSQL does not keep them). Send with
/// `db.execute("SELECT pg_notify(?, ?)", channel, payload)`.
class Listener {
  public:
    explicit Listener(std::shared_ptr<detail::NotificationQueue> queue)
        : queue_(std::move(queue)) {}
    /// The next notification, waiting for one (cancellable).
    Task<Notification> next() { return queue_->next(); }

  private:
    std::shared_ptr<detail::NotificationQueue> queue_;
};

class Transaction;

/// The rows of one query, read a batch at a time as they are asked for, never all held
/// at once (an export of millions of rows in bounded memory). Made by Database::stream:
///
///     vial::RowStream rows = co_await db.stream("SELECT * FROM events WHERE day = ?", day);
///     while (std::optional<vial::Row> row = co_await rows.next()) write_csv(*row);
///
/// PostgreSQL: a cursor (`DECLARE ... NO SCROLL CURSOR`, then `FETCH` a batch at a time)
/// in a read transaction on a connection the stream holds. SQLite: the statement stepped
/// a batch at a time on a reader connection the stream holds (a file database's SELECT),
/// or else on the writer, held as a transaction holds it (other statements wait).
/// Either way the connection is given back when the last row
/// has been read, when next() throws, or when the stream is destroyed: read promptly,
/// and drop a stream you stop reading. Not across waits on a client you do not control
/// (to send rows to an HTTP client, query a page by key per chunk: docs/databases.md).
/// One reader at a time (next() is not to be awaited twice at once).
class RowStream {
  public:
    RowStream(std::unique_ptr<detail::Session> session, std::size_t batch_rows);
    RowStream(RowStream&&) noexcept;
    RowStream& operator=(RowStream&&) noexcept;
    ~RowStream();

    /// The next row; nullopt after the last (and from then on). Throws the query's error
    /// (or vial::Cancelled), after which the stream is ended.
    Task<std::optional<Row>> next();

  private:
    std::unique_ptr<detail::Session> session_;
    std::vector<Row> batch_;
    std::size_t at_ = 0;
    std::size_t batch_rows_ = 0;
};

/// What Database and Transaction share: the query calls.
class QueryRunner {
  public:
    /// Every row of `sql` with `args` bound to its `?` placeholders in order.
    template <class... Args>
    Task<std::vector<Row>> query(std::string sql, Args&&... args) {
        return query_values(std::move(sql), {detail::to_sql_value(std::forward<Args>(args))...});
    }
    /// The first row, or nullopt.
    template <class... Args>
    Task<std::optional<Row>> query_one(std::string sql, Args&&... args) {
        return query_one_values(std::move(sql),
                                {detail::to_sql_value(std::forward<Args>(args))...});
    }
    /// The first column of the first row as T; DatabaseError if there is no row.
    template <class T, class... Args>
    Task<T> query_value(std::string sql, Args&&... args) {
        // Not a coroutine itself: the values are taken now, not when the task first runs.
        return query_value_of<T>(
            query_one_values(std::move(sql), {detail::to_sql_value(std::forward<Args>(args))...}));
    }
    /// A statement without rows (INSERT, UPDATE, DDL...).
    template <class... Args>
    Task<ExecResult> execute(std::string sql, Args&&... args) {
        return execute_values(std::move(sql), {detail::to_sql_value(std::forward<Args>(args))...});
    }

    /// `sql` once per set of values in `arg_sets`, all sent at once, in order: pipelined
    /// in one round trip on one PostgreSQL connection (a batch of plain SELECTs under one
    /// Sync, answered in one flush), one job on SQLite's thread (far cheaper than a gather
    /// of single queries). Each statement stands alone, as separate calls
    /// would (use a transaction for all-or-nothing); the first failure is thrown once all finished.
    Task<std::vector<std::vector<Row>>> query_many(std::string sql,
                                                   std::vector<std::vector<SqlValue>> arg_sets);
    Task<std::vector<ExecResult>> execute_many(std::string sql,
                                               std::vector<std::vector<SqlValue>> arg_sets);

    Task<std::vector<Row>> query_values(std::string sql, std::vector<SqlValue> args);
    Task<std::optional<Row>> query_one_values(std::string sql, std::vector<SqlValue> args);
    Task<ExecResult> execute_values(std::string sql, std::vector<SqlValue> args);

    /// Runs `body` in a transaction: committed when it returns, rolled back when it
    /// throws or is cancelled. Inside a Transaction, a nested one is a savepoint.
    /// `body` is `(vial::Transaction&) -> vial::Task<T>`; the call returns its T.
    template <class Body>
    auto transaction(Body body) -> std::invoke_result_t<Body&, Transaction&>;

  protected:
    QueryRunner() = default;
    ~QueryRunner() = default;
    QueryRunner(const QueryRunner&) = delete;
    QueryRunner& operator=(const QueryRunner&) = delete;

    virtual Task<detail::QueryResult> run(detail::Statement statement) = 0;
    virtual Task<void> run_transaction(std::function<Task<void>(Transaction&)> body) = 0;

  private:
    template <class T>
    static Task<T> query_value_of(Task<std::optional<Row>> first) {
        std::optional<Row> row = co_await std::move(first);
        if (!row) throw DatabaseError("the query returned no row");
        co_return row->template get<T>(0);
    }
    template <class T>
    static Task<T> transaction_value(QueryRunner& runner,
                                     std::function<Task<T>(Transaction&)> body);
};

/// A connection held by one transaction until it ends. Made by QueryRunner::transaction.
class Transaction : public QueryRunner {
  public:
    Transaction(std::unique_ptr<detail::Session> session, std::string backend);
    ~Transaction();

  private:
    friend class Database;
    Task<detail::QueryResult> run(detail::Statement statement) override;
    Task<void> run_transaction(std::function<Task<void>(Transaction&)> body) override;
    Task<void> commit();
    Task<void> step(std::string sql);  // a statement whose result is not wanted

    std::unique_ptr<detail::Session> session_;
    std::string backend_;
    int savepoints_ = 0;
};

class Database : public QueryRunner {
  public:
    /// `sqlite:///absolute/path.db`, `sqlite://relative.db`, `sqlite://:memory:`, or
    /// `postgresql://user:password@host:port/dbname?sslmode=...` (libpq's URI; also
    /// `postgres://`). Throws DatabaseError for another scheme or, for SQLite, a file
    /// that cannot be opened. PostgreSQL connects on first use.
    explicit Database(const std::string& url, DatabaseOptions options = {});
    ~Database();

    /// "sqlite" or "postgresql".
    const std::string& backend() const noexcept { return backend_name_; }

    /// The connections of the loop this is awaited on.
    Task<PoolStats> pool_stats();

    /// LISTEN on `channel` (PostgreSQL; SQLite has no notifications: DatabaseError).
    Task<Listener> listen(std::string channel);

    /// The rows of `sql`, read `batch_rows` at a time as they are asked for (RowStream).
    /// The query's errors that show before its first row (syntax, a missing table) are
    /// thrown here; later ones by RowStream::next().
    template <class... Args>
    Task<RowStream> stream(std::string sql, Args&&... args) {
        return stream_values(std::move(sql), {detail::to_sql_value(std::forward<Args>(args))...});
    }
    Task<RowStream> stream_values(std::string sql, std::vector<SqlValue> args,
                                  std::size_t batch_rows = 256);

  private:
    Task<detail::QueryResult> run(detail::Statement statement) override;
    Task<void> run_transaction(std::function<Task<void>(Transaction&)> body) override;

    std::string backend_name_;
    std::shared_ptr<detail::Backend> backend_;
};

template <class T>
Task<T> QueryRunner::transaction_value(QueryRunner& runner,
                                       std::function<Task<T>(Transaction&)> body) {
    std::optional<T> result;
    std::function<Task<void>(Transaction&)> keep = [&](Transaction& tx) -> Task<void> {
        result.emplace(co_await body(tx));
    };
    co_await runner.run_transaction(std::move(keep));
    co_return std::move(*result);
}

template <class Body>
auto QueryRunner::transaction(Body body) -> std::invoke_result_t<Body&, Transaction&> {
    using Returned = std::invoke_result_t<Body&, Transaction&>;
    using T = typename Returned::value_type;
    if constexpr (std::is_void_v<T>) {
        return run_transaction(std::function<Task<void>(Transaction&)>(std::move(body)));
    } else {
        return transaction_value<T>(*this, std::function<Task<T>(Transaction&)>(std::move(body)));
    }
}

}  // namespace vial
