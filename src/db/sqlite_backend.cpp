#include "sqlite_backend.hpp"

#include <vial/cancel.hpp>
#include <vial/to_thread.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace vial::detail {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kCachedStatements = 64;

// Called by SQLite every 1000 virtual-machine steps of a running statement: a nonzero
// answer interrupts it (SQLITE_INTERRUPT).
int check_cancelled(void* self) {
    auto* interrupts = static_cast<SqliteBackend::Interrupts*>(self);
    if (interrupts->closing.load(std::memory_order_relaxed)) return 1;
    QueryJob* job = interrupts->current;
    return job && job->cancel.load(std::memory_order_relaxed) ? 1 : 0;
}

}  // namespace

void complete(QueryJob& job, std::exception_ptr error, QueryResult result) {
    if (!job.handler) return;  // a lease's end: nobody waits for it
    QueryHandler handler(std::move(*job.handler));
    job.handler.reset();
    // The error moves into the posted function: this thread keeps no reference to it
    // (releasing one here while the loop rethrows it would race on the exception).
    boost::asio::post(job.executor, [handler = std::move(handler), error = std::move(error),
                                     result = std::move(result), slot = job.slot]() mutable {
        if (slot.is_connected()) slot.clear();
        std::move(handler)(error, std::move(result));
    });
    // Only now may the loop's owner destroy it (it waits for this count first).
    end_foreign_job(job.context);
}

SqliteBackend::SqliteBackend(std::string path) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int code = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (code != SQLITE_OK) {
        std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
        sqlite3_close(db_);
        throw DatabaseError("sqlite: cannot open '" + path + "': " + why);
    }
    sqlite3_busy_timeout(db_, 5000);
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_exec(db_, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
    if (path != ":memory:")
        sqlite3_exec(db_, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
    sqlite3_progress_handler(db_, 1000, &check_cancelled, &interrupts_);
    worker_ = std::thread([this] { work(); });
}

SqliteBackend::~SqliteBackend() {
    std::deque<std::shared_ptr<QueryJob>> left;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        left.swap(queue_);
    }
    interrupts_.closing = true;  // a statement still running stops at its next check
    wake_.notify_one();
    worker_.join();
    for (auto& job : left) {
        int expected = QueryJob::queued;
        if (job->state.compare_exchange_strong(expected, QueryJob::dropped))
            complete(*job,
                     std::make_exception_ptr(DatabaseError("sqlite: the Database was closed")), {});
    }
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close(db_);
}

void SqliteBackend::submit(std::shared_ptr<QueryJob> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            complete(*job,
                     std::make_exception_ptr(DatabaseError("sqlite: the Database was closed")), {});
            return;
        }
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
}

// The oldest job that may run now: any, or while a session holds the connection, only
// that session's.
std::shared_ptr<QueryJob> SqliteBackend::next_job() {
    for (auto at = queue_.begin(); at != queue_.end(); ++at) {
        if (leased_to_ != 0 && (*at)->session != leased_to_) continue;
        std::shared_ptr<QueryJob> job = std::move(*at);
        queue_.erase(at);
        return job;
    }
    return nullptr;
}

void SqliteBackend::work() {
    for (;;) {
        std::shared_ptr<QueryJob> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || (job = next_job()) != nullptr; });
            if (!job) return;  // stopping, nothing left to run
        }
        int expected = QueryJob::queued;
        if (!job->state.compare_exchange_strong(expected, QueryJob::running)) continue;  // dropped
        std::exception_ptr error;
        QueryResult result;
        interrupts_.current = job.get();
        try {
            switch (job->kind) {
                case QueryJob::run_statement:
                    result = job->statement.many.empty() ? execute(job->statement)
                                                         : execute_many(job->statement);
                    break;
                case QueryJob::begin_lease:
                    // IMMEDIATE: the write lock now, so a transaction never fails half way
                    // on SQLITE_BUSY when it first writes (another process may share the file).
                    execute(sql_only("BEGIN IMMEDIATE"));
                    leased_to_ = job->session;
                    break;
                case QueryJob::end_lease:
                    if (leased_to_ == job->session) {
                        leased_to_ = 0;
                        if (!sqlite3_get_autocommit(db_))
                            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
                    }
                    break;
            }
        } catch (...) {
            error = std::current_exception();
        }
        interrupts_.current = nullptr;
        job->state = QueryJob::finished;
        complete(*job, std::move(error), std::move(result));
    }
}

