#pragma once
// Connection: one HTTP/1.1 connection, served by one coroutine on one loop.
#include <boost/asio/ip/tcp.hpp>

#include <chrono>

#include "../core/task_fwd.hpp"

namespace vial::detail {

struct Loop;

struct Connection {
    enum class Phase { Idle, Header, Body, Dispatch, Write };

    Connection(Loop& loop, boost::asio::ip::tcp::socket socket);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    Loop& loop;
    boost::asio::ip::tcp::socket socket;
    Phase phase = Phase::Idle;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    bool timed_out = false;
    Connection* prev = nullptr;
    Connection* next = nullptr;
};

/// Serves every request of one accepted socket, then closes it.
Task<void> serve_connection(Loop& loop, boost::asio::ip::tcp::socket socket);

}  // namespace vial::detail
