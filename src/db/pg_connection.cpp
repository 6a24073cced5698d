#include "pg_connection.hpp"

#include <vial/cancel.hpp>
#include <vial/error.hpp>
#include <vial/to_thread.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "../core/log.hpp"
#include "pg_codec.hpp"
#include "sql_text.hpp"

namespace vial::detail {

namespace asio = boost::asio;

// The server's notices: a WARNING (or a FATAL said before it hangs up) goes to the
// operator's log, rate-limited; NOTICE and below (CREATE TABLE IF NOT EXISTS's
// "already exists, skipping") are dropped. libpq would print them all to stderr.
void receive_notice(void*, const PGresult* notice) {
    const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
    std::string_view level = severity ? severity : "";
    if (level != "WARNING" && level != "ERROR" && level != "FATAL" && level != "PANIC") return;
    const char* text = PQresultErrorField(notice, PG_DIAG_MESSAGE_PRIMARY);
    log::warning_limited("postgresql-notice",
                         "postgresql " + std::string(level) + ": " + (text ? text : ""));
}

void finish(PgQuery& query) {
    if (query.done) return;
    query.done = true;
    if (query.parent) {
        std::shared_ptr<PgQuery> parent = std::move(query.parent);
        if (parent->done) return;
        if (query.error && !parent->error) parent->error = query.error;
        parent->result.many[query.index] = std::move(query.result);
        if (--parent->remaining == 0) finish(*parent);
        return;
    }
    if (!query.handler) return;
    QueryHandler handler(std::move(*query.handler));
    query.handler.reset();
    // Posted: the handler resumes a coroutine, which may submit again; never inline
    // while the connection walks its results.
    asio::post(query.executor, [handler = std::move(handler), error = std::move(query.error),
                                result = std::move(query.result), slot = query.slot]() mutable {
        if (slot.is_connected()) slot.clear();
        std::move(handler)(error, std::move(result));
    });
}

PgConnection::PgConnection(asio::any_io_executor executor,
                           std::shared_ptr<const PgSettings> settings, Listener listener)
    : executor_(std::move(executor)),
      settings_(std::move(settings)),
      listener_(std::move(listener)),
      socket_(executor_) {}

PgConnection::~PgConnection() {
    // libpq owns the socket: Asio only forgets it.
    if (socket_.is_open()) socket_.release();
    if (conn_) PQfinish(conn_);
}

void PgConnection::open() {
    asio::co_spawn(
        executor_,
        [self = shared_from_this()]() -> Task<void> {
            std::exception_ptr failure;
            try {
                // PQconnectStart resolves the host name, which blocks: off the loop. Named,
                // not a temporary in the co_await expression (g++ 12, docs/async.md).
                auto start = [settings = self->settings_] {
                    return PQconnectStart(settings->conninfo.c_str());
                };
                PGconn* conn = co_await to_thread(std::move(start));
                self->conn_ = conn;
                if (self->state_ == State::broken) co_return;  // closed meanwhile
                if (!conn) throw DatabaseConnectError("postgresql: out of memory connecting");
                PQsetNoticeReceiver(conn, &receive_notice, nullptr);
                if (PQstatus(conn) == CONNECTION_BAD)
                    std::rethrow_exception(
                        connect_error_of(PQerrorMessage(conn), self->settings_->where));
                PQsetnonblocking(conn, 1);
                auto deadline =
                    std::chrono::steady_clock::now() + self->settings_->options.connect_timeout;
                PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
                while (poll != PGRES_POLLING_OK) {
                    if (poll == PGRES_POLLING_FAILED)
                        std::rethrow_exception(
                            connect_error_of(PQerrorMessage(conn), self->settings_->where));
                    // libpq may move to another socket (another host, or SSL retried).
                    self->watch_socket();
                    auto wait = poll == PGRES_POLLING_READING
                                    ? asio::posix::stream_descriptor::wait_read
                                    : asio::posix::stream_descriptor::wait_write;
                    auto left = deadline - std::chrono::steady_clock::now();
                    try {
                        co_await vial::timeout(left,
                                               self->socket_.async_wait(wait, asio::use_awaitable));
                    } catch (const TimeoutError&) {
                        throw DatabaseConnectError("postgresql: cannot connect to " +
                                                   self->settings_->where + ": timed out");
                    }
                    if (self->state_ == State::broken) co_return;
                    poll = PQconnectPoll(conn);
                }
                self->watch_socket();
                if (PQenterPipelineMode(conn) != 1)
                    throw DatabaseConnectError("postgresql: pipeline mode refused: " +
                                               std::string(PQerrorMessage(conn)));
                self->cancel_.reset(PQgetCancel(conn), &PQfreeCancel);
            } catch (...) {
                failure = std::current_exception();
            }
            if (self->state_ == State::broken) co_return;
            if (failure) {
                self->broken(failure);
                co_return;
            }
            self->connect();
        },
        asio::detached);
}

void PgConnection::watch_socket() {
    if (socket_.is_open()) socket_.release();
    socket_.assign(PQsocket(conn_));
}

// Connected: the queries that waited go out.
void PgConnection::connect() {
    state_ = State::ready;
    was_ready_ = true;
    drain();
    if (state_ == State::ready) listener_(*this, nullptr);
}

void PgConnection::submit(const std::shared_ptr<PgQuery>& query) {
    query->connection = weak_from_this();
    for (auto& member : query->members) member->connection = query->connection;
    if (state_ == State::broken) {
        query->error = std::make_exception_ptr(DatabaseConnectError(
            "postgresql: the connection to " + settings_->where + " is closed"));
        finish(*query);
        return;
    }
    unsent_.push_back(query);
    if (state_ == State::ready && !drain_posted_) {
        drain_posted_ = true;
        asio::post(executor_, [self = shared_from_this()] { self->drain(); });
    }
}

bool PgConnection::still_open() {
    if (state_ != State::ready) return state_ == State::connecting;
    if (in_flight_ > 0) return true;
    // Idle, no read armed: whatever arrived meanwhile (a notice, the server's goodbye,
    // its end of file) is read now, so a statement never goes to a dead connection.
    for (int round = 0; round < 4; ++round) {
        pollfd probe{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
        if (::poll(&probe, 1, 0) <= 0) return true;
        if (PQconsumeInput(conn_) != 1 || PQstatus(conn_) == CONNECTION_BAD) {
            broken(std::make_exception_ptr(DatabaseConnectError(
                "postgresql: the connection to " + settings_->where + " was closed while idle")));
            return false;
        }
    }
    return true;
}

void PgConnection::send(const std::shared_ptr<PgQuery>& query) {
    if (!query->one_sync) {
        if (write_statement(query, query)) write_sync(query, 1);
        return;
    }
    std::size_t written = 0;
    for (const auto& member : query->members) {
        if (member->done) continue;  // abandoned, or its values were refused
        if (!write_statement(member, query)) {
            if (state_ != State::ready) return;
            continue;
        }
        ++written;
    }
    if (written > 0) write_sync(query, written);
}

// Parse (once per connection) and bind-execute `query`, without its Sync. False if it
// was not sent: its values were refused (it is finished with that error), or the
// connection broke (`owner`, the query or its batch, fails with the others).
bool PgConnection::write_statement(const std::shared_ptr<PgQuery>& query,
                                   const std::shared_ptr<PgQuery>& owner) {
    const Statement& statement = query->statement;
    std::optional<PgParams> params;
    try {
        if (statement.args.size() > 65535)
            throw DatabaseError("postgresql: a statement takes at most 65535 values, not " +
                                std::to_string(statement.args.size()) + ": " + statement.sql);
        params.emplace(statement.args, statement.sql);
    } catch (...) {
        query->error = std::current_exception();
        finish(*query);
        return false;
    }
    std::shared_ptr<Prepared> prepared;
    std::string numbered;
    bool ok = true;
    if (auto found = statements_.find(statement.sql); found != statements_.end()) {
        for (const auto& entry : found->second) {
            if (entry->signature == params->signature) prepared = entry;
        }
    }
    if (!prepared) {
        numbered = statement.args.empty() ? statement.sql : number_placeholders(statement.sql);
        if (cached_ < settings_->options.statement_cache) {
            auto fresh = std::make_shared<Prepared>();
            fresh->signature = params->signature;
            fresh->name = "vial_" + std::to_string(++prepared_);
            fresh->fixed_columns = shape_is_fixed(statement.sql);
            ok = PQsendPrepare(conn_, fresh->name.c_str(), numbered.c_str(), params->count(),
                               params->types.data()) == 1;
            if (ok) {
                statements_[statement.sql].push_back(fresh);
                ++cached_;
                steps_.push_back(Step{Step::prepare_step, query, fresh});
                prepared = std::move(fresh);
            }
        }
    }
    if (ok) {
        ok = prepared ? PQsendQueryPrepared(
                            conn_, prepared->name.c_str(), params->count(), params->values.data(),
                            params->lengths.data(), params->formats.data(),
                            prepared->binary && !statement.text_results ? 1 : 0) == 1
                      : PQsendQueryParams(conn_, numbered.c_str(), params->count(),
                                          params->types.data(), params->values.data(),
                                          params->lengths.data(), params->formats.data(), 0) == 1;
    }
    if (!ok) {
        send_failed(owner);
        return false;
    }
    steps_.push_back(Step{Step::query_step, query, std::move(prepared)});
    query->sent = true;
    return true;
}

// The Sync that ends `query` (a statement, or a batch of `statements`).
void PgConnection::write_sync(const std::shared_ptr<PgQuery>& query, std::size_t statements) {
    if (PQpipelineSync(conn_) != 1) {
        send_failed(query);
        return;
    }
    steps_.push_back(Step{Step::sync_step, query, nullptr, statements});
    query->sent = true;
    in_flight_ += statements;
    deepest_pipeline_ = std::max(deepest_pipeline_, in_flight_);
}

void PgConnection::send_failed(const std::shared_ptr<PgQuery>& owner) {
    // Back where broken() finds it, so it fails with the others rather than hang.
    unsent_.push_front(owner);
    broken(std::make_exception_ptr(DatabaseConnectError(
        "postgresql: cannot send to " + settings_->where + ": " + PQerrorMessage(conn_))));
}

// Statements submitted during one turn of the loop leave together: PQpipelineSync
// sends at once, so each would otherwise cost a TCP segment of its own (a trip through
// loopback or the NIC each). The socket is corked while the turn's statements are
// written, and the batch goes out as one.
void PgConnection::drain() {
    drain_posted_ = false;
    if (state_ != State::ready || unsent_.empty()) return;
    int fd = PQsocket(conn_);
    int on = 1, off = 0;
    bool corked =
        unsent_.size() > 1 && ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0;
    // One at a time from unsent_: if a send breaks the connection, broken() finds the
    // rest there and fails them.
    while (!unsent_.empty() && state_ == State::ready) {
        std::shared_ptr<PgQuery> query = std::move(unsent_.front());
        unsent_.pop_front();
        if (!query->done) send(query);
    }
    if (state_ != State::ready) return;
    if (corked) ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
    flush();
    arm_read();
}

void PgConnection::flush() {
    if (state_ != State::ready || writing_) return;
    int left = PQflush(conn_);
    if (left < 0) {
        broken(std::make_exception_ptr(DatabaseConnectError(
            "postgresql: cannot send to " + settings_->where + ": " + PQerrorMessage(conn_))));
        return;
    }
    if (left == 0) return;
    writing_ = true;
    socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                       [self = shared_from_this()](boost::system::error_code error) {
                           self->writing_ = false;
                           if (error || self->state_ != State::ready) return;
                           self->flush();
                       });
}

// A read is armed only while results are due: an idle connection is no work for its
// loop (run_sync and the test client's loops end when their work does). still_open()
// looks at an idle one before it is used again.
void PgConnection::arm_read() {
    if (reading_ || state_ != State::ready || (steps_.empty() && !on_notify)) return;
    reading_ = true;
    socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                       [self = shared_from_this()](boost::system::error_code error) {
                           self->reading_ = false;
                           if (self->state_ != State::ready) return;
                           if (error) {
                               self->broken(std::make_exception_ptr(DatabaseConnectError(
                                   "postgresql: the connection to " + self->settings_->where +
                                   " failed: " + error.message())));
                               return;
                           }
                           self->on_readable();
                       });
}

