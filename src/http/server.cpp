#include <vial/error.hpp>
#include <vial/run_sync.hpp>
#include <vial/server.hpp>
#include <vial/to_thread.hpp>
#include <vial/version.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <thread>
#include <vector>

#include "../core/dispatcher.hpp"
#include "../core/log.hpp"
#include "../runtime/background.hpp"
#include "../runtime/blocking_pool.hpp"
#include "admission.hpp"
#include "connection.hpp"
#include "loop.hpp"
#include "watchdog.hpp"

namespace vial {

namespace asio = boost::asio;
using asio::ip::tcp;
using detail::Loop;

namespace {

using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// A connection past MAX_CONNECTIONS with none idle to close: a short 503 written
// without waiting (it fits any socket buffer), what the client already sent drained so
// the close is not a reset that loses the answer, then closed.
void refuse_connection(tcp::socket& socket) {
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

detail::Task<void> accept_loop(Loop& loop) {
    const std::string where = "loop " + std::to_string(loop.index);
    auto backoff = std::chrono::milliseconds(10);
    asio::steady_timer pause(loop.context);
    for (;;) {
        auto [ec, socket] =
            co_await loop.acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !loop.acceptor->is_open()) co_return;
        if (ec) {
            // Out of descriptors: close the idlest keep-alive connection and retry at once
            // (its descriptor is free once its coroutine ran); with none idle, or on any
            // other error, back off instead of spinning, and log once a second at most.
            bool shed = out_of_descriptors(ec) && loop.shed_idlest();
            detail::log::warning_limited(
                "accept " + where,
                "accept failed on " + where + ": " + ec.message() +
                    (shed ? "; closed the idlest keep-alive connection to make room"
                          : "; retrying in " + std::to_string(backoff.count()) + " ms"));
            pause.expires_after(shed ? std::chrono::milliseconds(1) : backoff);
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
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
                detail::log::warning_limited(
                    "max connections",
                    "MAX_CONNECTIONS (" + std::to_string(loop.admission.max_connections()) +
                        ") reached with no idle connection to close: refused one with 503");
                refuse_connection(socket);
                continue;
            }
        }
        auto cancel = std::make_shared<asio::cancellation_signal>();
        auto slot = cancel->slot();
        // The connection's coroutine resumes through its own labelled executor, so a
        // stall after an await is still blamed on the request it serves.
        detail::ActivityLease activity(*loop.board, {});
        detail::LabelledExecutor executor(loop.context.get_executor(), activity.cell());
        asio::co_spawn(executor,
                       detail::serve_connection(loop, std::move(socket), std::move(cancel),
                                                std::move(activity)),
                       asio::bind_cancellation_slot(slot, asio::detached));
    }
}

// Runs `task` on `context` from the calling thread until it finishes; rethrows its failure.
// Other work on `context` (tasks it spawned) runs meanwhile and stays queued after.
void run_on(asio::io_context& context, detail::Task<void> task) {
    std::exception_ptr failure;
    bool finished = false;
    asio::co_spawn(context, std::move(task), [&](std::exception_ptr e) {
        failure = e;
        finished = true;
    });
    while (!finished) {
        if (context.run_one() == 0) {
            context.restart();
            throw Error("a before_serving hook's loop ran out of work before the hook finished");
        }
    }
    // Running out of work (the hook spawned nothing) stops a context: ready it for run().
    if (context.stopped()) context.restart();
    if (failure) std::rethrow_exception(failure);
}

// Beats for the watchdog: a loop that stops beating is blocked.
detail::Task<void> ticker(Loop& loop, std::chrono::milliseconds interval) {
    asio::steady_timer timer(loop.context);
    for (;;) {
        loop.heartbeat.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                             std::memory_order_relaxed);
        timer.expires_after(interval);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
    }
}

detail::Task<void> sweeper(Loop& loop) {
    asio::steady_timer timer(loop.context);
    const auto tick = loop.tick();
    for (;;) {
        timer.expires_after(tick);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        loop.refresh_clock();
        loop.sweep();
    }
}

}  // namespace

