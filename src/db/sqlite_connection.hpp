#pragma once
// SqliteConnection: one sqlite3 handle and its prepared statements, used by one thread
// at a time (the backend's writer, or one of its readers). A statement is interrupted
// through the progress handler when the flag of the job running it is set, or when the
// backend closes.
#include <vial/database.hpp>

#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>

namespace vial::detail {

class SqliteConnection {
  public:
    /// Opens `path` (created on first use unless `read_only`), WAL mode, busy timeout,
    /// foreign keys. Throws DatabaseError when it cannot be opened.
    SqliteConnection(const std::string& path, bool read_only, const std::atomic<bool>& closing);
    ~SqliteConnection();
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    /// Runs `statement` (or, with `many`, each set of values in turn: the first failure
    /// is thrown after the others ran). `cancel` interrupts it when set.
    QueryResult run(const Statement& statement, const std::atomic<bool>* cancel);
    /// Whether `sql` only reads (so a reader connection may run it).
    bool reads_only(const std::string& sql);
    /// Rolls back a transaction left open (a lease that ended without COMMIT).
    void roll_back_if_open();

    /// Opens `statement` as the connection's cursor (closing one left open): a statement
    /// of its own, not the cache's, so the same SQL can run beside it.
    void open_cursor(const Statement& statement);
    /// Up to `rows` more rows of the cursor; fewer at its end, which closes it.
    std::vector<Row> fetch(std::size_t rows, const std::atomic<bool>* cancel);
    void close_cursor() noexcept;

  private:
    static int check_cancelled(void* self);
    QueryResult execute(const Statement& statement);
    QueryResult execute_many(const Statement& batch);
    sqlite3_stmt* prepare(const std::string& sql);
    sqlite3_stmt* compile(const std::string& sql);
    void bind(sqlite3_stmt* statement, const Statement& job, bool copy);
    // Steps `statement` for up to `limit` rows into `rows`; true once it is done.
    bool read_rows(sqlite3_stmt* statement, const std::string& sql, std::size_t limit,
                   std::shared_ptr<std::vector<std::string>>& columns, std::vector<Row>& rows);
    [[noreturn]] void fail(int code, const std::string& sql);

    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> statements_;
    sqlite3_stmt* cursor_ = nullptr;
    std::string cursor_sql_;
    std::shared_ptr<std::vector<std::string>> cursor_columns_;
    const std::atomic<bool>& closing_;
    const std::atomic<bool>* cancel_ = nullptr;  // the running job's flag
};

}  // namespace vial::detail
