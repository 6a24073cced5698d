#pragma once
// Connection: one HTTP/1.1 connection, served by one coroutine on one loop.
#include <boost/asio/cancellation_signal.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "../core/task_fwd.hpp"
#include "../runtime/activity.hpp"
#include "../runtime/launch.hpp"
#include "loop_socket.hpp"

namespace vial::detail {

struct Loop;
class ServerWebSocket;

struct Connection {
    /// Upgraded: an accepted WebSocket; its reader notices a peer that leaves, so the
    /// sweeper only enforces its write deadlines.
    enum class Phase : std::uint8_t { Idle, Header, Body, Dispatch, Write, Upgraded };

    Connection(Loop& loop, LoopSocket socket, ActivityLease activity);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    using TimePoint = std::chrono::steady_clock::time_point;

    Loop& loop;
    LoopSocket socket;
    TimePoint accepted{};
    TimePoint deadline = TimePoint::max();
    /// When the connection last went idle, as the loop's count of idle transitions (exact
    /// order, no clock read): the lowest is the idlest, shed first when connections or
    /// descriptors run out.
    std::uint64_t idle_since = 0;
    /// When the connection last went idle (the loop's clock), for parking.
    TimePoint idle_at{};
    /// The response being written: when it started and bytes taken so far (for the
    /// minimum send rate). The sweeper notes `written` each tick and, when it moved, the
    /// tick's time in `last_progress`: a writer whose count has not moved for a while is
    /// stalled (the loop's coarse clock alone cannot tell, as writes between two sweeps
    /// all see the older tick).
    TimePoint write_started{};
    TimePoint last_progress{};
    std::size_t written = 0;
    std::size_t written_at_sweep = 0;
    /// Bytes charged to the server's buffered-bytes budget (Admission), released as they
    /// are written or the request ends, and at the latest when the connection goes.
    std::size_t body_charged = 0;
    std::size_t write_charged = 0;
    /// Bound to the connection coroutine: emitting it (cancel_view) cancels the view in
    /// flight. It lives as long as that coroutine, whose frame owns this connection.
    boost::asio::cancellation_signal cancel;
    std::chrono::steady_clock::time_point dispatch_started{};
    /// This connection's label for the stall watchdog.
    ActivityLease activity;
    /// The WebSocket this connection was upgraded to, while its view runs.
    ServerWebSocket* websocket = nullptr;
    Connection* prev = nullptr;
    Connection* next = nullptr;
    // The small fields last, together (no padding after each).
    Phase phase = Phase::Idle;
    /// No request begun yet, since `accepted` (the loop's clock). At stop such a
    /// connection is not closed at once as an idle keep-alive one is: its client has
    /// just connected and is likely sending a request (a restart under load, `app dev`),
    /// so it gets kFreshGrace to begin one.
    bool fresh = true;
    bool timed_out = false;
    /// Set by the sweeper when a connection has idled for kParkAfter: its wait is
    /// cancelled and it parks (parked.hpp).
    bool park = false;
    /// Parked: the socket and the connection's count moved to a ParkedConnection.
    bool handed_off = false;
    /// Set by the sweeper when the client went away (or shutdown's deadline passed)
    /// while a view was running; the response is then not sent.
    bool abandoned = false;
    /// `cancel` was emitted: the coroutine's cancellation state is to be cleared before
    /// what follows the view awaits anything (a cancelled co_await throws).
    bool view_cancelled = false;

    /// Cancels the view in flight (the only way `cancel` is emitted).
    void cancel_view() noexcept {
        view_cancelled = true;
        cancel.emit(boost::asio::cancellation_type::terminal);
    }
};

/// Serves every request of one accepted socket, then closes it (or parks it, when it
/// idles long); an exception ends that connection only. Start it with launch_thread, bound to
/// `cancel_slot` (set here: the slot of the connection's own signal, which the sweeper emits
/// to cancel the view in flight), on a LabelledExecutor of `activity`'s cell. `resumed`: a
/// parked connection whose next request is arriving (admitted and counted already).
ThreadTask serve_connection(Loop& loop, LoopSocket socket, ActivityLease activity, bool resumed,
                            boost::asio::cancellation_slot& cancel_slot);

/// Cancels the view in flight on `c` (client gone, or shutdown deadline).
void abandon(Connection& c);

/// Writes `out`, then `body`, under the connection's write deadline and send-rate rules;
/// clears `out`. False when the client is gone or too slow (the connection must close).
Task<bool> flush(Connection& c, std::string& out, std::string_view body = {});

}  // namespace vial::detail
