#pragma once
/// vial::Database: queries a view can co_await (issue 9's first slice: SQLite).
///
///     vial::Database db{"sqlite:///var/lib/app/app.db"};        // or "sqlite://:memory:"
///     co_await db.execute("INSERT INTO items(name) VALUES (?)", name);
///     std::vector<vial::Row> rows = co_await db.query("SELECT id, name FROM items");
///     co_return vial::rows_to_json(rows);                        // [{"id":1,"name":"a"}]
///
/// Placeholders are `?`, values are bound (never spliced into the SQL). SQLite runs on a
/// thread of the Database's own, never on the event loop; the awaiting task resumes on
/// its loop. The file is created on first use, in WAL mode with a busy timeout.
/// Cancellation (the client left, a vial::timeout) drops a query still queued and
/// interrupts a running one (sqlite3_interrupt): the connection stays usable.
#include <vial/error.hpp>
#include <vial/json.hpp>
#include <vial/task.hpp>

#include <cstdint>
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
    /// The rowid of the last INSERT (SQLite's last_insert_rowid).
    std::int64_t last_insert_id = 0;
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
    }
}

/// Rows as a JSON array of objects, for jsonify.
Json rows_to_json(const std::vector<Row>& rows);

namespace detail {
class SqliteBackend;
template <class T>
SqlValue to_sql_value(T&& value) {
    using V = std::remove_cvref_t<T>;
    if constexpr (std::is_same_v<V, std::nullptr_t> || std::is_same_v<V, std::nullopt_t>) {
        return nullptr;
    } else if constexpr (std::is_same_v<V, bool>) {
        return std::int64_t{value ? 1 : 0};
    } else if constexpr (std::is_integral_v<V>) {
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
}  // namespace detail

class Database {
  public:
    /// `sqlite:///absolute/path.db`, `sqlite://relative.db` or `sqlite://:memory:`.
    /// Throws DatabaseError for another scheme or a file that cannot be opened.
    explicit Database(const std::string& url);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

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

    Task<std::vector<Row>> query_values(std::string sql, std::vector<SqlValue> args);
    Task<std::optional<Row>> query_one_values(std::string sql, std::vector<SqlValue> args);
    Task<ExecResult> execute_values(std::string sql, std::vector<SqlValue> args);

  private:
    template <class T>
    static Task<T> query_value_of(Task<std::optional<Row>> first) {
        std::optional<Row> row = co_await std::move(first);
        if (!row) throw DatabaseError("sqlite: the query returned no row");
        co_return row->template get<T>(0);
    }

    std::shared_ptr<detail::SqliteBackend> backend_;
};

}  // namespace vial