sqlite3_stmt* SqliteBackend::prepare(const std::string& sql) {
    if (auto found = statements_.find(sql); found != statements_.end()) return found->second;
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    int code =
        sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()) + 1, &statement, &tail);
    if (code != SQLITE_OK) fail(code, sql);
    if (!statement) throw DatabaseError("sqlite: the statement is empty: " + sql);
    for (; tail && *tail; ++tail) {
        if (!std::isspace(static_cast<unsigned char>(*tail)) && *tail != ';') {
            sqlite3_finalize(statement);
            throw DatabaseError("sqlite: one statement at a time (bound values go to one): " + sql);
        }
    }
    if (statements_.size() >= kCachedStatements) {
        for (auto& [text, cached] : statements_) sqlite3_finalize(cached);
        statements_.clear();
    }
    statements_.emplace(sql, statement);
    return statement;
}

void SqliteBackend::fail(int code, const std::string& sql) {
    std::string why = sqlite3_errmsg(db_);
    std::string message = "sqlite: " + why + " in: " + sql;
    if ((code & 0xff) == SQLITE_INTERRUPT) throw Cancelled("the query was cancelled: " + sql);
    if ((code & 0xff) == SQLITE_CONSTRAINT) throw ConstraintError(message);
    if (why.find("syntax error") != std::string::npos) throw SqlSyntaxError(message);
    throw DatabaseError(message);
}

// Each set of values in turn, as separate statements; the first failure is thrown
// after the others ran.
QueryResult SqliteBackend::execute_many(const Statement& batch) {
    QueryResult all;
    all.many.reserve(batch.many.size());
    std::exception_ptr first_failure;
    Statement one = sql_only(batch.sql);
    for (const auto& args : batch.many) {
        one.args = args;
        try {
            all.many.push_back(execute(one));
        } catch (const Cancelled&) {
            throw;  // interrupted: the rest is not wanted either
        } catch (...) {
            if (!first_failure) first_failure = std::current_exception();
            all.many.emplace_back();
        }
    }
    if (first_failure) std::rethrow_exception(first_failure);
    return all;
}

QueryResult SqliteBackend::execute(const Statement& job) {
    sqlite3_stmt* statement = prepare(job.sql);
    struct Reset {
        sqlite3_stmt* statement;
        ~Reset() {
            sqlite3_reset(statement);
            sqlite3_clear_bindings(statement);
        }
    } reset{statement};
    int wanted = sqlite3_bind_parameter_count(statement);
    if (wanted != static_cast<int>(job.args.size()))
        throw DatabaseError("sqlite: the statement has " + std::to_string(wanted) +
                            " placeholders, " + std::to_string(job.args.size()) +
                            " values were given: " + job.sql);
    for (int i = 0; i < wanted; ++i) {
        const SqlValue& value = job.args[static_cast<std::size_t>(i)];
        int code = SQLITE_OK;
        if (auto* v = std::get_if<std::int64_t>(&value)) {
            code = sqlite3_bind_int64(statement, i + 1, *v);
        } else if (auto* v = std::get_if<double>(&value)) {
            code = sqlite3_bind_double(statement, i + 1, *v);
        } else if (auto* v = std::get_if<std::string>(&value)) {
            code = sqlite3_bind_text64(statement, i + 1, v->data(), v->size(), SQLITE_STATIC,
                                       SQLITE_UTF8);
        } else if (auto* v = std::get_if<Blob>(&value)) {
            code = sqlite3_bind_blob64(statement, i + 1, v->bytes.data(), v->bytes.size(),
                                       SQLITE_STATIC);
        } else {
            code = sqlite3_bind_null(statement, i + 1);
        }
        if (code != SQLITE_OK) fail(code, job.sql);
    }
    QueryResult result;
    std::shared_ptr<std::vector<std::string>> columns;
    for (;;) {
        int code = sqlite3_step(statement);
        if (code == SQLITE_DONE) break;
        if (code != SQLITE_ROW) fail(code, job.sql);
        if (result.rows.size() >= job.max_rows) break;
        int count = sqlite3_column_count(statement);
        if (!columns) {
            columns = std::make_shared<std::vector<std::string>>();
            for (int c = 0; c < count; ++c)
                columns->emplace_back(sqlite3_column_name(statement, c));
        }
        std::vector<SqlValue> values;
        values.reserve(static_cast<std::size_t>(count));
        for (int c = 0; c < count; ++c) {
            switch (sqlite3_column_type(statement, c)) {
                case SQLITE_INTEGER:
                    values.emplace_back(
                        static_cast<std::int64_t>(sqlite3_column_int64(statement, c)));
                    break;
                case SQLITE_FLOAT:
                    values.emplace_back(sqlite3_column_double(statement, c));
                    break;
                case SQLITE_TEXT: {
                    auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, c));
                    values.emplace_back(std::string(
                        text, static_cast<std::size_t>(sqlite3_column_bytes(statement, c))));
                    break;
                }
                case SQLITE_BLOB: {
                    auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, c));
                    std::size_t size = static_cast<std::size_t>(sqlite3_column_bytes(statement, c));
                    values.emplace_back(Blob{std::string(bytes ? bytes : "", size)});
                    break;
                }
                default:
                    values.emplace_back(nullptr);
            }
        }
        result.rows.emplace_back(columns, std::move(values));
    }
    result.exec.rows_affected = sqlite3_changes64(db_);
    result.exec.last_insert_id = sqlite3_last_insert_rowid(db_);
    return result;
}

}  // namespace vial::detail

