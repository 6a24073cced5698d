#pragma once
// PgConnection: one libpq connection, driven by the event loop it was opened on.
//
// libpq runs non-blocking in pipeline mode: a statement is sent (parse once per
// connection, then bind and execute, then a Sync) without waiting for the ones before
// it, and results come back in order. Each statement gets its own Sync, so one
// statement's error never aborts another's. A batch (query_many) of a SELECT that reads
// only, or any batch inside a transaction, shares one Sync: the server then answers it
// in one flush instead of one per statement. If such a batch fails outside a
// transaction, its statements were all rolled back, and they run again one Sync each, so
// each still stands alone. The socket is waited on by Asio (no thread
// per query); only PQconnectStart (DNS) and the cancel request, both blocking, go to the
// blocking pool.
#include <libpq-fe.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "backend.hpp"
#include "pg_codec.hpp"

namespace vial::detail {

struct PgSettings {
    std::string conninfo;  // as libpq takes it
    std::string where;     // host:port/dbname, for messages (never the password)
    DatabaseOptions options;
};

class PgConnection;

/// One statement on its way through a connection.
struct PgQuery {
    Statement statement;
    std::optional<QueryHandler> handler;  // none for the pool's own (a ROLLBACK)
    boost::asio::any_io_executor executor;
    boost::asio::cancellation_slot slot;
    QueryResult result;
    std::exception_ptr error;
    std::weak_ptr<PgConnection> connection;  // gone once it failed (and failed this)
    bool sent = false;
    bool done = false;  // its handler has been posted (or it had none)
    bool retried = false;
    std::string sqlstate;  // of its failure, if the server said
    // query_many: the statement that awaits these members (each one set of values), and
    // this member's place in its results; or, on that statement, its members.
    std::shared_ptr<PgQuery> parent;
    std::size_t index = 0;
    std::vector<std::shared_ptr<PgQuery>> members;
    std::size_t remaining = 0;
    bool one_sync = false;  // the members go under one Sync (submitted as this query)
    // Sent inside a transaction (decided when it starts: the connection's lease may
    // change while it is in flight). Its failures are never retried there.
    bool in_transaction = false;
};

/// Posts `query`'s completion once; the first call wins. A member of a query_many hands
/// its result to its parent, which completes when the last member has.
void finish(PgQuery& query);

class PgConnection : public std::enable_shared_from_this<PgConnection> {
  public:
    enum class State { connecting, ready, broken };
    // What the pool hears: the connection is ready (null), or it broke with this error
    // (and failed its queries).
    using Listener = std::function<void(PgConnection&, std::exception_ptr failure)>;

    PgConnection(boost::asio::any_io_executor executor, std::shared_ptr<const PgSettings> settings,
                 Listener listener);
    ~PgConnection();

    /// Starts connecting; queries submitted meanwhile wait.
    void open();
    /// Queues `query`; the statements queued during one loop turn are sent together
    /// (once connected). Its handler gets the rows or the error.
    void submit(const std::shared_ptr<PgQuery>& query);
    /// The awaiting task was cancelled: it resumes now with vial::Cancelled; a statement
    /// the server is running gets a cancel request, and its result is discarded.
    void abandon(PgQuery& query);
    /// Fails every query with `why` and closes the socket.
    void close(std::exception_ptr why);

    State state() const noexcept { return state_; }
    /// False (and broken) when an idle connection finds the server has closed it.
    bool still_open();
    /// It connected once (a failure after that is a lost connection, not a refused one).
    bool was_ready() const noexcept { return was_ready_; }
    /// Statements (or batches not yet sent) submitted and not finished.
    std::size_t load() const noexcept { return unsent_.size() + in_flight_; }
    std::size_t deepest_pipeline() const noexcept { return deepest_pipeline_; }
    bool leased = false;
    /// A LISTEN connection: it keeps a read armed while idle, and hands each NOTIFY here.
    std::function<void(const PGnotify&)> on_notify;

  private:
    // A statement prepared on this connection, for one SQL text and one set of parameter
    // types; the shape of its last result is kept for the next, and tells whether the
    // next asks for binary results (a statement's first run, shape unknown, is text).
    struct Prepared {
        std::string signature;
        std::string name;
        PgShape shape;
        bool binary = false;
        bool fixed_columns = false;  // shape_is_fixed(its SQL), judged once
    };
    struct Step {
        enum Kind { prepare_step, query_step, sync_step } kind;
        std::shared_ptr<PgQuery> query;      // for a batch's Sync, the batch
        std::shared_ptr<Prepared> prepared;  // the statement it runs or prepares, if cached
        std::size_t statements = 1;          // a Sync's: the statements it ends
    };
    void forget(const std::shared_ptr<Prepared>& prepared, const std::string& sql);

    void connect();
    void watch_socket();
    void send(const std::shared_ptr<PgQuery>& query);
    bool write_statement(const std::shared_ptr<PgQuery>& query,
                         const std::shared_ptr<PgQuery>& owner);
    void write_sync(const std::shared_ptr<PgQuery>& query, std::size_t statements);
    void send_failed(const std::shared_ptr<PgQuery>& owner);
    void batch_completed(const std::shared_ptr<PgQuery>& batch);
    void flush();
    void drain();
    void arm_read();
    void on_readable();
    void process();
    void on_result(Step& step, PGresult* result);
    void completed(const std::shared_ptr<PgQuery>& query);
    void broken(std::exception_ptr why);
    void send_cancel();

    boost::asio::any_io_executor executor_;
    std::shared_ptr<const PgSettings> settings_;
    Listener listener_;
    PGconn* conn_ = nullptr;
    std::shared_ptr<PGcancel> cancel_;
    boost::asio::posix::stream_descriptor socket_;
    State state_ = State::connecting;
    bool was_ready_ = false;
    bool reading_ = false;
    bool writing_ = false;
    bool drain_posted_ = false;
    std::deque<std::shared_ptr<PgQuery>> unsent_;
    std::deque<Step> steps_;
    std::size_t in_flight_ = 0;  // statements sent whose Sync has not come back
    std::unordered_map<std::string, std::vector<std::shared_ptr<Prepared>>> statements_;  // by SQL
    std::size_t cached_ = 0;           // entries in statements_
    std::size_t prepared_ = 0;         // names given so far
    std::size_t cancels_pending_ = 0;  // our cancel requests that may still hit a statement
    std::size_t cancel_requests_running_ = 0;
    std::size_t deepest_pipeline_ = 0;
};

}  // namespace vial::detail
