#include <vial/cancel.hpp>
#include <vial/database.hpp>
#include <vial/to_thread.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sqlite_backend.hpp"

namespace vial {

namespace asio = boost::asio;

namespace {

// The file of a sqlite URL: sqlite:///abs/path, sqlite://relative/path, sqlite://:memory:.
std::string sqlite_path(const std::string& url) {
    constexpr std::string_view kScheme = "sqlite://";
    if (!url.starts_with(kScheme)) {
        std::string scheme = url.substr(0, url.find(':'));
        throw DatabaseError("unsupported database URL scheme '" + scheme +
                            "': use sqlite:///path/to/app.db or sqlite://:memory:");
    }
    std::string path = url.substr(kScheme.size());
    if (path.empty()) throw DatabaseError("the database URL names no file: use sqlite://:memory:");
    return path;
}

// Queues `job` on `backend` and completes with its result; cancelling the await drops
// the job if it is still queued, or interrupts it if it runs.
Task<detail::QueryResult> run_job(std::shared_ptr<detail::SqliteBackend> backend,
                                  std::shared_ptr<detail::QueryJob> job) {
    job->executor = co_await asio::this_coro::executor;
    job->context = &asio::query(job->executor, asio::execution::context);
    // Named, not a temporary inside the co_await expression (g++ 12, docs/async.md).
    auto initiation = [&backend, &job](auto handler) {
        job->slot = asio::get_associated_cancellation_slot(handler);
        job->handler.emplace(std::move(handler));
        if (job->slot.is_connected()) {
            job->slot.assign([weak = std::weak_ptr<detail::QueryJob>(job)](
                                 asio::cancellation_type type) {
                auto j = weak.lock();
                if (!j || type == asio::cancellation_type::none) return;
                j->cancel = true;  // a running statement stops at its next progress check
                int expected = detail::QueryJob::queued;
                if (j->state.compare_exchange_strong(expected, detail::QueryJob::dropped))
                    detail::complete(
                        *j,
                        std::make_exception_ptr(Cancelled("the query was cancelled: " + j->sql)),
                        {});
            });
        }
        detail::begin_foreign_job(job->context);  // ended by detail::complete
        backend->submit(job);
    };
    auto operation = asio::async_initiate<const asio::use_awaitable_t<>&,
                                          void(std::exception_ptr, detail::QueryResult)>(
        initiation, asio::use_awaitable);
    detail::QueryResult result = co_await std::move(operation);
    co_return result;
}

std::shared_ptr<detail::QueryJob> make_job(std::string sql, std::vector<SqlValue> args) {
    auto job = std::make_shared<detail::QueryJob>();
    job->sql = std::move(sql);
    job->args = std::move(args);
    return job;
}

}  // namespace

Database::Database(const std::string& url)
    : backend_(std::make_shared<detail::SqliteBackend>(sqlite_path(url))) {}

Database::~Database() = default;

Task<std::vector<Row>> Database::query_values(std::string sql, std::vector<SqlValue> args) {
    detail::QueryResult result =
        co_await run_job(backend_, make_job(std::move(sql), std::move(args)));
    co_return std::move(result.rows);
}

Task<std::optional<Row>> Database::query_one_values(std::string sql, std::vector<SqlValue> args) {
    auto job = make_job(std::move(sql), std::move(args));
    job->max_rows = 1;
    detail::QueryResult result = co_await run_job(backend_, std::move(job));
    if (result.rows.empty()) co_return std::nullopt;
    co_return std::move(result.rows.front());
}

Task<ExecResult> Database::execute_values(std::string sql, std::vector<SqlValue> args) {
    detail::QueryResult result =
        co_await run_job(backend_, make_job(std::move(sql), std::move(args)));
    co_return result.exec;
}

}  // namespace vial
