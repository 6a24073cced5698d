// Keep-alive connections idle past a second (or a sweep, when many idle) park: their coroutine ends
// and the socket waits alone (parked.hpp). Everything a client sees stays the same: the next
// request is answered on the same connection, the keep-alive timeout still closes it, the
// connection cap sheds parked connections first, and a stop closes them at once.
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "server_fixture.hpp"
#include "support/process_memory.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

// kParkAfter (1 s) plus a sweeper tick (at most 250 ms) and a margin.
constexpr auto kParked = 1600ms;

class Parked : public ServerTest {};

constexpr const char* kPlaintext = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";

// A keep-alive connection that has had one answer: from here it idles, then parks.
void answer_once(RawClient& client) {
    client.send(kPlaintext);
    ASSERT_EQ(client.read_response().status, 200);
}

TEST_F(Parked, AParkedConnectionAnswersItsNextRequests) {
    start();
    RawClient client(port());
    ASSERT_NO_FATAL_FAILURE(answer_once(client));
    for (int round = 0; round < 2; ++round) {
        std::this_thread::sleep_for(kParked);
        // A request in two pieces: the first wakes the parked connection, the second
        // reaches the coroutine that took over.
        client.send("GET /hello/parked HTTP/1.1\r\n");
        std::this_thread::sleep_for(20ms);
        client.send("Host: t\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
        auto r = client.read_response();
        EXPECT_EQ(r.status, 200) << "round " << round;
        EXPECT_EQ(r.body, "Hello, parked!");
        EXPECT_EQ(client.read_response().body, "Hello, World!");
    }
}

// An empty line before a request (allowed by RFC 9112) leaves the connection waiting for
// a request as before: it parks, and its request, when it comes, is answered.
TEST_F(Parked, AStrayEmptyLineThenAPauseStillGetsItsAnswer) {
    start();
    RawClient client(port());
    ASSERT_NO_FATAL_FAILURE(answer_once(client));
    client.send("\r\n");
    std::this_thread::sleep_for(kParked);
    client.send(kPlaintext);
    EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(Parked, TheKeepAliveTimeoutStillClosesAParkedConnection) {
    ConnectionLimits limits;
    limits.keep_alive_timeout = 2500ms;
    start(limits);
    RawClient client(port());
    ASSERT_NO_FATAL_FAILURE(answer_once(client));
    auto idle_from = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.wait_closed());
    auto idle = std::chrono::steady_clock::now() - idle_from;
    EXPECT_GE(idle, 2400ms);
    EXPECT_LT(idle, 4000ms);
}

TEST_F(Parked, TheConnectionCapShedsAParkedConnectionFirst) {
    ConnectionLimits limits;
    limits.max_connections = 2;
    start(limits);
    RawClient parked(port());
    ASSERT_NO_FATAL_FAILURE(answer_once(parked));
    std::this_thread::sleep_for(kParked);
    RawClient busy(port());
    busy.send("GET /slow?ms=300 HTTP/1.1\r\nHost: t\r\n\r\n");
    std::this_thread::sleep_for(50ms);
    RawClient next(port());
    next.send(kPlaintext);
    EXPECT_EQ(next.read_response().status, 200);
    EXPECT_TRUE(parked.wait_closed()) << "the parked connection was kept";
    EXPECT_EQ(busy.read_response().body, "ok");
}

// More than kIdleCoroutineBudget (512) connections of a loop waiting for their next
// request: the sweeper comes at once, then every 62 ms, and those idle through a sweep
// interval park without waiting out the second, so a flood of idle clients gives its
// coroutine frames back within a sweep or two rather than piling them up
// (docs/server.md). Seen as the heap bytes in use (glibc's
// mallinfo2): RSS would keep malloc's high-water mark.
TEST_F(Parked, AFloodOfIdleConnectionsParksWithinASweepOrTwo) {
    if (kSanitizedMemory) GTEST_SKIP() << "a sanitizer's allocator keeps its own accounting";
    constexpr int kClients = 800;
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_max != RLIM_INFINITY && files.rlim_max < 2 * kClients + 100)
        GTEST_SKIP() << "needs 1700 open files (clients and server in one process)";
    if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < 2 * kClients + 100) {
        files.rlim_cur = std::min<rlim_t>(files.rlim_max, 4096);
        setrlimit(RLIMIT_NOFILE, &files);
    }
    start();
    std::vector<std::unique_ptr<RawClient>> clients;
    clients.reserve(kClients);
    const std::size_t before = mallinfo2().uordblks;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(std::make_unique<RawClient>(port()));
        clients.back()->send(kPlaintext);
    }
    for (auto& client : clients) ASSERT_EQ(client->read_response().status, 200);
    std::this_thread::sleep_until(std::chrono::steady_clock::now() + 800ms);
    // Both ends' heap: a client (its socket and buffer) and a server connection, parked.
    const std::size_t each = (mallinfo2().uordblks - before) / kClients;
    // ~750 B here. Waiting with its coroutine, a server connection holds ~1.8 KB more
    // (2.5 KB in all): under the one-second rule alone, none would have parked yet
    // unless the flood itself took most of a second.
    EXPECT_LT(each, 1500u) << "idle connections kept their coroutines";
    // Parked, each still answers.
    for (auto& client : clients) {
        client->send(kPlaintext);
        ASSERT_EQ(client->read_response().body, "Hello, World!");
    }
}

TEST_F(Parked, StoppingClosesParkedConnectionsAtOnce) {
    start();
    RawClient client(port());
    ASSERT_NO_FATAL_FAILURE(answer_once(client));
    std::this_thread::sleep_for(kParked);
    auto stopping = std::chrono::steady_clock::now();
    server().stop();
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, 1s);
    EXPECT_TRUE(client.wait_closed());
}

}  // namespace
}  // namespace vial::testing
