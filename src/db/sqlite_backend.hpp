#pragma once
// SqliteBackend: one SQLite connection on a thread of its own, running jobs in order.
// The event loop never blocks on SQLite: a job is queued, the worker runs it, and its
// result is posted back to the awaiting task's executor. A job cancelled while queued is
// dropped; one cancelled while running is interrupted through the progress handler (a
// flag of that job's own, so a later job is never hit).
#include <vial/database.hpp>

#include <sqlite3.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace vial::detail {

struct QueryResult {
    std::vector<Row> rows;
    ExecResult exec;
};

using QueryHandler = boost::asio::any_completion_handler<void(std::exception_ptr, QueryResult)>;

struct QueryJob {
    enum State { queued, running, finished, dropped };

    std::string sql;
    std::vector<SqlValue> args;
    std::size_t max_rows = SIZE_MAX;  // query_one stops after one
    std::atomic<int> state{queued};
    std::atomic<bool> cancel{false};
    // Set by the awaiting side before the job is queued; touched afterwards only by the
    // side that wins the state change (worker: running -> finished; canceller: queued ->
    // dropped), which posts the completion to `executor`.
    std::optional<QueryHandler> handler;
    boost::asio::any_io_executor executor;
    const boost::asio::execution_context* context = nullptr;  // the executor's
    boost::asio::cancellation_slot slot;
};

class SqliteBackend {
  public:
    explicit SqliteBackend(std::string path);
    ~SqliteBackend();
    SqliteBackend(const SqliteBackend&) = delete;
    SqliteBackend& operator=(const SqliteBackend&) = delete;

    /// Queues `job`; its handler gets the result or the error, on its executor.
    void submit(std::shared_ptr<QueryJob> job);

    // What the progress handler checks: the running job (worker thread only), and
    // whether the backend is closing (any running statement is then interrupted).
    struct Interrupts {
        QueryJob* current = nullptr;
        std::atomic<bool> closing{false};
    };

  private:
    void run();
    QueryResult execute(QueryJob& job);
    sqlite3_stmt* prepare(const std::string& sql);
    [[noreturn]] void fail(int code, const std::string& sql);

    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> statements_;
    Interrupts interrupts_;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<QueryJob>> queue_;
    bool stopping_ = false;
    std::thread worker_;
};

/// Posts `job`'s completion (the handler moved out) to its executor.
void complete(QueryJob& job, std::exception_ptr error, QueryResult result);

}  // namespace vial::detail