struct Server::Impl {
    App& app;
    ServerOptions options;
    std::unique_ptr<detail::Admission> admission;
    std::vector<std::unique_ptr<Loop>> loops;
    std::uint16_t port = 0;
    bool running = false;
    std::unique_ptr<detail::Watchdog> watchdog;

    Impl(App& a, ServerOptions o) : app(a), options(std::move(o)) {}

    void open_acceptor(Loop& loop, const tcp::endpoint& endpoint) {
        if (options.listen_fd >= 0) return adopt_acceptor(loop);
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

    // Each loop accepts on its own descriptor of the inherited socket, so that closing
    // one (at stop) leaves the socket, and the connections queued on it, to whoever else
    // holds it: the supervisor and the process that replaces this one.
    void adopt_acceptor(Loop& loop) {
        int fd = options.listen_fd;
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

    void start() {
        if (running) return;
        const detail::Dispatcher& dispatcher = app.dispatcher();
        const Config& config = app.config();
        if (config.contains("BLOCKING_POOL_THREADS") || config.contains("BLOCKING_POOL_QUEUE")) {
            BlockingPoolStats current = blocking_pool_stats();
            configure_blocking_pool(
                config.get<unsigned>("BLOCKING_POOL_THREADS", current.threads),
                config.get<std::size_t>("BLOCKING_POOL_QUEUE", current.queue_limit));
        }
        unsigned count =
            options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
        boost::system::error_code ec;
        // An IP address, or "localhost"; names are not resolved (no DNS wait at startup).
        auto address =
            asio::ip::make_address(options.host == "localhost" ? "127.0.0.1" : options.host, ec);
        if (ec && options.listen_fd < 0) {
            throw Error("invalid host address '" + options.host +
                        "': give an IP address such as 127.0.0.1, 0.0.0.0 or ::1, or localhost");
        }
        tcp::endpoint endpoint(address, options.port);
        admission = std::make_unique<detail::Admission>(options.limits);
        for (unsigned i = 0; i < count; ++i) {
            auto loop = std::make_unique<Loop>(i, dispatcher, options, *admission);
            loop->refresh_clock();
            open_acceptor(*loop, endpoint);
            // With port 0 the first bind picks the port; the others share it.
            if (i == 0) endpoint.port(loop->acceptor->local_endpoint().port());
            loops.push_back(std::move(loop));
        }
        port = loops.front()->acceptor->local_endpoint().port();
        std::string where = options.listen_fd < 0
                                ? options.host
                                : loops.front()->acceptor->local_endpoint().address().to_string();
        // On the first loop, on this thread, before any loop runs: a hook can open a pool,
        // or `co_await vial::spawn(...)` a task that runs on that loop for the server's
        // life (a continuously running worker), cancelled when shutdown begins.
        {
            detail::WorkerSpawning workers;
            for (const auto& hook : app.before_serving_hooks())
                run_on(loops.front()->context, hook());
        }
        for (auto& loop : loops) {
            asio::co_spawn(loop->context, accept_loop(*loop), asio::detached);
            asio::co_spawn(loop->context, sweeper(*loop), asio::detached);
            if (options.stall_threshold.count() > 0) {
                asio::co_spawn(
                    loop->context,
                    ticker(*loop, detail::Watchdog::beat_interval(options.stall_threshold)),
                    asio::detached);
            }
            loop->thread = std::thread([l = loop.get()] {
                detail::ActivityBoard::set_thread_board(l->board);
                l->context.run();
            });
        }
        if (options.stall_threshold.count() > 0) {
            std::vector<Loop*> watched;
            for (auto& loop : loops) watched.push_back(loop.get());
            watchdog =
                std::make_unique<detail::Watchdog>(std::move(watched), options.stall_threshold);
        }
        running = true;
        detail::log::info("vial " + std::string(kVersion) + " serving app '" + app.name() +
                          "' on http://" + where + ":" + std::to_string(port) + " with " +
                          std::to_string(count) + (count == 1 ? " thread" : " threads"));
    }

    // Waits for this server's background tasks, then cancels those past the deadline.
    void drain_background() {
        auto pending = [&] {
            std::size_t n = 0;
            for (auto& loop : loops) n += detail::background_running(&loop->context);
            return n;
        };
        auto deadline = std::chrono::steady_clock::now() + options.background_shutdown_timeout;
        while (pending() > 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (pending() == 0) return;
        std::string names;
        for (auto& loop : loops) {
            for (const auto& name : detail::cancel_background(&loop->context))
                names += (names.empty() ? "" : ", ") + name;
        }
        detail::log::warning("background_shutdown_timeout passed: cancelled " + names);
        auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (pending() > 0 && std::chrono::steady_clock::now() < grace) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    void stop() {
        if (!running) return;
        running = false;
        for (auto& loop : loops) {
            asio::post(loop->context, [l = loop.get()] {
                l->stopping = true;
                boost::system::error_code ignored;
                l->acceptor->close(ignored);
                l->sweep();  // idle keep-alive connections end now
            });
        }
        // Workers (spawned by before_serving) would run forever: they stop now, while
        // requests in flight and their background tasks get their deadlines.
        for (auto& loop : loops) detail::cancel_background(&loop->context, true);
        auto deadline = std::chrono::steady_clock::now() + options.shutdown_timeout;
        auto busy = [&] {
            for (auto& loop : loops) {
                if (loop->active.load(std::memory_order_relaxed) > 0) return true;
            }
            return false;
        };
        while (busy() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        std::size_t abandoned = 0;
        for (auto& loop : loops) abandoned += loop->active.load(std::memory_order_relaxed);
        if (abandoned) {
            detail::log::warning("shutdown deadline passed: cancelling " +
                                 std::to_string(abandoned) +
                                 " connection(s) with requests still in flight");
            // Cancel the views in flight so their teardown hooks run, then give them a
            // moment to finish before the loops stop.
            for (auto& loop : loops) {
                asio::post(loop->context, [l = loop.get()] {
                    for (detail::Connection* c = l->connections; c; c = c->next) {
                        if (c->phase == detail::Connection::Phase::Dispatch) {
                            detail::abandon(*c);
                        } else {
                            boost::system::error_code ignored;
                            c->socket.cancel(ignored);
                        }
                    }
                });
            }
            auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(1);
            while (busy() && std::chrono::steady_clock::now() < grace) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
        drain_background();
        watchdog.reset();
        for (auto& loop : loops) loop->context.stop();
        for (auto& loop : loops) {
            if (loop->thread.joinable()) loop->thread.join();
        }
        // A to_thread job still running would post onto a destroyed loop: wait for it.
        auto jobs_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        for (auto& loop : loops) {
            detail::wait_for_blocking_jobs(&loop->context,
                                           jobs_deadline - std::chrono::steady_clock::now());
        }
        loops.clear();  // destroys the loops, and with them any abandoned coroutine
        for (const auto& hook : app.after_serving_hooks()) {
            try {
                run_sync(hook());
            } catch (const std::exception& e) {
                detail::log::error("after_serving hook failed: " +
                                   detail::without_source_location(e.what()));
            }
        }
        detail::log::info("vial stopped");
    }
};

Server::Server(App& app, ServerOptions options)
    : impl_(std::make_unique<Impl>(app, std::move(options))) {
    // The level is the process's (one log): the app's LOG_LEVEL sets it when given.
    if (app.config().contains("LOG_LEVEL"))
        logging::set_level(parse_log_level(app.config().get<std::string>("LOG_LEVEL")));
    app.freeze();
    if (app.config().get<bool>("DEBUG", false)) {
        detail::log::warning(
            "DEBUG is on: a 500 shows the exception, its traceback and the "
            "request's headers to the client. Never use it in production.");
    }
}

Server::~Server() {
    stop();
}

void Server::start() {
    impl_->start();
}

std::uint16_t Server::port() const noexcept {
    return impl_->port;
}

void Server::stop() {
    impl_->stop();
}

void Server::run() {
    start();
    asio::io_context signals_loop(1);
    asio::signal_set signals(signals_loop, SIGINT, SIGTERM);
    signals.async_wait([](const boost::system::error_code&, int signal) {
        detail::log::info(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
                          ": finishing in-flight requests");
    });
    signals_loop.run();
    stop();
}

}  // namespace vial
