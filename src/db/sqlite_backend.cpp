#include "sqlite_backend.hpp"

#include <vial/cancel.hpp>
#include <vial/to_thread.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "../runtime/blocking_pool.hpp"
#include "../runtime/deferred_op.hpp"
#include "sql_text.hpp"

namespace vial::detail {

namespace asio = boost::asio;

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

SqliteBackend::SqliteBackend(std::string path, std::size_t readers,
                             std::chrono::milliseconds lease_wait)
    : lease_wait_(lease_wait), writer_(std::make_unique<SqliteConnection>(path, false, closing_)) {
    // Readers need the file the writer made (in WAL mode, so they never block it); an
    // in-memory database is the writer's alone.
    if (path != ":memory:" && path.find("mode=memory") == std::string::npos) {
        for (std::size_t i = 0; i < readers; ++i)
            readers_.push_back(std::make_unique<SqliteConnection>(path, true, closing_));
    }
    reader_leases_.resize(readers_.size());
    writer_thread_ = std::thread([this] { write_work(); });
    for (std::size_t i = 0; i < readers_.size(); ++i)
        reader_threads_.emplace_back([this, i] { read_work(i); });
}

SqliteBackend::~SqliteBackend() {
    std::deque<std::shared_ptr<QueryJob>> left;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        left.swap(queue_);
        left.insert(left.end(), reads_.begin(), reads_.end());
        reads_.clear();
        for (ReaderLease& lease : reader_leases_) {
            left.insert(left.end(), lease.jobs.begin(), lease.jobs.end());
            lease.jobs.clear();
        }
    }
    closing_ = true;  // a statement still running stops at its next check
    write_wake_.notify_all();
    read_wake_.notify_all();
    writer_thread_.join();
    for (auto& thread : reader_threads_) thread.join();
    for (auto& job : left) {
        int expected = QueryJob::queued;
        if (job->state.compare_exchange_strong(expected, QueryJob::dropped))
            complete(*job,
                     std::make_exception_ptr(DatabaseError("sqlite: the Database was closed")), {});
    }
}

namespace {

// SELECT or WITH first (after spaces and comments): worth trying on a reader, which
// checks with SQLite itself (WITH ... INSERT goes back to the writer).
bool may_only_read(const std::string& sql) {
    std::size_t i = 0;
    while (i < sql.size()) {
        if (std::isspace(static_cast<unsigned char>(sql[i]))) {
            ++i;
        } else if (sql.compare(i, 2, "--") == 0 || sql.compare(i, 2, "/*") == 0) {
            i = sql_token_end(sql, i);
        } else {
            break;
        }
    }
    auto starts = [&](std::string_view word) {
        if (sql.size() - i < word.size()) return false;
        for (std::size_t k = 0; k < word.size(); ++k) {
            if (std::toupper(static_cast<unsigned char>(sql[i + k])) != word[k]) return false;
        }
        return sql.size() - i == word.size() ||
               !std::isalnum(static_cast<unsigned char>(sql[i + word.size()]));
    };
    if (!(starts("SELECT") || starts("WITH") || starts("VALUES"))) return false;
    // What only the writer's connection knows: its last insert, its changes, its TEMP
    // tables (a reader that cannot prepare a statement hands it to the writer, too).
    for (const char* own : {"last_insert_rowid", "changes(", "temp."}) {
        auto found = std::search(sql.begin(), sql.end(), own, own + std::strlen(own),
                                 [](char a, char b) { return std::tolower(a) == std::tolower(b); });
        if (found != sql.end()) return false;
    }
    return true;
}

}  // namespace

void SqliteBackend::submit(std::shared_ptr<QueryJob> job) {
    bool read = !readers_.empty() && job->session == 0 && job->kind == QueryJob::run_statement &&
                may_only_read(job->statement.sql);
    bool leased_reader = job->reader >= 0;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            complete(*job,
                     std::make_exception_ptr(DatabaseError("sqlite: the Database was closed")), {});
            return;
        }
        if (read && readers_leased_ == readers_.size()) read = false;  // all hold streams
        if (leased_reader) {
            reader_leases_[static_cast<std::size_t>(job->reader)].jobs.push_back(std::move(job));
        } else {
            (read ? reads_ : queue_).push_back(std::move(job));
        }
    }
    if (leased_reader) {
        read_wake_.notify_all();  // the one reader it is for
    } else {
        (read ? read_wake_ : write_wake_).notify_one();
    }
}

