#pragma once
// ParkedConnection: a keep-alive connection idle for a while, kept without its coroutine.
// A connection between requests costs its coroutine frames (~3 KB with Asio's spawn and
// operation frames); one idle past kParkAfter gives them up and waits for its next
// request as a socket, a list entry and one pending wait (a few hundred bytes), the way
// nginx keeps its idle keep-alive connections. Its next bytes start a new connection
// coroutine. Busy connections never park: the request path is unchanged.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "loop_socket.hpp"

namespace vial::detail {

struct Loop;
struct Connection;

/// How long a connection waits for its next request before it parks.
constexpr std::chrono::milliseconds kParkAfter{1000};
/// How many connections of a loop may wait for their next request with their coroutine;
/// past it, sweeps come sooner and those idle for a whole sweep interval park
/// (Loop::sweep).
constexpr std::size_t kIdleCoroutineBudget = 512;

struct ParkedConnection {
    using TimePoint = std::chrono::steady_clock::time_point;

    ParkedConnection(Loop& loop, LoopSocket socket, std::uint64_t idle_since, TimePoint deadline);
    ~ParkedConnection();
    ParkedConnection(const ParkedConnection&) = delete;
    ParkedConnection& operator=(const ParkedConnection&) = delete;

    Loop& loop;
    LoopSocket socket;
    /// As Connection's: the idlest is shed first, and the keep-alive timeout still holds.
    std::uint64_t idle_since;
    TimePoint deadline;
    /// Handed back to a new connection coroutine: the connection's count goes with it.
    bool resumed = false;
    ParkedConnection* prev = nullptr;
    ParkedConnection* next = nullptr;
};

/// Moves `c`'s socket into a ParkedConnection that waits for the next request; `c`'s
/// coroutine then ends without closing the connection.
void park(Connection& c);

/// Closes a parked connection (keep-alive timeout, stop, making room): its wait ends and
/// it goes.
void close_parked(ParkedConnection& p);

}  // namespace vial::detail
