// Ceilings under hostile clients (hardening issue, findings 1, 2 and 9), over real
// sockets: the connection cap, the buffered-bytes budget, the write deadline that
// measures progress, the body idle timeout, and accept at the open-files limit.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "server_fixture.hpp"
#include "support/process_memory.hpp"
#include "support/stderr_capture.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<App> big_app() {
    auto app = std::make_unique<App>("limits");
    // A fresh body of ?mb= MiB per request, as a list endpoint over a large store.
    app->get("/big", [](Request& req) {
        return std::string(req.args().get<std::size_t>("mb", 1) << 20, 'x');
    });
    app->get("/plaintext", [](Request&) { return std::string("ok"); });
    app->get("/slow", [](Request&) -> Task<std::string> {
        co_await vial::sleep(2s);
        co_return "slow";
    });
    app->post("/upload", [](Request& req) { return std::to_string(req.body().size()); });
    return app;
}

struct Served {
    std::unique_ptr<App> app = big_app();
    std::unique_ptr<Server> server;
    explicit Served(ConnectionLimits limits) {
        server = std::make_unique<Server>(
            *app, ServerOptions{.port = 0, .threads = 1, .quiet = true, .limits = limits});
        server->start();
    }
    std::uint16_t port() const { return server->port(); }
};

const std::string kGetBig = "GET /big?mb=16 HTTP/1.1\r\nHost: t\r\n\r\n";

std::string upload_head(std::size_t length) {
    return "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(length) +
           "\r\n\r\n";
}

// A 1 MiB budget with 1 MiB bodies: two 700 KiB uploads cannot both be held.
ConnectionLimits one_mib_budget() {
    ConnectionLimits limits;
    limits.max_buffered_bytes = 1u << 20;
    limits.max_body_bytes = 1u << 20;
    return limits;
}