void PgConnection::on_readable() {
    if (PQconsumeInput(conn_) != 1 || PQstatus(conn_) == CONNECTION_BAD) {
        std::string why = PQerrorMessage(conn_);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        broken(std::make_exception_ptr(DatabaseConnectError(
            "postgresql: the connection to " + settings_->where + " was lost: " + why)));
        return;
    }
    process();
    if (state_ != State::ready) return;
    while (PGnotify* notification = PQnotifies(conn_)) {
        if (on_notify) on_notify(*notification);
        PQfreemem(notification);
    }
    flush();  // the server may have been waiting for us to read before it took more
    arm_read();
}

// Walks the results that have fully arrived, in the order the steps were sent.
void PgConnection::process() {
    while (!steps_.empty() && state_ == State::ready) {
        if (PQisBusy(conn_)) return;
        PGresult* result = PQgetResult(conn_);
        Step& step = steps_.front();
        if (step.kind == Step::sync_step) {
            if (!result) return;  // its ReadyForQuery has not arrived yet
            ExecStatusType status = PQresultStatus(result);
            PQclear(result);
            if (status != PGRES_PIPELINE_SYNC) {
                broken(std::make_exception_ptr(
                    DatabaseConnectError("postgresql: the connection to " + settings_->where +
                                         " lost its place in the pipeline")));
                return;
            }
            std::shared_ptr<PgQuery> query = std::move(step.query);
            in_flight_ -= step.statements;
            steps_.pop_front();
            completed(query);  // may send it again
            if (in_flight_ == 0 && cancel_requests_running_ == 0) cancels_pending_ = 0;
            continue;
        }
        if (!result) {  // the end of this step's results
            steps_.pop_front();
            continue;
        }
        on_result(step, result);
        PQclear(result);
    }
}

