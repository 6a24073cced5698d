// The stall watchdog names the route that blocked its loop, and stays quiet for work
// moved to the blocking pool.
#include <vial/watchdog.hpp>

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

}  // namespace
}  // namespace vial::testing
