// Load generator for the WebSocket and Server-Sent Events scenarios (bench/streams.py):
// many connections from one thread on Asio and Beast, so the client is not the limit.
//
//   stream_clients ws-idle PORT N HOLD_S      N idle WebSockets to /ws/echo, held HOLD_S
//   stream_clients ws-echo PORT N SECONDS     N sockets each echoing 64-byte messages
//   stream_clients sse PORT N SECONDS         N subscribers of /events
//
// Prints "ready" once every connection is up (the driver then measures the server), and a
// last line of JSON with the counts.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Counters {
    std::size_t connected = 0;
    std::size_t failed = 0;
    std::size_t messages = 0;
    std::size_t events = 0;
    /// Events count only once every subscriber is connected (the measured window).
    bool counting = false;
    /// Subscribers' sockets, closed together when the window ends.
    std::vector<tcp::socket*> subscribers;
};

tcp::endpoint server(unsigned short port) {
    return {asio::ip::make_address("127.0.0.1"), port};
}

asio::awaitable<void> ws_client(unsigned short port, bool echo, Clock::time_point until,
                                Counters& counters, asio::steady_timer& hold) {
    try {
        auto executor = co_await asio::this_coro::executor;
        websocket::stream<tcp::socket> ws(executor);
        co_await ws.next_layer().async_connect(server(port), asio::use_awaitable);
        co_await ws.async_handshake("127.0.0.1", "/ws/echo", asio::use_awaitable);
        ++counters.connected;
        if (!echo) {
            boost::system::error_code ec;
            co_await hold.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        } else {
            std::string message(64, 'm');
            beast::flat_buffer buffer;
            while (Clock::now() < until) {
                co_await ws.async_write(asio::buffer(message), asio::use_awaitable);
                buffer.clear();
                co_await ws.async_read(buffer, asio::use_awaitable);
                ++counters.messages;
            }
        }
        co_await ws.async_close(websocket::close_code::normal, asio::use_awaitable);
    } catch (const std::exception&) {
        ++counters.failed;
    }
}

asio::awaitable<void> sse_client(unsigned short port, Counters& counters) {
    auto executor = co_await asio::this_coro::executor;
    tcp::socket socket(executor);
    try {
        co_await socket.async_connect(server(port), asio::use_awaitable);
        std::string request = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
        co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
        counters.subscribers.push_back(&socket);
        ++counters.connected;
        std::string pending;
        char chunk[4096];
        for (;;) {
            std::size_t n =
                co_await socket.async_read_some(asio::buffer(chunk), asio::use_awaitable);
            pending.append(chunk, n);
            // Each event carries one "id:" line.
            for (std::size_t at; (at = pending.find("\nid: ")) != std::string::npos;) {
                if (counters.counting) ++counters.events;
                pending.erase(0, at + 5);
            }
            if (pending.size() > 8192) pending.erase(0, pending.size() - 16);
        }
    } catch (const std::exception&) {
        // the window's end closed the socket
    }
    std::erase(counters.subscribers, &socket);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: stream_clients ws-idle|ws-echo|sse PORT N SECONDS\n";
        return 2;
    }
    std::string mode = argv[1];
    auto port = static_cast<unsigned short>(std::stoi(argv[2]));
    std::size_t n = std::stoul(argv[3]);
    auto seconds = std::chrono::seconds(std::stoi(argv[4]));
    asio::io_context context(1);
    Counters counters;
    asio::steady_timer hold(context, Clock::time_point::max());
    auto started = Clock::now();
    auto until = started + seconds;
    Clock::time_point window_started;
    asio::steady_timer window(context);
    for (std::size_t i = 0; i < n; ++i) {
        if (mode == "sse") {
            asio::co_spawn(context, sse_client(port, counters), asio::detached);
        } else {
            asio::co_spawn(context, ws_client(port, mode == "ws-echo", until, counters, hold),
                           asio::detached);
        }
    }
    // Report readiness once every connection is up (or failed).
    asio::steady_timer poll(context);
    std::function<void()> check = [&] {
        if (counters.connected + counters.failed >= n) {
            std::cout << "ready " << counters.connected << std::endl;
            if (mode == "sse") {
                counters.counting = true;
                window_started = Clock::now();
                window.expires_after(seconds);
                window.async_wait([&](boost::system::error_code) {
                    started = window_started;  // report the window, not the connecting
                    for (tcp::socket* socket : std::vector(counters.subscribers)) socket->close();
                });
            }
            if (mode == "ws-idle") {
                auto release = std::make_shared<asio::steady_timer>(context, seconds);
                release->async_wait([&hold, release](boost::system::error_code) { hold.cancel(); });
            }
            return;
        }
        poll.expires_after(std::chrono::milliseconds(20));
        poll.async_wait([&](boost::system::error_code) { check(); });
    };
    check();
    context.run();
    double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    std::printf(
        "{\"connected\": %zu, \"failed\": %zu, \"messages\": %zu, \"events\": %zu, "
        "\"elapsed_s\": %.3f}\n",
        counters.connected, counters.failed, counters.messages, counters.events, elapsed);
    return 0;
}