void PgConnection::on_result(Step& step, PGresult* result) {
    PgQuery& query = *step.query;
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_FATAL_ERROR) {
        if (step.kind == Step::prepare_step) forget(step.prepared, query.statement.sql);
        if (!query.error) query.error = error_of(result, query.statement.sql);
        const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        if (state && query.sqlstate.empty()) query.sqlstate = state;
        // A cached plan whose result type changed (the table was altered), or a name the
        // server does not know: prepare anew next time.
        if (state && (std::strcmp(state, "0A000") == 0 || std::strcmp(state, "26000") == 0) &&
            step.prepared)
            forget(step.prepared, query.statement.sql);
        return;
    }
    if (status == PGRES_PIPELINE_ABORTED) {
        // A batch member after a failure: a statement it prepared does not exist.
        if (step.kind == Step::prepare_step) forget(step.prepared, query.statement.sql);
        if (!query.error)
            query.error = std::make_exception_ptr(
                DatabaseError("postgresql: the statement was not run in: " + query.statement.sql));
        return;
    }
    if (step.kind == Step::prepare_step || query.done) return;
    if (status == PGRES_TUPLES_OK) {
        try {
            if (step.prepared) {
                step.prepared->binary = false;  // until this result has been read
                query.result.rows = rows_of(result, query.statement.max_rows, step.prepared->shape);
                step.prepared->binary =
                    step.prepared->fixed_columns && binary_pays(step.prepared->shape);
            } else {
                PgShape shape;
                query.result.rows = rows_of(result, query.statement.max_rows, shape);
            }
        } catch (...) {
            query.error = std::current_exception();
        }
    } else if (status == PGRES_COMMAND_OK) {
        const char* affected = PQcmdTuples(result);
        query.result.exec.rows_affected = affected && *affected ? std::atoll(affected) : 0;
    }
    if (status == PGRES_TUPLES_OK) query.result.exec.rows_affected = PQntuples(result);
}

