#pragma once
// SqliteBackend: SQLite's one writer on a thread of its own, running jobs in order, and
// read-only connections beside it (WAL: readers never block the writer nor wait for
// it), each on a thread of its own, for statements SQLite confirms only read.
// A transaction leases the writer: until its Session ends, only its own jobs run there
// (other writes wait, as SQLite's single writer would make them wait anyway; reads
// outside it go on on the readers). A stream (RowStream) of a SELECT leases a reader the
// same way, or the writer when no reader is free.
// The event loop never blocks on SQLite: a job is queued, the worker runs it, and its
// result is posted back to the awaiting task's executor. A job cancelled while queued is
// dropped; one cancelled while running is interrupted through the progress handler (a
// flag of that job's own, so a later job is never hit).
#include <vial/database.hpp>

#include "backend.hpp"
#include "sqlite_connection.hpp"

#include <sqlite3.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace vial::detail {

struct QueryJob {
    enum State { queued, running, finished, dropped };
    // A statement; BEGIN that leases the connection to `session`; the end of that
    // lease (rolling back whatever the session left open); a lease without BEGIN, for a
    // cursor (its statement reads one snapshot until it ends); the session's cursor
    // opened, or up to statement.max_rows more of its rows.
    enum Kind { run_statement, begin_lease, end_lease, begin_read_lease, open_cursor, fetch_rows };

    Statement statement;
    Kind kind = run_statement;
    std::uint64_t session = 0;  // 0: no transaction
    int reader = -1;            // a stream's job for the reader leased to it, if any
    std::chrono::steady_clock::time_point queued_at = std::chrono::steady_clock::now();
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
    /// The writer on `path`, and `readers` read-only connections beside it (none for an
    /// in-memory database), each on a thread of its own.
    /// A write that waits longer than `lease_wait` for a transaction to free the writer
    /// fails with DatabasePoolTimeout.
    SqliteBackend(std::string path, std::size_t readers, std::chrono::milliseconds lease_wait);
    ~SqliteBackend() override;
    SqliteBackend(const SqliteBackend&) = delete;
    SqliteBackend& operator=(const SqliteBackend&) = delete;

    Task<QueryResult> run(Statement statement) override;
    Task<std::unique_ptr<Session>> begin() override;
    /// A stream of a SELECT on a file database leases a reader, if one is free (writes
    /// and other reads go on meanwhile); otherwise, or in memory, the writer.
    Task<std::unique_ptr<Session>> begin_stream(const std::string& sql) override;
    Task<std::shared_ptr<NotificationQueue>> listen(std::string channel) override {
        throw DatabaseError("sqlite: LISTEN/NOTIFY needs PostgreSQL (channel " + channel + ")");
        co_return nullptr;
    }
    Task<PoolStats> pool_stats() override {
        co_return PoolStats{.connections = 1 + readers_.size(), .deepest_pipeline = 1};
    }

    /// Queues `job` and completes with its result; cancelling the await drops the job if
    /// it is still queued, or interrupts it if it runs.
    Task<QueryResult> run_job(std::shared_ptr<QueryJob> job);
    /// Queues `job`; its handler (if any) gets the result or the error, on its executor.
    void submit(std::shared_ptr<QueryJob> job);

  private:
    void write_work();
    void read_work(std::size_t index);
    void run_leased(std::size_t index, QueryJob& job);
    std::shared_ptr<QueryJob> next_write();  // under mutex_

    std::atomic<bool> closing_{false};  // interrupts every running statement
    std::chrono::milliseconds lease_wait_;
    std::unique_ptr<SqliteConnection> writer_;
    std::vector<std::unique_ptr<SqliteConnection>> readers_;

    std::mutex mutex_;
    std::condition_variable write_wake_;
    std::condition_variable read_wake_;
    std::deque<std::shared_ptr<QueryJob>> queue_;  // the writer's
    std::deque<std::shared_ptr<QueryJob>> reads_;  // any reader's
    // A reader leased to a stream runs only that stream's jobs (its cursor holds a read
    // snapshot other reads must not see); shared reads go to the writer when every
    // reader is leased.
    struct ReaderLease {
        std::uint64_t session = 0;  // 0: not leased
        std::deque<std::shared_ptr<QueryJob>> jobs;
    };
    std::vector<ReaderLease> reader_leases_;
    std::size_t readers_leased_ = 0;
    std::uint64_t leased_to_ = 0;  // the session whose jobs alone may run (writer's)
    std::atomic<std::uint64_t> sessions_{0};
    bool stopping_ = false;
    std::thread writer_thread_;
    std::vector<std::thread> reader_threads_;
};

/// Posts `job`'s completion (the handler moved out) to its executor, if it has one.
void complete(QueryJob& job, std::exception_ptr error, QueryResult result);

}  // namespace vial::detail
