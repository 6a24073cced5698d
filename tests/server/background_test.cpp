// Background tasks over a real server: they finish after the response, shutdown waits
// for them, then cancels those past background_shutdown_timeout; serving hooks run.
#include <atomic>
#include <thread>

#include "server_fixture.hpp"

namespace vial::testing {
namespace {

struct Seen {
    std::atomic<int> finished{0};
    std::atomic<int> cancelled{0};
    std::atomic<int> started_serving{0};
    std::atomic<int> stopped_serving{0};
};

std::unique_ptr<App> background_app(std::shared_ptr<Seen> seen) {
    auto app = std::make_unique<App>("background");
    app->get("/spawn", [seen](Request& req) -> Task<std::string> {
        auto ms = std::chrono::milliseconds(req.args().get<int>("ms", 100));
        co_await vial::spawn(
            [](std::shared_ptr<Seen> s, std::chrono::milliseconds delay) -> Task<void> {
                try {
                    co_await vial::sleep(delay);
                } catch (const Cancelled&) {
                    ++s->cancelled;
                    throw;
                }
                ++s->finished;
            }(seen, ms),
            "sleeper");
        co_return "spawned";
    });
    app->before_serving([seen] { ++seen->started_serving; });
    app->after_serving([seen]() -> Task<void> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        ++seen->stopped_serving;
    });
    return app;
}

TEST(BackgroundServer, ShutdownWaitsForBackgroundWork) {
    auto seen = std::make_shared<Seen>();
    auto app = background_app(seen);
    Server server(*app, {.port = 0, .threads = 1, .quiet = true});
    server.start();
    EXPECT_EQ(seen->started_serving, 1);
    auto r = roundtrip(server.port(), "GET /spawn?ms=200 HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(r.body, "spawned");
    EXPECT_EQ(seen->finished, 0);  // the response did not wait
    server.stop();                 // but shutdown does
    EXPECT_EQ(seen->finished, 1);
    EXPECT_EQ(seen->cancelled, 0);
    EXPECT_EQ(seen->stopped_serving, 1);
}

TEST(BackgroundServer, ShutdownCancelsBackgroundWorkPastItsDeadline) {
    auto seen = std::make_shared<Seen>();
    auto app = background_app(seen);
    Server server(*app, {.port = 0,
                         .threads = 1,
                         .quiet = true,
                         .background_shutdown_timeout = std::chrono::milliseconds(100)});
    server.start();
    EXPECT_EQ(roundtrip(server.port(), "GET /spawn?ms=30000 HTTP/1.1\r\nHost: t\r\n\r\n").body,
              "spawned");
    auto started = std::chrono::steady_clock::now();
    server.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
    EXPECT_EQ(seen->cancelled, 1);
    EXPECT_EQ(seen->finished, 0);
}

// The seeds' "continuously running loop": a worker started by before_serving runs on a
// server loop, between and during requests, until shutdown cancels it.
TEST(BackgroundServer, BeforeServingStartsAWorkerThatRunsForTheServersLife) {
    struct Worker {
        std::atomic<int> ticks{0};
        std::atomic<int> ticks_on_main_thread{0};
        std::atomic<bool> cancelled{false};
    };
    auto worker = std::make_shared<Worker>();
    const auto main_thread = std::this_thread::get_id();
    App app("worker");
    app.before_serving([worker, main_thread]() -> Task<void> {
        auto loop = [](std::shared_ptr<Worker> w, std::thread::id main) -> Task<void> {
            try {
                for (;;) {
                    co_await vial::sleep(std::chrono::milliseconds(5));
                    ++w->ticks;
                    if (std::this_thread::get_id() == main) ++w->ticks_on_main_thread;
                }
            } catch (...) {
                // vial::Cancelled, or Asio's operation_aborted when the cancel lands
                // between two awaits: is_cancellation() names both (docs/async.md).
                w->cancelled = is_cancellation(std::current_exception());
                throw;
            }
        };
        co_await vial::spawn(loop(worker, main_thread), "cache refresher");
    });
    app.get("/ticks", [worker](Request&) { return std::to_string(worker->ticks.load()); });
    Server server(app, {.port = 0,
                        .threads = 1,
                        .quiet = true,
                        .background_shutdown_timeout = std::chrono::milliseconds(50)});
    server.start();  // returns: the worker does not hold up start-up
    EXPECT_TRUE(eventually([&] { return worker->ticks >= 5; }, std::chrono::seconds(3)));
    EXPECT_NE(roundtrip(server.port(), "GET /ticks HTTP/1.1\r\nHost: t\r\n\r\n").body, "0");
    EXPECT_EQ(worker->ticks_on_main_thread, 0);  // it runs on the server's loop
    EXPECT_FALSE(worker->cancelled);
    server.stop();
    EXPECT_TRUE(worker->cancelled);
}

// Ctrl-C with a worker that never ends: the stop does not wait background_shutdown_timeout
// (10 s by default) for it; a request's background task still gets to finish.
TEST(BackgroundServer, AWorkerIsCancelledWhenShutdownBeginsWhileRequestTasksDrain) {
    auto worker_cancelled = std::make_shared<std::atomic<bool>>(false);
    auto request_task_done = std::make_shared<std::atomic<bool>>(false);
    App app("worker");
    app.before_serving([worker_cancelled]() -> Task<void> {
        auto forever = [](std::shared_ptr<std::atomic<bool>> cancelled) -> Task<void> {
            try {
                for (;;) co_await vial::sleep(std::chrono::milliseconds(20));
            } catch (...) {
                *cancelled = is_cancellation(std::current_exception());
                throw;
            }
        };
        co_await vial::spawn(forever(worker_cancelled), "poller");
    });
    app.post("/job", [request_task_done](Request&) -> Task<std::string> {
        auto job = [](std::shared_ptr<std::atomic<bool>> done) -> Task<void> {
            co_await vial::sleep(std::chrono::milliseconds(300));
            *done = true;
        };
        co_await vial::spawn(job(request_task_done), "report");
        co_return "queued";
    });
    Server server(app, {.port = 0, .threads = 1, .quiet = true});  // default timeouts (10 s)
    server.start();
    EXPECT_EQ(
        roundtrip(server.port(), "POST /job HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n").body,
        "queued");
    auto stopping = std::chrono::steady_clock::now();
    server.stop();
    auto took = std::chrono::steady_clock::now() - stopping;
    EXPECT_TRUE(*worker_cancelled);
    EXPECT_TRUE(*request_task_done);  // drained, not cancelled
    EXPECT_LT(took, std::chrono::seconds(2));
}

TEST(BackgroundServer, AFailingBeforeServingHookFailsStart) {
    App app("failing");
    app.before_serving([]() -> Task<void> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        throw Error("cannot reach the database");
    });
    Server server(app, {.port = 0, .threads = 1, .quiet = true});
    try {
        server.start();
        FAIL() << "start() should have thrown";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "cannot reach the database");
    }
}

}  // namespace
}  // namespace vial::testing