// A prepared statement that failed to prepare, or whose plan went stale, is prepared
// anew next time (under a new name; the old one, if it exists, is left to the session).
void PgConnection::forget(const std::shared_ptr<Prepared>& prepared, const std::string& sql) {
    auto found = statements_.find(sql);
    if (found == statements_.end()) return;
    auto& entries = found->second;
    auto at = std::find(entries.begin(), entries.end(), prepared);
    if (at == entries.end()) return;
    entries.erase(at);
    --cached_;
    if (entries.empty()) statements_.erase(found);
}

void PgConnection::completed(const std::shared_ptr<PgQuery>& query) {
    if (query->one_sync) {
        batch_completed(query);
        return;
    }
    bool canceled_by_server = query->sqlstate == "57014";
    if (query->done) {  // abandoned: nobody waits
        if (canceled_by_server && cancels_pending_ > 0) --cancels_pending_;  // it landed
        return;
    }
    // Our own cancel request may land on the statement after the one it was meant for;
    // that statement was rolled back whole (each has its own Sync), so it runs again.
    // Only while a request of ours may still land: a statement_timeout is reported.
    bool hit_by_our_cancel =
        canceled_by_server && cancels_pending_ > 0 && !query->retried && !query->in_transaction;
    // A prepared statement the server does not know (its prepare was aborted, or it was
    // forgotten after a stale plan while this one was in flight): prepared anew, once.
    bool unknown_statement =
        query->sqlstate == "26000" && !query->retried && !query->in_transaction;
    if (hit_by_our_cancel || unknown_statement) {
        if (hit_by_our_cancel) --cancels_pending_;
        query->sqlstate.clear();
        query->retried = true;
        query->error = nullptr;
        query->result = {};
        send(query);
        flush();
        return;
    }
    finish(*query);
}