namespace vial::detail {

namespace {

std::shared_ptr<QueryJob> make_job(Statement statement, QueryJob::Kind kind,
                                   std::uint64_t session) {
    auto job = std::make_shared<QueryJob>();
    job->statement = std::move(statement);
    job->kind = kind;
    job->session = session;
    return job;
}

// The connection leased to one transaction; its end is queued when it is destroyed.
class SqliteSession : public Session {
  public:
    SqliteSession(std::shared_ptr<SqliteBackend> backend, std::uint64_t id)
        : backend_(std::move(backend)), id_(id) {}
    ~SqliteSession() override { backend_->submit(make_job(Statement(), QueryJob::end_lease, id_)); }

    Task<QueryResult> run(Statement statement) override {
        return backend_->run_job(make_job(std::move(statement), QueryJob::run_statement, id_));
    }
    void committed() noexcept override {}  // the end finds no transaction open

  private:
    std::shared_ptr<SqliteBackend> backend_;
    std::uint64_t id_;
};

}  // namespace

Task<QueryResult> SqliteBackend::run(Statement statement) {
    return run_job(make_job(std::move(statement), QueryJob::run_statement, 0));
}

Task<std::unique_ptr<Session>> SqliteBackend::begin() {
    std::uint64_t id = ++sessions_;
    // Made first: if this task dies before BEGIN completes, the end is still queued.
    auto session = std::make_unique<SqliteSession>(shared_from_this(), id);
    // Named, not a braced temporary in the co_await expression (g++ 12, docs/async.md).
    auto begin_job = make_job(Statement(), QueryJob::begin_lease, id);
    co_await run_job(std::move(begin_job));
    co_return std::move(session);
}

Task<QueryResult> SqliteBackend::run_job(std::shared_ptr<QueryJob> job) {
    job->executor = co_await asio::this_coro::executor;
    job->context = &asio::query(job->executor, asio::execution::context);
    // Named, not a temporary inside the co_await expression (g++ 12, docs/async.md).
    auto initiation = [this, &job](auto handler) {
        job->slot = asio::get_associated_cancellation_slot(handler);
        job->handler.emplace(std::move(handler));
        if (job->slot.is_connected()) {
            job->slot.assign([weak = std::weak_ptr<QueryJob>(job)](asio::cancellation_type type) {
                auto j = weak.lock();
                if (!j || type == asio::cancellation_type::none) return;
                j->cancel = true;  // a running statement stops at its next progress check
                int expected = QueryJob::queued;
                if (j->state.compare_exchange_strong(expected, QueryJob::dropped))
                    complete(*j,
                             std::make_exception_ptr(
                                 Cancelled("the query was cancelled: " + j->statement.sql)),
                             {});
            });
        }
        begin_foreign_job(job->context);  // ended by complete()
        submit(job);
    };
    auto operation =
        asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, QueryResult)>(
            initiation, asio::use_awaitable);
    QueryResult result = co_await std::move(operation);
    co_return result;
}

}  // namespace vial::detail