// Finding 1: clients that ask for a large response and never read it. Without a budget
// each holds its 16 MiB (20 of them: 320 MiB); with a 32 MiB budget the server refuses
// new requests past it, closes the oldest stalled writers, and keeps serving.
TEST(MemoryLimits, SlowReadersCannotGrowMemoryPastTheBudget) {
    ConnectionLimits limits;
    limits.max_buffered_bytes = 32u << 20;
    Served served(limits);
    std::size_t before = resident_bytes();
    std::vector<std::unique_ptr<RawClient>> readers;
    std::size_t peak = 0;
    for (int i = 0; i < 20; ++i) {
        readers.push_back(std::make_unique<RawClient>(served.port(), 5s, 4096));
        readers.back()->send(kGetBig);
        std::this_thread::sleep_for(20ms);
        peak = std::max(peak, resident_bytes());
    }
    std::this_thread::sleep_for(300ms);
    peak = std::max(peak, resident_bytes());
    if (!kSanitizedMemory) {
        EXPECT_LT(peak - std::min(peak, before), 100u << 20)
            << "resident memory grew by " << ((peak - before) >> 20) << " MiB";
    }
    // New requests are answered again once the stalled writers are gone. Under a
    // sanitizer each 16 MiB answer takes the loop 0.5-1.3 s to build, so it catches up later.
    EXPECT_TRUE(eventually(
        [&] {
            auto r = roundtrip(served.port(), "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
            return r.status == 200;
        },
        kSanitizedMemory ? 30s : 3s));
}

TEST(MemoryLimits, PastTheBudgetNewRequestsGetA503) {
    ConnectionLimits limits;
    limits.max_buffered_bytes = 8u << 20;
    limits.write_timeout = 5s;  // the stalled reader stays while the next client asks
    Served served(limits);
    RawClient stalled(served.port(), 5s, 4096);
    stalled.send(kGetBig);
    std::this_thread::sleep_for(100ms);
    auto r = roundtrip(served.port(), "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.header("Retry-After"), "1");
    EXPECT_NE(r.body.find("too much"), std::string::npos) << r.body;
}

// Past the budget only stalled writers go: a download that keeps moving is never reset,
// even while request bodies hold the budget and every sweep looks for writers to close.
TEST(MemoryLimits, OverBudgetASteadyDownloadIsNotReset) {
    ConnectionLimits limits;
    limits.max_buffered_bytes = 4u << 20;
    limits.max_body_bytes = 4u << 20;
    limits.body_timeout = 10s;
    Served served(limits);
    RawClient upload(served.port());
    upload.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(3u << 20) +
                "\r\n\r\nabc");  // reserves 3 MiB, stalls
    std::this_thread::sleep_for(50ms);
    RawClient steady(served.port(), 5s, 16384);
    steady.send("GET /big?mb=8 HTTP/1.1\r\nHost: t\r\n\r\n");
    const std::size_t whole = (8u << 20) + 64;
    std::size_t received = 0;
    while (received < whole) {
        std::size_t n = steady.read_some(16 * 1024);
        if (n == 0) break;
        received += n;
        std::this_thread::sleep_for(2ms);
    }
    EXPECT_GE(received, whole) << "the moving download was reset";
}

// A reader that keeps pace is never cut, however long the response takes; one that stops
// is dropped after write_timeout.
TEST(MemoryLimits, WriteDeadlineMeasuresProgress) {
    ConnectionLimits limits;
    // Long enough for the kernel's writability hysteresis (a socket turns writable again
    // only once half its queued bytes left) at the steady reader's pace.
    limits.write_timeout = 1s;
    limits.min_send_rate = 64 * 1024;
    Served served(limits);
    RawClient steady(served.port(), 5s, 16384);
    steady.send("GET /big?mb=8 HTTP/1.1\r\nHost: t\r\n\r\n");
    std::size_t received = 0;
    auto started = std::chrono::steady_clock::now();
    const std::size_t whole = (8u << 20) + 64;  // body and (more than 64 bytes of) head
    while (received < whole) {
        std::size_t n = steady.read_some(16 * 1024);
        if (n == 0) break;
        received += n;
        std::this_thread::sleep_for(4ms);  // ~4 MB/s at most: far slower than loopback
    }
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(received, whole) << "the steady reader was cut";
    EXPECT_GT(took, limits.write_timeout) << "the test did not outlast one write_timeout";

    RawClient stops(served.port(), 5s, 16384);
    stops.send("GET /big?mb=8 HTTP/1.1\r\nHost: t\r\n\r\n");
    std::size_t taken = 0;
    while (taken < (256u << 10)) taken += stops.read_some(32 * 1024);
    std::this_thread::sleep_for(2500ms);  // stops reading for over two write_timeouts
    std::size_t rest = 0;
    for (std::size_t n; (n = stops.read_some(1 << 20)) > 0;) rest += n;
    EXPECT_LT(taken + rest, 8u << 20) << "the stalled reader got the whole response";
}

// A reader that takes a little now and then, just often enough to dodge write_timeout,
// is cut by the minimum rate.
TEST(MemoryLimits, TricklingReaderIsCutByTheMinimumRate) {
    ConnectionLimits limits;
    limits.write_timeout = 300ms;
    // Above what the kernel's buffers absorb at once, so the average shows the trickle.
    limits.min_send_rate = 8u << 20;
    Served served(limits);
    RawClient trickle(served.port(), 2s, 4096);
    trickle.send("GET /big?mb=16 HTTP/1.1\r\nHost: t\r\n\r\n");
    std::size_t received = 0;
    auto until = std::chrono::steady_clock::now() + 3s;
    bool closed = false;
    while (std::chrono::steady_clock::now() < until) {
        std::size_t n = trickle.read_some(4096);
        if (n == 0) {
            closed = true;
            break;
        }
        received += n;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(closed) << "still connected after " << received << " bytes";
}

// Finding 1(a): the connection cap closes the idlest keep-alive connection first.
TEST(MemoryLimits, ConnectionCapShedsTheIdlestKeepAliveConnection) {
    ConnectionLimits limits;
    limits.max_connections = 3;
    Served served(limits);
    std::vector<std::unique_ptr<RawClient>> idle;
    for (int i = 0; i < 3; ++i) {
        idle.push_back(std::make_unique<RawClient>(served.port()));
        idle.back()->send("GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
        ASSERT_EQ(idle.back()->read_response().status, 200);
        std::this_thread::sleep_for(30ms);  // ordered idle times
    }
    RawClient next(served.port());
    next.send("GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(next.read_response().status, 200);
    EXPECT_TRUE(idle[0]->wait_closed()) << "the idlest connection was kept";
    idle[2]->send("GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(idle[2]->read_response().status, 200);
}

TEST(MemoryLimits, ConnectionCapWithNoneIdleAnswers503) {
    ConnectionLimits limits;
    limits.max_connections = 2;
    Served served(limits);
    RawClient a(served.port()), b(served.port());
    a.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    b.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    std::this_thread::sleep_for(100ms);
    auto r = roundtrip(served.port(), "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(r.body.find("too many open connections"), std::string::npos) << r.body;
    EXPECT_EQ(a.read_response().body, "slow");
}

// Finding 2: request bodies count towards the budget, and a stalled body is dropped
// after the body idle timeout.
TEST(MemoryLimits, BufferedBodiesCountTowardsTheBudget) {
    Served served(one_mib_budget());
    const std::string head = upload_head(700 * 1024);
    RawClient first(served.port());
    first.send(head + std::string(600 * 1024, 'a'));  // and stalls
    std::this_thread::sleep_for(100ms);
    RawClient second(served.port());
    second.send(head);
    auto refused = second.read_response();
    EXPECT_EQ(refused.status, 503) << "the declared body does not fit the budget's rest";
    first.send(std::string(100 * 1024, 'a'));
    EXPECT_EQ(first.read_response().body, std::to_string(700 * 1024));
    // The budget is released with the request: the same upload fits again.
    RawClient third(served.port());
    third.send(head + std::string(700 * 1024, 'b'));
    EXPECT_EQ(third.read_response().body, std::to_string(700 * 1024));
}

// A declared body is charged as reserved, not as it trickles in: a byte of a 700 KiB
// upload already holds 700 KiB.
TEST(MemoryLimits, DeclaredBodiesAreChargedUpFront) {
    Served served(one_mib_budget());
    const std::string head = upload_head(700 * 1024);
    RawClient first(served.port());
    first.send(head + "a");
    std::this_thread::sleep_for(100ms);
    RawClient second(served.port());
    second.send(head + "b");
    EXPECT_EQ(second.read_response().status, 503);
}

TEST(MemoryLimits, StalledBodyIsDroppedAfterTheBodyIdleTimeout) {
    ConnectionLimits limits;
    limits.body_timeout = 300ms;
    Served served(limits);
    RawClient client(served.port());
    client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" +
                std::string(500, 'a'));
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(client.read_response().status, 408);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

// Finding 9: at the open-files limit the server sheds its idlest keep-alive connection
// to accept a new one, and logs the failures at most once a second, with a count.
TEST(MemoryLimits, AcceptRecoversAtTheOpenFilesLimit) {
    if (kAddressSanitizer) GTEST_SKIP() << "the sanitizer runtime itself fails at EMFILE";
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_t pid = fork();
    if (pid == 0) {
        rlimit files{48, 48};
        setrlimit(RLIMIT_NOFILE, &files);
        dup2(out[1], 2);
        close(out[0]);
        setenv("VIAL_MAX_CONNECTIONS", "10000", 1);  // the cap must not act first
        execl(VIAL_SHOWCASE_PATH, VIAL_SHOWCASE_PATH, "run", "--port", "0", "--threads", "1",
              "--quiet", nullptr);
        _exit(127);
    }
    close(out[1]);
    std::string log;
    char chunk[4096];
    const std::string marker = "http://127.0.0.1:";
    while (log.find(" with ") == std::string::npos) {
        ssize_t n = read(out[0], chunk, sizeof chunk);
        ASSERT_GT(n, 0) << log;
        log.append(chunk, static_cast<std::size_t>(n));
    }
    auto port = static_cast<std::uint16_t>(std::stoi(log.substr(log.find(marker) + marker.size())));
    std::vector<std::unique_ptr<RawClient>> clients;
    int served_ok = 0;
    for (int i = 0; i < 80; ++i) {
        clients.push_back(std::make_unique<RawClient>(port, 5s));
        clients.back()->send("GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
        served_ok += clients.back()->read_response().status == 200;
    }
    EXPECT_EQ(served_ok, 80) << "a client was left hanging in the backlog";
    EXPECT_TRUE(clients.front()->wait_closed()) << "the idlest connection was not shed";
    kill(pid, SIGTERM);
    for (ssize_t n; (n = read(out[0], chunk, sizeof chunk)) > 0;)
        log.append(chunk, static_cast<std::size_t>(n));
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    std::size_t lines = occurrences(log, "accept failed");
    EXPECT_GE(lines, 1u) << log;
    EXPECT_LE(lines, 4u) << "accept failures are not rate-limited:\n" << log;
    EXPECT_NE(log.find("closed the idlest keep-alive connection"), std::string::npos) << log;
}

}  // namespace
}  // namespace vial::testing