// A batch under one Sync came back. If a statement failed, the server rolled back the
// whole batch and did not run the statements after it: outside a transaction each then
// runs again under a Sync of its own (so one failing does not undo the others, as
// query_many promises). Inside one, the failure stands, as it would for single
// statements, and the transaction is rolled back.
void PgConnection::batch_completed(const std::shared_ptr<PgQuery>& batch) {
    bool failed = false, canceled_by_server = false;
    for (const auto& member : batch->members) {
        if (member->sqlstate == "57014") canceled_by_server = true;
        // (A member finished before it was sent, its values refused, was not in the batch.)
        if (!member->done && (member->error || !member->sqlstate.empty())) failed = true;
    }
    if (canceled_by_server && cancels_pending_ > 0) --cancels_pending_;
    if (batch->done) return;  // abandoned: nobody waits
    if (failed && !batch->in_transaction) {
        // Back at the head of the queue, in order, each to get its own Sync; if the
        // connection breaks while they are sent, broken() fails those still queued.
        batch->one_sync = false;
        for (auto member = batch->members.rbegin(); member != batch->members.rend(); ++member) {
            if ((*member)->done) continue;
            (*member)->error = nullptr;
            (*member)->sqlstate.clear();
            (*member)->result = {};
            (*member)->sent = false;
            unsent_.push_front(*member);
        }
        drain();
        return;
    }
    for (const auto& member : batch->members) finish(*member);
}

void PgConnection::abandon(PgQuery& query) {
    if (query.done) return;
    query.error =
        std::make_exception_ptr(Cancelled("the query was cancelled: " + query.statement.sql));
    bool running = !steps_.empty() && steps_.front().query.get() == &query;
    finish(query);
    if (!query.sent) {
        std::erase_if(unsent_, [&](const auto& q) { return q.get() == &query; });
        return;
    }
    if (running) send_cancel();
}

// PQcancel opens a connection of its own and blocks: it runs on the blocking pool.
void PgConnection::send_cancel() {
    if (!cancel_) return;
    ++cancels_pending_;
    ++cancel_requests_running_;
    asio::co_spawn(
        executor_,
        [self = shared_from_this(), cancel = cancel_]() -> Task<void> {
            try {
                auto request = [cancel] {
                    char why[256];
                    PQcancel(cancel.get(), why, sizeof why);
                };
                co_await to_thread(std::move(request));
            } catch (...) {
                // The pool is saturated or stopping: the statement then runs to its end.
            }
            // The server has it now: once nothing is in flight, it can hit nothing more.
            if (--self->cancel_requests_running_ == 0 && self->in_flight_ == 0)
                self->cancels_pending_ = 0;
        },
        asio::detached);
}

void PgConnection::broken(std::exception_ptr why) {
    if (state_ == State::broken) return;
    state_ = State::broken;
    auto self = shared_from_this();  // the listener may drop the pool's reference
    boost::system::error_code ignored;
    if (socket_.is_open()) socket_.cancel(ignored);
    std::vector<std::shared_ptr<PgQuery>> queries(unsent_.begin(), unsent_.end());
    for (Step& step : steps_) {
        if (step.kind == Step::sync_step) queries.push_back(step.query);
    }
    unsent_.clear();
    steps_.clear();
    in_flight_ = 0;
    for (auto& query : queries) {
        // A statement that already has its error (the server said why it hung up)
        // keeps it.
        if (!query->error) query->error = why;
        finish(*query);
    }
    listener_(*this,
              why ? why : std::make_exception_ptr(DatabaseConnectError("postgresql: closed")));
}

void PgConnection::close(std::exception_ptr why) {
    broken(std::move(why));
}

}  // namespace vial::detail
