// The stall watchdog names the route that blocked its loop, and stays quiet for work
// moved to the blocking pool.
#include <vial/watchdog.hpp>

#include <thread>

#include "server_fixture.hpp"

namespace vial::testing {
namespace {

class Watchdog : public ServerTest {
  protected:
    void SetUp() override { start(); }
};

TEST_F(Watchdog, LogsTheRouteThatBlockedTheLoop) {
    auto before = loop_stall_stats();
    EXPECT_EQ(roundtrip(port(), "GET /blocking?ms=300 HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
    // The warning is written once the loop turns again.
    eventually([&] { return loop_stall_stats().stalls != before.stalls; }, std::chrono::seconds(2));
    auto after = loop_stall_stats();
    ASSERT_EQ(after.stalls, before.stalls + 1);
    EXPECT_GE(after.longest_ms, 200u);
    EXPECT_NE(after.last.find("GET /blocking (endpoint 'blocking')"), std::string::npos)
        << after.last;
    EXPECT_NE(after.last.find("vial::to_thread"), std::string::npos);
}

TEST_F(Watchdog, OffloadedWorkDoesNotStallTheLoop) {
    auto before = loop_stall_stats();
    EXPECT_EQ(roundtrip(port(), "GET /offload?ms=300 HTTP/1.1\r\nHost: t\r\n\r\n").body,
              "offloaded");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(loop_stall_stats().stalls, before.stalls);
}

TEST_F(Watchdog, BackgroundTasksRunAfterTheResponse) {
    auto created =
        roundtrip(port(), "POST /tasks HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    ASSERT_EQ(created.status, 202);
    EXPECT_EQ(roundtrip(port(), "GET /tasks/1 HTTP/1.1\r\nHost: t\r\n\r\n").body,
              "{\"state\":\"pending\"}");
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    EXPECT_EQ(roundtrip(port(), "GET /tasks/1 HTTP/1.1\r\nHost: t\r\n\r\n").body,
              "{\"state\":\"done\"}");
}

// Views and tasks that block their loop only after an await: the watchdog must name
// them, not whatever the loop dispatched while they were suspended.
std::unique_ptr<App> late_blocking_app() {
    auto app = std::make_unique<App>("late");
    auto block = [] { std::this_thread::sleep_for(std::chrono::milliseconds(300)); };
    app->get("/late-block", [block](Request& req) -> Task<std::string> {
        if (req.args().get<std::string>("via", "sleep") == "thread") {
            co_await vial::to_thread(
                [] { std::this_thread::sleep_for(std::chrono::milliseconds(100)); });
        } else {
            co_await vial::sleep(std::chrono::milliseconds(100));
        }
        block();
        co_return "late";
    });
    app->get("/quick", [](Request&) { return "quick"; });
    app->post("/report", [block](Request&) -> Task<Response> {
        auto report = [block]() -> Task<void> {
            co_await vial::sleep(std::chrono::milliseconds(100));
            block();
        };
        co_await vial::spawn(report(), "nightly report");
        co_return Response("started", 202);
    });
    return app;
}

// Waits for the next stall and returns its message.
std::string next_stall(const StallStats& before) {
    eventually([&] { return loop_stall_stats().stalls != before.stalls; }, std::chrono::seconds(3));
    StallStats after = loop_stall_stats();
    EXPECT_EQ(after.stalls, before.stalls + 1);
    return after.last;
}

class LateBlocking : public ::testing::TestWithParam<const char*> {};

TEST_P(LateBlocking, BlamesTheViewThatBlockedAfterItsAwait) {
    auto app = late_blocking_app();
    Server server(*app, {.port = 0, .threads = 1, .quiet = true});
    server.start();
    auto before = loop_stall_stats();
    RawClient late(server.port());
    late.send(std::string("GET /late-block?via=") + GetParam() + " HTTP/1.1\r\nHost: t\r\n\r\n");
    // While /late-block is suspended, the loop dispatches another request.
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_EQ(roundtrip(server.port(), "GET /quick HTTP/1.1\r\nHost: t\r\n\r\n").body, "quick");
    EXPECT_EQ(late.read_response().body, "late");
    std::string message = next_stall(before);
    EXPECT_NE(message.find("in GET /late-block (endpoint 'late_block')"), std::string::npos)
        << message;
}

INSTANTIATE_TEST_SUITE_P(AfterSleepOrThread, LateBlocking, ::testing::Values("sleep", "thread"));

TEST(WatchdogLabels, NamesTheBackgroundTaskThatBlocked) {
    auto app = late_blocking_app();
    Server server(*app, {.port = 0, .threads = 1, .quiet = true});
    server.start();
    auto before = loop_stall_stats();
    EXPECT_EQ(
        roundtrip(server.port(), "POST /report HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
            .status,
        202);
    EXPECT_EQ(roundtrip(server.port(), "GET /quick HTTP/1.1\r\nHost: t\r\n\r\n").body, "quick");
    std::string message = next_stall(before);
    EXPECT_NE(message.find("in background task 'nightly report'"), std::string::npos) << message;
}

}  // namespace
}  // namespace vial::testing