// The oldest job that may run now: any, or while a session holds the connection, only
// that session's. Jobs kept waiting by a transaction past lease_wait_ fail (a query on
// the Database inside its own db.transaction would otherwise wait forever).
std::shared_ptr<QueryJob> SqliteBackend::next_write() {
    auto now = std::chrono::steady_clock::now();
    for (auto at = queue_.begin(); at != queue_.end();) {
        if (leased_to_ == 0 || (*at)->session == leased_to_) {
            std::shared_ptr<QueryJob> job = std::move(*at);
            queue_.erase(at);
            return job;
        }
        if (now - (*at)->queued_at < lease_wait_) {
            ++at;
            continue;
        }
        std::shared_ptr<QueryJob> late = std::move(*at);
        at = queue_.erase(at);
        int expected = QueryJob::queued;
        if (late->state.compare_exchange_strong(expected, QueryJob::dropped))
            complete(*late,
                     std::make_exception_ptr(DatabasePoolTimeout(
                         "sqlite: a transaction or a stream held the writer for more than " +
                         std::to_string(lease_wait_.count()) +
                         " ms (inside db.transaction, query through its Transaction; read a "
                         "RowStream to its end or drop it): " +
                         late->statement.sql)),
                     {});
    }
    return nullptr;
}

void SqliteBackend::write_work() {
    for (;;) {
        std::shared_ptr<QueryJob> job;
        {
            std::unique_lock lock(mutex_);
            // Woken by new jobs; while a transaction holds the writer, also now and then,
            // to fail the jobs it kept waiting too long.
            while (!stopping_ && (job = next_write()) == nullptr) {
                if (leased_to_ != 0 && !queue_.empty()) {
                    write_wake_.wait_for(lock, std::chrono::milliseconds(50));
                } else {
                    write_wake_.wait(lock);
                }
            }
            if (stopping_) return;
        }
        int expected = QueryJob::queued;
        if (!job->state.compare_exchange_strong(expected, QueryJob::running)) continue;  // dropped
        std::exception_ptr error;
        QueryResult result;
        try {
            switch (job->kind) {
                case QueryJob::run_statement:
                    result = writer_->run(job->statement, &job->cancel);
                    break;
                case QueryJob::begin_lease:
                    // IMMEDIATE: the write lock now, so a transaction never fails half way
                    // on SQLITE_BUSY when it first writes (another process may share the file).
                    writer_->run(sql_only("BEGIN IMMEDIATE"), &job->cancel);
                    leased_to_ = job->session;
                    break;
                case QueryJob::end_lease:
                    if (leased_to_ == job->session) {
                        leased_to_ = 0;
                        writer_->close_cursor();
                        writer_->roll_back_if_open();
                    }
                    break;
                case QueryJob::begin_read_lease:
                    leased_to_ = job->session;
                    break;
                case QueryJob::open_cursor:
                    writer_->open_cursor(job->statement);
                    break;
                case QueryJob::fetch_rows:
                    result.rows = writer_->fetch(job->statement.max_rows, &job->cancel);
                    break;
            }
        } catch (...) {
            error = std::current_exception();
        }
        job->state = QueryJob::finished;
        complete(*job, std::move(error), std::move(result));
    }
}

// A stream's job on the reader leased to it: its cursor opened, read, or closed (which
// ends the lease).
void SqliteBackend::run_leased(std::size_t index, QueryJob& job) {
    SqliteConnection& reader = *readers_[index];
    std::exception_ptr error;
    QueryResult result;
    try {
        switch (job.kind) {
            case QueryJob::open_cursor:
                reader.open_cursor(job.statement);
                break;
            case QueryJob::fetch_rows:
                result.rows = reader.fetch(job.statement.max_rows, &job.cancel);
                break;
            case QueryJob::end_lease: {
                reader.close_cursor();
                std::lock_guard lock(mutex_);
                reader_leases_[index].session = 0;
                --readers_leased_;
                break;
            }
            default:
                throw DatabaseError("sqlite: a reader's stream got a job it does not run");
        }
    } catch (...) {
        error = std::current_exception();
    }
    job.state = QueryJob::finished;
    complete(job, std::move(error), std::move(result));
}

