#include "loop.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

#include "../core/http_date.hpp"
#include "../core/log.hpp"
#include "admission.hpp"
#include "connection.hpp"
#include "parked.hpp"
#include "websocket_session.hpp"

namespace vial::detail {

void Loop::refresh_clock() {
    now = std::chrono::steady_clock::now();
    std::time_t second = std::time(nullptr);
    if (second != date_second) {
        date_second = second;
        format_http_date(second, date);
    }
}

namespace {

// A view has been running for a while: is its client still there? A peek costs one
// syscall, and only for requests older than a sweeper tick. EOF or an error means the
// client left (as nginx, a half-close counts as leaving); pipelined bytes mean it is alive.
bool client_left(Connection& c) {
    char byte;
    ssize_t n = ::recv(c.socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

// A response pending for longer than write_timeout must have gone at min_send_rate on
// average: a client that takes a byte now and then, just often enough to dodge the
// deadline between writes, is cut too.
bool too_slow(const Connection& c, const ConnectionLimits& limits,
              std::chrono::steady_clock::time_point now) {
    if (c.phase != Connection::Phase::Write || limits.min_send_rate == 0) return false;
    auto elapsed = now - c.write_started;
    if (elapsed <= limits.write_timeout) return false;
    double seconds = std::chrono::duration<double>(elapsed).count();
    return static_cast<double>(c.written) < seconds * static_cast<double>(limits.min_send_rate);
}

void close_socket(Connection& c, bool timed_out) {
    c.timed_out = timed_out;
    boost::system::error_code ignored;
    c.socket.cancel(ignored);
}

}  // namespace

// How long a connection accepted just before a stop gets to begin its first request.
constexpr std::chrono::milliseconds kFreshGrace{1000};

void Loop::sweep() {
    const auto min_age = tick();
    for (Connection* c = connections; c; c = c->next) {
        if (c->phase == Connection::Phase::Dispatch && !c->abandoned &&
            now - c->dispatch_started >= min_age && client_left(*c)) {
            abandon(*c);
        }
    }
    // Many idle connections at once (a burst just answered, clients that connect and
    // wait) park once idle through a whole sweep interval instead of kParkAfter, and the
    // sweeps come four times as often meanwhile (the first at once: idle_wait_begins):
    // their coroutines would otherwise pile up for a second and leave malloc a high-water
    // mark it keeps after they park. A client that sends more often than that never
    // parks either way; nor does a new connection within its grace (a stop would close
    // it parked, before its first request). The flood lasts until half as many wait.
    idle_flood = idle_waiting > (idle_flood ? kIdleCoroutineBudget / 2 : kIdleCoroutineBudget);
    const bool flood = idle_flood && now - last_sweep >= flood_tick();
    for (Connection* c = connections; c; c = c->next) {
        if (c->phase == Connection::Phase::Write && c->written != c->written_at_sweep) {
            c->written_at_sweep = c->written;
            c->last_progress = now;
        }
        bool expired = now >= c->deadline || too_slow(*c, options.limits, now);
        bool idle_while_stopping = stopping && c->phase == Connection::Phase::Idle &&
                                   (!c->fresh || now - c->accepted >= kFreshGrace);
        if (stopping && c->phase == Connection::Phase::Upgraded) c->websocket->going_away();
        if (expired || idle_while_stopping) {
            c->park = false;
            close_socket(*c, expired);
        } else if (c->phase == Connection::Phase::Idle && !c->park && !stopping &&
                   (now - c->idle_at >= kParkAfter ||
                    (flood && c->idle_since <= idle_transitions_at_sweep &&
                     !(c->fresh && now - c->accepted < kFreshGrace)))) {
            // Waiting for a request (Idle is await_request's wait only) for a while: its
            // coroutine's frames go, the socket waits alone.
            c->park = true;
            close_socket(*c, false);
        }
    }
    idle_transitions_at_sweep = idle_transitions;
    last_sweep = now;
    for (ParkedConnection* p = parked; p; p = p->next) {
        if (stopping || now >= p->deadline) close_parked(*p);
    }
    if (admission.over_budget()) close_stalled_writers();
}

// Past the budget, this loop closes its writers that have taken nothing for a while (two
// sweeps and at least half a second: a moment's TCP backoff is not a stall), oldest
// first, until what they hold covers the excess. Loops do this independently, so
// together they may close a little more than needed, never a writer that keeps pace.
void Loop::close_stalled_writers() {
    const auto stall =
        std::max<std::chrono::steady_clock::duration>(2 * tick(), std::chrono::milliseconds(500));
    std::vector<Connection*> stalled;
    for (Connection* c = connections; c; c = c->next) {
        if (c->phase == Connection::Phase::Write && c->write_charged > 0 &&
            now - c->last_progress >= stall)
            stalled.push_back(c);
    }
    std::sort(stalled.begin(), stalled.end(), [](const Connection* a, const Connection* b) {
        return a->write_started < b->write_started;
    });
    std::size_t excess = admission.excess();
    std::size_t closed = 0, freed = 0;
    for (Connection* c : stalled) {
        if (freed >= excess) break;
        freed += c->write_charged;
        ++closed;
        close_socket(*c, true);
    }
    if (closed > 0) {
        log::warning_limited("budget", "buffered bytes past MAX_BUFFERED_BYTES (" +
                                           std::to_string(admission.buffered()) + " of " +
                                           std::to_string(admission.max_buffered_bytes()) +
                                           "): closed " + std::to_string(closed) +
                                           " stalled writer(s) holding " + std::to_string(freed) +
                                           " bytes");
    }
}

bool Loop::shed_idlest() {
    // Parked connections have idled longest; the one parked first goes first.
    ParkedConnection* oldest = nullptr;
    for (ParkedConnection* p = parked; p; p = p->next) {
        if (p->deadline != ParkedConnection::TimePoint::max() &&
            (!oldest || p->idle_since < oldest->idle_since))
            oldest = p;
    }
    if (oldest) {
        oldest->deadline = ParkedConnection::TimePoint::max();  // not shed twice
        close_parked(*oldest);
        return true;
    }
    Connection* idlest = nullptr;
    for (Connection* c = connections; c; c = c->next) {
        if (c->phase == Connection::Phase::Idle && c->deadline != Connection::TimePoint::max() &&
            (!idlest || c->idle_since < idlest->idle_since))
            idlest = c;
    }
    if (!idlest) return false;
    idlest->park = false;
    // Marked as stopping-idle: its read ends and the connection closes quietly.
    idlest->deadline = Connection::TimePoint::max();
    close_socket(*idlest, false);
    return true;
}

std::chrono::milliseconds Loop::tick() const {
    const auto& l = options.limits;
    auto shortest =
        std::min({l.header_timeout, l.body_timeout, l.keep_alive_timeout, l.write_timeout});
    return std::clamp(shortest / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
}

std::chrono::milliseconds Loop::flood_tick() const {
    return std::max(tick() / 4, std::chrono::milliseconds(5));
}

std::chrono::milliseconds Loop::sweep_interval() const {
    return idle_flood ? flood_tick() : tick();
}

namespace asio = boost::asio;

// Beats for the watchdog: a loop that stops beating is blocked.
Task<void> ticker(Loop& loop, std::chrono::milliseconds interval) {
    asio::steady_timer timer(loop.context);
    for (;;) {
        loop.heartbeat.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                             std::memory_order_relaxed);
        timer.expires_after(interval);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::deferred));
        if (ec) co_return;
    }
}

Task<void> sweeper(Loop& loop) {
    asio::steady_timer timer(loop.context);
    // However the sweeper ends (a throw included), idle_wait_begins no longer reaches
    // its timer.
    struct TimerLent {
        Loop& loop;
        ~TimerLent() { loop.sweep_timer = nullptr; }
    } lent{loop};
    loop.sweep_timer = &timer;
    for (;;) {
        timer.expires_after(loop.sweep_interval());
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::deferred));
        bool early = std::exchange(loop.sweep_early, false);
        if (ec && !early) co_return;  // not idle_wait_begins' cancel: the timer is going
        // A timed sweep: the next flood may wake the sweeper early again.
        if (!ec) loop.early_sweep_allowed = true;
        loop.refresh_clock();
        loop.sweep();
    }
}

}  // namespace vial::detail
