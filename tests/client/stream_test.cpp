// Streamed responses: the head first, the body chunk by chunk with bounded memory, a slow
// reader holding the server back instead of buffering, timeouts and early closes.
#include <vial/http_client.hpp>

#include <sys/socket.h>

#include "support/process_memory.hpp"
#include "support/raw_client.hpp"
#include "upstream.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

// A body of `size` bytes, 'a'..'z' repeating, written in ~64 KiB pieces as fast as the
// client takes them; true if every byte went out.
bool send_body(int fd, std::size_t size) {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n";
    ScriptedUpstream::write_all(fd, head);
    // 26 × 2520 bytes and one more alphabet: any offset starts a whole piece in order.
    std::string piece(26 * 2521, '\0');
    for (std::size_t i = 0; i < piece.size(); ++i) piece[i] = static_cast<char>('a' + i % 26);
    for (std::size_t sent = 0; sent < size;) {
        std::size_t n = std::min<std::size_t>(26 * 2520, size - sent);
        ssize_t wrote = ::send(fd, piece.data() + sent % 26, n, MSG_NOSIGNAL);
        if (wrote <= 0) return false;
        sent += static_cast<std::size_t>(wrote);
    }
    return true;
}

struct Tally {
    std::size_t bytes = 0;
    std::size_t largest_chunk = 0;
    bool in_order = true;
};

Task<Tally> drain(ClientStream& stream, std::chrono::milliseconds pause = 0ms) {
    Tally tally;
    for (;;) {
        std::string chunk = co_await stream.read();
        if (chunk.empty()) co_return tally;
        for (std::size_t i = 0; i < chunk.size(); ++i) {
            if (chunk[i] != static_cast<char>('a' + (tally.bytes + i) % 26)) tally.in_order = false;
        }
        tally.bytes += chunk.size();
        tally.largest_chunk = std::max(tally.largest_chunk, chunk.size());
        if (pause > 0ms) co_await vial::sleep(pause);
    }
}

TEST(ClientStream, HundredMebibytesWithBoundedMemory) {
    constexpr std::size_t kSize = 100u << 20;
    ScriptedUpstream upstream([](int fd) {
        ScriptedUpstream::read_request(fd);
        send_body(fd, kSize);
    });
    HttpClient http;
    std::size_t before = resident_bytes();
    std::size_t peak = before;
    Tally tally = run_sync([&]() -> Task<Tally> {
        ClientStream download = co_await http.stream("GET", upstream.url("/big"));
        EXPECT_EQ(download.status(), 200);
        EXPECT_EQ(download.headers().get_or("Content-Length", ""), std::to_string(kSize));
        Tally counted;
        for (;;) {
            std::string chunk = co_await download.read();
            if (chunk.empty()) break;
            counted.bytes += chunk.size();
            if (counted.bytes % (8u << 20) < chunk.size()) peak = std::max(peak, resident_bytes());
        }
        co_return counted;
    }());
    EXPECT_EQ(tally.bytes, kSize);
    if (!kSanitizedMemory) {
        EXPECT_LT(peak - before, 24u << 20) << "a 100 MiB body was held in memory";
    }
}

// A reader slower than the server: curl stops reading at the buffer limit (the server
// then blocks on a full socket), the chunks stay bounded, and pauses the reader chose do
// not count against read_timeout.
TEST(ClientStream, ASlowReaderHoldsTheServerBack) {
    constexpr std::size_t kSize = 4u << 20;
    ScriptedUpstream upstream([](int fd) {
        ScriptedUpstream::read_request(fd);
        send_body(fd, kSize);
    });
    HttpClient http({.read_timeout = 100ms});
    Tally tally = run_sync([&]() -> Task<Tally> {
        ClientStream download = co_await http.stream("GET", upstream.url("/"));
        std::string first = co_await download.read();
        co_await vial::sleep(300ms);  // well past read_timeout, with the buffer full
        Tally rest = co_await drain(download, 5ms);
        rest.bytes += first.size();
        co_return rest;
    }());
    EXPECT_EQ(tally.bytes, kSize);
    EXPECT_LE(tally.largest_chunk, 256u * 1024 + 64 * 1024);
}