// A reader runs what SQLite confirms only reads; anything else goes back to the writer.
// Leased to a stream, it runs that stream's jobs only.
void SqliteBackend::read_work(std::size_t index) {
    SqliteConnection& reader = *readers_[index];
    ReaderLease& lease = reader_leases_[index];
    for (;;) {
        std::shared_ptr<QueryJob> job;
        bool leased_job = false;
        {
            std::unique_lock lock(mutex_);
            read_wake_.wait(lock, [&] {
                return stopping_ || !lease.jobs.empty() || (lease.session == 0 && !reads_.empty());
            });
            if (stopping_) return;
            if (!lease.jobs.empty()) {
                job = std::move(lease.jobs.front());
                lease.jobs.pop_front();
                leased_job = true;
            } else {
                job = std::move(reads_.front());
                reads_.pop_front();
            }
        }
        int expected = QueryJob::queued;
        if (!job->state.compare_exchange_strong(expected, QueryJob::running)) continue;  // dropped
        if (leased_job) {
            run_leased(index, *job);
            continue;
        }
        std::exception_ptr error;
        QueryResult result;
        bool reads_only = false;
        try {
            reads_only = reader.reads_only(job->statement.sql);
        } catch (...) {
            // Unknown here (a TEMP table, a syntax error): the writer runs it, or says why.
        }
        try {
            if (!reads_only) {
                job->state = QueryJob::queued;
                {
                    std::lock_guard lock(mutex_);
                    if (!stopping_) {
                        queue_.push_back(std::move(job));
                    } else if (int queued = QueryJob::queued;
                               job->state.compare_exchange_strong(queued, QueryJob::dropped)) {
                        complete(*job,
                                 std::make_exception_ptr(
                                     DatabaseError("sqlite: the Database was closed")),
                                 {});
                    }
                }
                write_wake_.notify_one();
                continue;
            }
            result = reader.run(job->statement, &job->cancel);
        } catch (...) {
            error = std::current_exception();
        }
        job->state = QueryJob::finished;
        complete(*job, std::move(error), std::move(result));
    }
}

}  // namespace vial::detail

namespace vial::detail {

namespace {

std::shared_ptr<QueryJob> make_job(Statement statement, QueryJob::Kind kind, std::uint64_t session,
                                   int reader = -1) {
    auto job = std::make_shared<QueryJob>();
    job->statement = std::move(statement);
    job->kind = kind;
    job->session = session;
    job->reader = reader;
    return job;
}

// The connection leased to one transaction; its end is queued when it is destroyed.
// The connection leased to one transaction or stream (the writer, or for a stream a
// reader, `reader`); its end is queued when it is destroyed.
class SqliteSession : public Session {
  public:
    SqliteSession(std::shared_ptr<SqliteBackend> backend, std::uint64_t id, int reader = -1)
        : backend_(std::move(backend)), id_(id), reader_(reader) {}
    ~SqliteSession() override {
        backend_->submit(make_job(Statement(), QueryJob::end_lease, id_, reader_));
    }

    Task<QueryResult> run(Statement statement) override {
        return backend_->run_job(
            make_job(std::move(statement), QueryJob::run_statement, id_, reader_));
    }
    void committed() noexcept override {}  // the end finds no transaction open

    Task<void> open_cursor(Statement statement) override {
        co_await backend_->run_job(
            make_job(std::move(statement), QueryJob::open_cursor, id_, reader_));
    }
    Task<std::vector<Row>> fetch(std::size_t rows) override {
        Statement statement;
        statement.max_rows = rows;
        auto job = make_job(std::move(statement), QueryJob::fetch_rows, id_, reader_);
        QueryResult result = co_await backend_->run_job(std::move(job));
        co_return std::move(result.rows);
    }

  private:
    std::shared_ptr<SqliteBackend> backend_;
    std::uint64_t id_;
    int reader_;
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

Task<std::unique_ptr<Session>> SqliteBackend::begin_stream(const std::string& sql) {
    std::uint64_t id = ++sessions_;
    if (!readers_.empty() && may_only_read(sql)) {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < reader_leases_.size(); ++i) {
            if (reader_leases_[i].session != 0) continue;
            reader_leases_[i].session = id;
            ++readers_leased_;
            co_return std::make_unique<SqliteSession>(shared_from_this(), id, static_cast<int>(i));
        }
    }
    auto session = std::make_unique<SqliteSession>(shared_from_this(), id);
    auto lease = make_job(Statement(), QueryJob::begin_read_lease, id);
    co_await run_job(std::move(lease));
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
    auto operation = deferred_operation<void(std::exception_ptr, QueryResult)>(initiation);
    QueryResult result = value_or_rethrow(co_await std::move(operation));
    co_return result;
}

}  // namespace vial::detail
