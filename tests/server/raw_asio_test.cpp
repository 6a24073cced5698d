// A view may use Boost.Asio directly with its own executor (`co_await
// asio::this_coro::executor`): sockets, timers and strands built on it work as in plain
// Asio, though vial runs the view on a labelling executor (for the stall watchdog).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "server_fixture.hpp"

namespace vial::testing {
namespace {

namespace asio = boost::asio;

TEST(RawAsio, AViewTalksToAServerWithItsOwnSocketTimerAndStrand) {
    App app("raw");
    app.get("/plaintext", [](Request&) { return "Hello, World!"; });
    // Fetches /plaintext from this same server over a socket of its own.
    app.get("/proxy", [](Request& req) -> Task<std::string> {
        auto executor = co_await asio::this_coro::executor;
        asio::steady_timer timer(executor, std::chrono::milliseconds(1));
        co_await timer.async_wait(asio::use_awaitable);
        auto strand = asio::make_strand(executor);
        asio::ip::tcp::socket socket(strand);
        auto port = static_cast<std::uint16_t>(req.args().get<int>("port", 0));
        co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port},
                                      asio::use_awaitable);
        std::string request = "GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
        co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
        std::string reply;
        auto [ec, n] = co_await asio::async_read(socket, asio::dynamic_buffer(reply),
                                                 asio::as_tuple(asio::use_awaitable));
        (void)n;
        if (ec != asio::error::eof) throw Error("read failed: " + ec.message());
        co_return reply.substr(reply.find("\r\n\r\n") + 4);
    });
    Server server(app, {.port = 0, .threads = 1, .quiet = true});
    server.start();
    std::string target =
        "GET /proxy?port=" + std::to_string(server.port()) + " HTTP/1.1\r\nHost: t\r\n\r\n";
    auto r = roundtrip(server.port(), target);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "Hello, World!");
}

}  // namespace
}  // namespace vial::testing