TEST(ClientStream, BodyArrivesInOrderAndReadAllCollectsIt) {
    ScriptedUpstream upstream([](int fd) {
        while (!ScriptedUpstream::read_request(fd).empty()) send_body(fd, 1u << 20);
    });
    HttpClient http;
    Tally tally = run_sync([&]() -> Task<Tally> {
        ClientStream download = co_await http.stream("GET", upstream.url("/"));
        co_return co_await drain(download);
    }());
    EXPECT_EQ(tally.bytes, 1u << 20);
    EXPECT_TRUE(tally.in_order);
    std::string all = run_sync([&]() -> Task<std::string> {
        ClientStream download = co_await http.stream("GET", upstream.url("/"));
        co_return co_await download.read_all();
    }());
    EXPECT_EQ(all.size(), 1u << 20);
    EXPECT_THROW(run_sync([&]() -> Task<std::string> {
                     ClientStream download = co_await http.stream("GET", upstream.url("/"));
                     co_return co_await download.read_all(1000);
                 }()),
                 Error);
}

TEST(ClientStream, HeadOfErrorsRedirectsAndEmptyBodies) {
    Upstream upstream;
    HttpClient http({.follow_redirects = true});
    run_sync([&]() -> Task<void> {
        ClientStream missing = co_await http.stream("GET", upstream.url("/status/404"));
        EXPECT_EQ(missing.status(), 404);
        EXPECT_EQ(co_await missing.read_all(), "status");
        ClientStream moved = co_await http.stream("GET", upstream.url("/redirect?to=/json"));
        EXPECT_EQ(moved.status(), 200);
        EXPECT_EQ(moved.head().url(), upstream.url("/json"));
        EXPECT_EQ((co_await moved.read_all()).substr(0, 8), "{\"hello\"");
        ClientStream head = co_await http.stream("HEAD", upstream.url("/json"));
        EXPECT_EQ(head.status(), 200);
        EXPECT_EQ(co_await head.read(), "");
    }());
}

TEST(ClientStream, StallAfterTheHeadIsAReadTimeout) {
    ScriptedUpstream upstream([](int fd) {
        ScriptedUpstream::read_request(fd);
        ScriptedUpstream::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome");
        ScriptedUpstream::read_request(fd);  // then nothing, until the client leaves
    });
    HttpClient http({.timeout = 300ms});  // a stream's read_timeout defaults to it
    auto started = std::chrono::steady_clock::now();
    std::string message = message_of<ReadTimeout>([&] {
        run_sync([&]() -> Task<void> {
            ClientStream download = co_await http.stream("GET", upstream.url("/"));
            EXPECT_EQ(co_await download.read(), "some");
            co_await download.read();
        }());
    });
    EXPECT_NE(message.find("read_timeout 300 ms"), std::string::npos) << message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(ClientStream, NoHeadWithinTimeoutIsAReadTimeout) {
    SilentListener silent(true);
    HttpClient http({.timeout = 200ms});
    std::string url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/";
    std::string message = message_of<ReadTimeout>([&] { run_sync(http.stream("GET", url)); });
    EXPECT_NE(message.find("no answer within timeout 200 ms"), std::string::npos) << message;
}

// Closing the stream early, or cancelling a read, ends the transfer: the server sees
// the connection go.
TEST(ClientStream, ClosingOrCancellingEndsTheTransfer) {
    std::atomic<int> cut{0};
    ScriptedUpstream upstream([&cut](int fd) {
        ScriptedUpstream::read_request(fd);
        if (!send_body(fd, 512u << 20)) ++cut;
    });
    HttpClient http;
    run_sync([&]() -> Task<void> {
        ClientStream download = co_await http.stream("GET", upstream.url("/"));
        co_await download.read();
    }());
    EXPECT_TRUE(eventually([&] { return cut == 1; }, 3s));

    EXPECT_THROW(run_sync([&]() -> Task<void> {
                     ClientStream download = co_await http.stream("GET", upstream.url("/"));
                     co_await download.read();
                     co_await vial::sleep(100ms);  // the buffer fills, curl pauses
                     co_await vial::timeout(50ms, [&]() -> Task<void> {
                         for (;;) co_await download.read();  // reads until cancelled
                     }());
                 }()),
                 TimeoutError);
    EXPECT_TRUE(eventually([&] { return cut == 2; }, 3s));
}

}  // namespace
}  // namespace vial::testing
