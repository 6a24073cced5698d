// Background tasks over a real server: they finish after the response, shutdown waits
// for them, then cancels those past background_shutdown_timeout; serving hooks run.
#include <atomic>

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

}  // namespace
}  // namespace vial::testing
