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
#include "listener.hpp"
#include "loop.hpp"
#include "watchdog.hpp"

namespace vial {

namespace asio = boost::asio;
using asio::ip::tcp;
using detail::Loop;

namespace {

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

    void start() {
        if (running) return;
        configure_pool_from_config();
        open_loops();
        run_before_serving_hooks();
        launch_loops();
        if (options.stall_threshold.count() > 0) {
            std::vector<Loop*> watched;
            for (auto& loop : loops) watched.push_back(loop.get());
            watchdog =
                std::make_unique<detail::Watchdog>(std::move(watched), options.stall_threshold);
        }
        running = true;
        std::string where = options.listen_fd < 0
                                ? options.host
                                : loops.front()->acceptor->local_endpoint().address().to_string();
        std::size_t count = loops.size();
        detail::log::info("vial " + std::string(kVersion) + " serving app '" + app.name() +
                          "' on http://" + where + ":" + std::to_string(port) + " with " +
                          std::to_string(count) + (count == 1 ? " thread" : " threads"));
    }

    void configure_pool_from_config() {
        const Config& config = app.config();
        if (config.contains("BLOCKING_POOL_THREADS") || config.contains("BLOCKING_POOL_QUEUE")) {
            BlockingPoolStats current = blocking_pool_stats();
            configure_blocking_pool(
                config.get<unsigned>("BLOCKING_POOL_THREADS", current.threads),
                config.get<std::size_t>("BLOCKING_POOL_QUEUE", current.queue_limit));
        }
    }

    // One Loop per thread, each with its listener; none runs yet.
    void open_loops() {
        const detail::Dispatcher& dispatcher = app.dispatcher();
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
            detail::open_listener(*loop, endpoint, options);
            // With port 0 the first bind picks the port; the others share it.
            if (i == 0) endpoint.port(loop->acceptor->local_endpoint().port());
            loops.push_back(std::move(loop));
        }
        port = loops.front()->acceptor->local_endpoint().port();
    }

    // On the first loop, on this thread, before any loop runs: a hook can open a pool, or
    // `co_await vial::spawn(...)` a task that runs on that loop for the server's life (a
    // continuously running worker), cancelled when shutdown begins.
    void run_before_serving_hooks() {
        detail::WorkerSpawning workers;
        for (const auto& hook : app.before_serving_hooks()) run_on(loops.front()->context, hook());
    }

    // Each loop's accept loop, sweeper and watchdog ticker, on its own thread.
    void launch_loops() {
        for (auto& loop : loops) {
            asio::co_spawn(loop->context, detail::accept_loop(*loop), asio::detached);
            asio::co_spawn(loop->context, detail::sweeper(*loop), asio::detached);
            if (options.stall_threshold.count() > 0) {
                asio::co_spawn(
                    loop->context,
                    detail::ticker(*loop, detail::Watchdog::beat_interval(options.stall_threshold)),
                    asio::detached);
            }
            loop->thread = std::thread([l = loop.get()] {
                detail::ActivityBoard::set_thread_board(l->board);
                l->context.run();
            });
        }
    }

    // Stop's waits watch other threads' counters: checked every few milliseconds until
    // `done` holds or `until` passes.
    template <class Done>
    static void poll_until(std::chrono::steady_clock::time_point until, Done done) {
        while (!done() && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }

    // Waits for this server's background tasks, then cancels those past the deadline.
    void drain_background() {
        auto pending = [&] {
            std::size_t n = 0;
            for (auto& loop : loops) n += detail::background_running(&loop->context);
            return n;
        };
        auto deadline = std::chrono::steady_clock::now() + options.background_shutdown_timeout;
        poll_until(deadline, [&] { return pending() == 0; });
        if (pending() == 0) return;
        std::string names;
        for (auto& loop : loops) {
            for (const auto& name : detail::cancel_background(&loop->context))
                names += (names.empty() ? "" : ", ") + name;
        }
        detail::log::warning("background_shutdown_timeout passed: cancelled " + names);
        auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        poll_until(grace, [&] { return pending() == 0; });
    }

    void stop() {
        if (!running) return;
        running = false;
        stop_accepting();
        // Workers (spawned by before_serving) would run forever: they stop now, while
        // requests in flight and their background tasks get their deadlines.
        for (auto& loop : loops) detail::cancel_background(&loop->context, true);
        auto deadline = std::chrono::steady_clock::now() + options.shutdown_timeout;
        wait_for_accept_loops(deadline);
        wait_while_busy(deadline);
        if (std::size_t abandoned = connections_left()) cancel_the_rest(abandoned);
        drain_background();
        watchdog.reset();
        join_loops();
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

    // Acceptors close and idle keep-alive connections end now; responses still to come
    // carry `Connection: close`.
    void stop_accepting() {
        for (auto& loop : loops) {
            asio::post(loop->context, [l = loop.get()] {
                l->stopping = true;
                boost::system::error_code ignored;
                l->acceptor->close(ignored);
                if (l->accept_pause) l->accept_pause->cancel();
                l->sweep();
            });
        }
    }

    // Until every accept loop has ended, a connection accepted just before the acceptor
    // closed may not be counted yet.
    void wait_for_accept_loops(std::chrono::steady_clock::time_point until) const {
        auto accepting = [&] {
            for (auto& loop : loops) {
                if (loop->accepting.load(std::memory_order_acquire)) return true;
            }
            return false;
        };
        poll_until(until, [&] { return !accepting(); });
    }

    std::size_t connections_left() const {
        std::size_t n = 0;
        for (auto& loop : loops) n += loop->active.load(std::memory_order_relaxed);
        return n;
    }

    void wait_while_busy(std::chrono::steady_clock::time_point until) const {
        poll_until(until, [&] { return connections_left() == 0; });
    }

    // Past the shutdown deadline: cancels the views in flight so their teardown hooks run,
    // then gives them a moment to finish before the loops stop.
    void cancel_the_rest(std::size_t abandoned) {
        detail::log::warning("shutdown deadline passed: cancelling " + std::to_string(abandoned) +
                             " connection(s) with requests still in flight");
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
        wait_while_busy(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    }

    void join_loops() {
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
