#include "listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>

#include "../core/log.hpp"
#include "../runtime/deferred_op.hpp"
#include "../runtime/heap_allocator.hpp"
#include "../runtime/launch.hpp"
#include "admission.hpp"
#include "connection.hpp"

namespace vial::detail {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// A connection past MAX_CONNECTIONS with none idle to close: a short 503 written
// without waiting (it fits any socket buffer), what the client already sent drained so
// the close is not a reset that loses the answer, then closed.
void refuse_connection(LoopSocket& socket) {
    static const std::string answer = [] {
        std::string body = "The server has too many open connections; try again shortly.\n";
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; "
               "charset=utf-8\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" +
               body;
    }();
    int fd = socket.native_handle();
    (void)::send(fd, answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    char sink[4096];
    while (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
    boost::system::error_code ignored;
    socket.close(ignored);
}

bool out_of_descriptors(const boost::system::error_code& ec) {
    return ec == asio::error::no_descriptors ||
           ec == boost::system::error_code(ENFILE, boost::system::system_category());
}

}  // namespace

Task<void> accept_loop(Loop& loop) {
    const std::string where = "loop " + std::to_string(loop.index);
    auto backoff = std::chrono::milliseconds(10);
    asio::steady_timer pause(loop.context);
    loop.accept_pause = &pause;
    struct EndsAccepting {
        Loop& loop;
        ~EndsAccepting() {
            loop.accept_pause = nullptr;
            loop.accepting.store(false, std::memory_order_release);
        }
    } ends_accepting{loop};
    // The accept's state (~350 bytes) is taken from the heap at its size, not from Asio's
    // per-thread cache of freed blocks: see heap_allocator.hpp.
    auto accept = [&loop](auto handler) {
        loop.acceptor->async_accept(
            loop.context, asio::bind_allocator(HeapAllocator<void>(), std::move(handler)));
    };
    for (;;) {
        auto [ec, socket] =
            co_await deferred_operation<void(boost::system::error_code, LoopSocket)>(accept);
        // A connection accepted just before the stop closed the acceptor is still served
        // (it is owed its answer, within the stop's grace); the next accept then fails.
        if (ec && (ec == asio::error::operation_aborted || !loop.acceptor->is_open())) co_return;
        if (ec) {
            // Out of descriptors: close the idlest keep-alive connection and retry at once
            // (its descriptor is free once its coroutine ran); with none idle, or on any
            // other error, back off instead of spinning, and log once a second at most.
            bool shed = out_of_descriptors(ec) && loop.shed_idlest();
            log::warning_limited(
                "accept " + where,
                "accept failed on " + where + ": " + ec.message() +
                    (shed ? "; closed the idlest keep-alive connection to make room"
                          : "; retrying in " + std::to_string(backoff.count()) + " ms"));
            pause.expires_after(shed ? std::chrono::milliseconds(1) : backoff);
            co_await pause.async_wait(asio::as_tuple(asio::deferred));
            if (!shed) backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
            continue;
        }
        backoff = std::chrono::milliseconds(10);
        if (!loop.admission.admit_connection()) {
            // At the cap: make room by closing the idlest keep-alive connection (counted
            // until its coroutine ends, so the count runs one over for a moment).
            if (loop.shed_idlest()) {
                loop.admission.force_admit_connection();
            } else {
                log::warning_limited(
                    "max connections",
                    "MAX_CONNECTIONS (" + std::to_string(loop.admission.max_connections()) +
                        ") reached with no idle connection to close: refused one with 503");
                refuse_connection(socket);
                continue;
            }
        }
        // The connection's coroutine resumes through its own labelled executor, so a
        // stall after an await is still blamed on the request it serves.
        ActivityLease activity(*loop.board, {});
        LabelledExecutor executor(loop.context.get_executor(), activity.cell());
        // An exception out of a connection's coroutine ends that connection only.
        asio::cancellation_slot slot;
        ThreadTask serve =
            serve_connection(loop, std::move(socket), std::move(activity), false, slot);
        launch_thread(executor, std::move(serve), slot);
    }
}

// Each loop accepts on its own descriptor of the inherited socket, so that closing
// one (at stop) leaves the socket, and the connections queued on it, to whoever else
// holds it: the supervisor and the process that replaces this one.
void adopt_listener(Loop& loop, int fd) {
    int listening = 0;
    socklen_t size = sizeof listening;
    sockaddr_storage address{};
    socklen_t address_size = sizeof address;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || !listening ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_size) != 0 ||
        (address.ss_family != AF_INET && address.ss_family != AF_INET6)) {
        throw Error("--listen-fd " + std::to_string(fd) +
                    " is not a listening TCP socket inherited by this process");
    }
    int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (own < 0) throw Error("cannot duplicate --listen-fd " + std::to_string(fd));
    boost::system::error_code ec;
    loop.acceptor.emplace(loop.context)
        .assign(address.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), own, ec);
    if (ec) {
        ::close(own);
        throw Error("cannot accept on --listen-fd " + std::to_string(fd) + ": " + ec.message());
    }
}

void open_listener(Loop& loop, const tcp::endpoint& endpoint, const ServerOptions& options) {
    if (options.listen_fd >= 0) return adopt_listener(loop, options.listen_fd);
    tcp::acceptor& acceptor = loop.acceptor.emplace(loop.context);
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.set_option(reuse_port(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(std::max(options.backlog, 128), ec);
    if (ec) {
        throw Error("cannot listen on " + options.host + ":" + std::to_string(endpoint.port()) +
                    ": " + ec.message());
    }
}

}  // namespace vial::detail
