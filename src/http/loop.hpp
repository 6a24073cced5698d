#pragma once
// Loop: one event loop of the server: its io_context, its SO_REUSEPORT acceptor, the
// connections it owns and a coarse clock. Everything here is touched only from the
// loop's own thread, except `active` (read by Server::stop) and `stop_requested`.
#include <vial/headers.hpp>
#include <vial/server.hpp>
#include <vial/task.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "../runtime/activity.hpp"
#include "parked.hpp"
#include "read_buffer.hpp"

namespace vial::detail {

class Admission;
class Dispatcher;
struct Connection;
struct ParkedConnection;
/// The state of one request in flight (connection.cpp), recycled by its loop: its
/// exchange (request, response) and, while it is read, its parser.
struct RequestState;
struct ParserState;
struct RequestStateDeleter {
    void operator()(RequestState* state) const noexcept;
    void operator()(ParserState* state) const noexcept;
};

struct Loop {
    Loop(unsigned index, const Dispatcher& dispatcher, const ServerOptions& options,
         Admission& admission)
        : index(index), dispatcher(dispatcher), options(options), admission(admission) {
        board = &boost::asio::use_service<ActivityBoard>(context);
    }

    unsigned index;
    const Dispatcher& dispatcher;
    const ServerOptions& options;
    /// The server's connection cap and buffered-bytes budget, shared by its loops.
    Admission& admission;
    // Intrusive list of live connections, for timeouts and shutdown.
    Connection* connections = nullptr;
    // Intrusive list of parked ones (idle long, without a coroutine: parked.hpp).
    ParkedConnection* parked = nullptr;
    std::atomic<std::size_t> active{0};
    /// Cleared when the accept loop has ended (at stop): every connection it accepted,
    /// even one the kernel handed over just as the acceptor closed, is in `active` by then.
    std::atomic<bool> accepting{true};
    /// The accept loop's back-off timer while it waits out an accept error (out of
    /// descriptors): a stop cancels it, so that the loop ends at once.
    boost::asio::steady_timer* accept_pause = nullptr;
    /// Counts connections going idle (Connection::idle_since).
    std::uint64_t idle_transitions = 0;
    /// idle_transitions as the last sweep left it: a connection whose idle_since is no
    /// greater has been idle for at least a whole sweep interval (the clock the sweeps
    /// keep is too coarse to tell that).
    std::uint64_t idle_transitions_at_sweep = 0;
    /// A sweep found more than kIdleCoroutineBudget connections waiting with their
    /// coroutine (and no later one half as few): the sweeps come sooner
    /// (sweep_interval), and those idle through one park.
    bool idle_flood = false;
    /// When the last sweep ran: parking by the flood rule needs a whole flood_tick()
    /// since, so a sweep woken early right after another parks nothing by it.
    std::chrono::steady_clock::time_point last_sweep{};
    /// Connections waiting in await_request now: what the sweep judges a flood by. The
    /// first past kIdleCoroutineBudget outside a flood wakes the sweeper at once, at most
    /// once per timed sweep.
    std::size_t idle_waiting = 0;
    /// The sweeper's timer while the sweeper lives (null otherwise), and its early wake.
    boost::asio::steady_timer* sweep_timer = nullptr;
    bool sweep_early = false;
    bool early_sweep_allowed = true;
    bool stopping = false;
    /// Read-buffer blocks lent to connections while they have bytes to parse.
    BlockPool blocks;
    /// Request states given back by answered requests, and parsers by read ones, for
    /// the next ones.
    std::vector<std::unique_ptr<RequestState, RequestStateDeleter>> spare_states;
    std::vector<std::unique_ptr<ParserState, RequestStateDeleter>> spare_parsers;
    /// Answered requests' header storage, emptied, for the next requests' headers (a
    /// malloc or a few saved per request; here, not in a request's state, so a waiting
    /// request holds no spare).
    std::vector<std::vector<Headers::Field>> spare_header_storage;

    // For the stall watchdog: the ticker stores steady-clock nanoseconds here each beat;
    // `board` (a service of `context`) says which task the loop runs.
    std::atomic<std::int64_t> heartbeat{0};
    ActivityBoard* board = nullptr;

    // Refreshed by the sweeper every tick: request paths never read the clock.
    std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
    std::time_t date_second = 0;
    char date[29] = {};

    // Declared last so they are destroyed first: destroying the context destroys
    // abandoned connection coroutines, which still unlink themselves from the list above.
    // Socket I/O only ever happens on the loop's thread (other threads only post), so the
    // reactor's per-descriptor locking can go.
    boost::asio::io_context context{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    std::optional<boost::asio::ip::tcp::acceptor> acceptor;
    std::thread thread;

    void refresh_clock();
    /// Cancels I/O of connections past their deadline or below the minimum send rate;
    /// when stopping, also of idle ones; past the buffered-bytes budget, of the oldest
    /// stalled writers.
    void sweep();
    /// Closes the connection idle the longest, to make room for a new one; false if none
    /// is idle.
    bool shed_idlest();
    void close_stalled_writers();
    /// How often sweep() runs: fine enough for the shortest configured timeout.
    std::chrono::milliseconds tick() const;
    /// The sweeps' period during an idle flood: a quarter of tick(), at least 5 ms.
    std::chrono::milliseconds flood_tick() const;
    /// The wait before the next sweep: tick(), or flood_tick() during an idle flood.
    std::chrono::milliseconds sweep_interval() const;
    /// Counts a connection starting to wait for its next request; the first past the
    /// budget brings the next sweep forward.
    void idle_wait_begins() {
        if (++idle_waiting > kIdleCoroutineBudget && !idle_flood && early_sweep_allowed &&
            sweep_timer) {
            early_sweep_allowed = false;
            sweep_early = true;
            sweep_timer->cancel();
        }
    }
    void idle_wait_ends() noexcept { --idle_waiting; }
};

/// A connection waiting for its next request, counted by its loop while this lives.
class IdleWaitCount {
  public:
    explicit IdleWaitCount(Loop& loop) : loop_(loop) { loop_.idle_wait_begins(); }
    ~IdleWaitCount() { loop_.idle_wait_ends(); }
    IdleWaitCount(const IdleWaitCount&) = delete;
    IdleWaitCount& operator=(const IdleWaitCount&) = delete;

  private:
    Loop& loop_;
};

/// The loop's sweeper: every tick(), refreshes the clock and runs sweep().
Task<void> sweeper(Loop& loop);
/// Beats for the stall watchdog every `interval`: a loop that stops beating is blocked.
Task<void> ticker(Loop& loop, std::chrono::milliseconds interval);

}  // namespace vial::detail
