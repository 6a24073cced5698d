// A client that disconnects cancels its pending view; shutdown's deadline cancels too.
#include <atomic>

#include "server_fixture.hpp"

namespace vial::testing {
namespace {

struct Observed {
    std::atomic<int> cancelled{0};
    std::atomic<int> finished{0};
    std::atomic<int> torn_down{0};
};

std::unique_ptr<App> waiting_app(std::shared_ptr<Observed> seen) {
    auto app = std::make_unique<App>("cancel");
    app->get("/wait", [seen](Request&) -> Task<std::string> {
        try {
            co_await vial::sleep(std::chrono::seconds(30));
        } catch (const Cancelled&) {
            ++seen->cancelled;
            throw;
        }
        ++seen->finished;
        co_return "done";
    });
    app->teardown_request([seen](std::exception_ptr) { ++seen->torn_down; });
    return app;
}

TEST(Cancellation, ClientResetCancelsThePendingView) {
    auto seen = std::make_shared<Observed>();
    auto app = waiting_app(seen);
    Server server(*app, {.port = 0, .threads = 1, .quiet = true});
    server.start();
    RawClient client(server.port());
    client.send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    client.reset();  // RST
    EXPECT_TRUE(eventually([&] { return seen->cancelled == 1; }, std::chrono::seconds(3)));
    EXPECT_TRUE(eventually([&] { return seen->torn_down == 1; }, std::chrono::seconds(1)));
    EXPECT_EQ(seen->finished, 0);
    // The server keeps serving.
    RawClient other(server.port());
    other.send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(other.read_response().status, 404);
}

TEST(Cancellation, PipelinedBytesDoNotLookLikeADisconnect) {
    auto seen = std::make_shared<Observed>();
    auto app = std::make_unique<App>("pipelined");
    app->get("/short", [](Request&) -> Task<std::string> {
        co_await vial::sleep(std::chrono::milliseconds(600));
        co_return "short";
    });
    Server server(*app, {.port = 0, .threads = 1, .quiet = true});
    server.start();
    RawClient client(server.port());
    client.send("GET /short HTTP/1.1\r\nHost: t\r\n\r\nGET /short HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(client.read_response().body, "short");
    EXPECT_EQ(client.read_response().body, "short");
}

TEST(Cancellation, ShutdownDeadlineCancelsViewsAndRunsTeardown) {
    auto seen = std::make_shared<Observed>();
    auto app = waiting_app(seen);
    Server server(*app, {.port = 0,
                         .threads = 1,
                         .quiet = true,
                         .shutdown_timeout = std::chrono::milliseconds(200)});
    server.start();
    RawClient client(server.port());
    client.send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto started = std::chrono::steady_clock::now();
    server.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
    EXPECT_EQ(seen->cancelled, 1);
    EXPECT_EQ(seen->torn_down, 1);
    EXPECT_EQ(seen->finished, 0);
}

}  // namespace
}  // namespace vial::testing

namespace vial::testing {
namespace {

// Hardening finding 3: clients that leave while their to_thread job is still queued do
// not keep the pool busy; their jobs are dropped unrun.
TEST(Cancellation, QueuedPoolJobsOfDepartedClientsAreDropped) {
    configure_blocking_pool(1, 64);
    std::atomic<int> ran{0};
    auto app = std::make_unique<App>("offload");
    app->get("/offload", [&ran](Request&) -> Task<std::string> {
        co_await vial::to_thread([&ran] {
            ++ran;
            std::this_thread::sleep_for(std::chrono::milliseconds(400));
        });
        co_return "offloaded";
    });
    Server server(*app, {.port = 0, .threads = 1, .quiet = true});
    server.start();
    {
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 10; ++i) {
            clients.push_back(std::make_unique<RawClient>(server.port()));
            clients.back()->send("GET /offload HTTP/1.1\r\nHost: t\r\n\r\n");
        }
        EXPECT_TRUE(eventually([] { return blocking_pool_stats().in_flight == 10; },
                               std::chrono::seconds(2)));
    }  // all ten leave; one job is running
    // Without dropping, the queue would keep the one pool thread busy for 10 x 400 ms.
    EXPECT_TRUE(eventually([] { return blocking_pool_stats().in_flight == 0; },
                           std::chrono::milliseconds(1500)));
    EXPECT_GE(blocking_pool_stats().dropped, 8u);
    EXPECT_LE(ran.load(), 2);
    // The pool still serves.
    RawClient client(server.port());
    client.send("GET /offload HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(client.read_response().body, "offloaded");
}

}  // namespace
}  // namespace vial::testing
