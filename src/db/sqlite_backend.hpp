#pragma once
// SqliteBackend: one SQLite connection on a thread of its own, running jobs in order.
// A transaction leases the connection: until its Session ends, only its own jobs run
// (the others wait in the queue, as SQLite's single writer would make them wait anyway).
// The event loop never blocks on SQLite: a job is queued, the worker runs it, and its
// result is posted back to the awaiting task's executor. A job cancelled while queued is
// dropped; one cancelled while running is interrupted through the progress handler (a
// flag of that job's own, so a later job is never hit).
#include <vial/database.hpp>

#include "backend.hpp"

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

using QueryHandler = boost::asio::any_completion_handler<void(std::exception_ptr, QueryResult)>;

struct QueryJob {
    enum State { queued, running, finished, dropped };
    // A statement; BEGIN that leases the connection to `session`; the end of that
    // lease (rolling back whatever the session left open).
    enum Kind { run_statement, begin_lease, end_lease };

    Statement statement;
    Kind kind = run_statement;
    std::uint64_t session = 0;  // 0: no transaction
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

class SqliteBackend : public Backend, public std::enable_shared_from_this<SqliteBackend> {
  public:
    explicit SqliteBackend(std::string path);
    ~SqliteBackend() override;
    SqliteBackend(const SqliteBackend&) = delete;
    SqliteBackend& operator=(const SqliteBackend&) = delete;

    Task<QueryResult> run(Statement statement) override;
    Task<std::unique_ptr<Session>> begin() override;
    Task<std::shared_ptr<NotificationQueue>> listen(std::string channel) override {
        throw DatabaseError("sqlite: LISTEN/NOTIFY needs PostgreSQL (channel " + channel + ")");
        co_return nullptr;
    }
    Task<PoolStats> pool_stats() override {
        co_return PoolStats{.connections = 1, .deepest_pipeline = 1};
    }

    /// Queues `job` and completes with its result; cancelling the await drops the job if
    /// it is still queued, or interrupts it if it runs.
    Task<QueryResult> run_job(std::shared_ptr<QueryJob> job);
    /// Queues `job`; its handler (if any) gets the result or the error, on its executor.
    void submit(std::shared_ptr<QueryJob> job);

    // What the progress handler checks: the running job (worker thread only), and
    // whether the backend is closing (any running statement is then interrupted).
    struct Interrupts {
        QueryJob* current = nullptr;
        std::atomic<bool> closing{false};
    };

  private:
    void work();
    std::shared_ptr<QueryJob> next_job();  // under mutex_
    QueryResult execute(const Statement& statement);
    QueryResult execute_many(const Statement& batch);
    sqlite3_stmt* prepare(const std::string& sql);
    [[noreturn]] void fail(int code, const std::string& sql);

    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> statements_;
    Interrupts interrupts_;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<QueryJob>> queue_;
    std::uint64_t leased_to_ = 0;  // the session whose jobs alone may run (worker's)
    std::atomic<std::uint64_t> sessions_{0};
    bool stopping_ = false;
    std::thread worker_;
};

/// Posts `job`'s completion (the handler moved out) to its executor, if it has one.
void complete(QueryJob& job, std::exception_ptr error, QueryResult result);

}  // namespace vial::detail
