// Streamed responses and Server-Sent Events over real sockets.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <memory>

#include "server_fixture.hpp"
#include "support/command_output.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

struct Probe {
    std::atomic<bool> cancelled{false};
    std::atomic<std::size_t> written{0};
};

Task<void> endless(std::shared_ptr<Probe> probe, std::size_t chunk, ResponseStream& out) {
    std::string block(chunk, 'x');
    try {
        for (;;) {
            co_await out.write(block);
            probe->written = out.bytes_written();
            co_await sleep(1ms);
        }
    } catch (const Cancelled&) {
        probe->cancelled = true;
        throw;
    }
}

Task<void> after_a_pause(ResponseStream& out) {
    co_await sleep(100ms);
    co_await out.write("late");
}

Task<void> fails_midway(ResponseStream& out) {
    co_await out.write("partial");
    throw std::runtime_error("the producer broke");
}

class StreamingServer : public ServerTest {
  protected:
    std::shared_ptr<Probe> probe = std::make_shared<Probe>();
    void start_streaming(ConnectionLimits limits = {}) {
        auto p = probe;
        start(limits, 1, [p](App& app) {
            app.get("/endless", [p](Request& req) {
                std::size_t chunk = req.args().get<std::size_t>("chunk", 16);
                return stream([p, chunk](ResponseStream& out) { return endless(p, chunk, out); });
            });
            app.get("/paused", [](Request&) { return stream(after_a_pause); });
            app.get("/broken", [](Request&) { return stream(fails_midway); });
            app.get("/sized", [](Request&) {
                return stream(after_a_pause, {.content_type = "text/plain", .content_length = 4});
            });
        });
    }
};

TEST_F(StreamingServer, AChunkedBodyArrivesAndTheConnectionIsReused) {
    start_streaming();
    RawClient client(port());
    client.send("GET /stream?n=3 HTTP/1.1\r\nHost: x\r\n\r\n");
    RawResponse first = client.read_response();
    EXPECT_EQ(first.status, 200);
    EXPECT_EQ(first.header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(first.header("Content-Length"), "");
    EXPECT_TRUE(first.complete);
    EXPECT_EQ(first.body, "chunk 1 of 3\nchunk 2 of 3\nchunk 3 of 3\n");
    client.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(client.read_response().body, "Hello, World!");
}

TEST_F(StreamingServer, TheHeadLeavesBeforeTheFirstChunk) {
    start_streaming();
    RawClient client(port());
    client.send("GET /paused HTTP/1.1\r\nHost: x\r\n\r\n");
    auto started = std::chrono::steady_clock::now();
    std::string head = client.read_until("\r\n\r\n");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 90ms);  // not held for the body
    EXPECT_NE(head.find("200 OK"), std::string::npos);
    EXPECT_EQ(client.read_until("0\r\n\r\n"), "4\r\nlate\r\n0\r\n\r\n");
}

TEST_F(StreamingServer, ADeclaredLengthIsSentInsteadOfChunks) {
    start_streaming();
    RawResponse r = roundtrip(port(), "GET /sized HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(r.header("Content-Length"), "4");
    EXPECT_EQ(r.header("Transfer-Encoding"), "");
    EXPECT_EQ(r.body, "late");
}

TEST_F(StreamingServer, AnHttp10ClientGetsTheBodyEndedByClose) {
    start_streaming();
    RawClient client(port());
    client.send("GET /stream?n=2 HTTP/1.0\r\n\r\n");
    RawResponse r = client.read_response();
    EXPECT_EQ(r.header("Transfer-Encoding"), "");
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_EQ(r.body, "chunk 1 of 2\nchunk 2 of 2\n");
}

TEST_F(StreamingServer, HeadGetsFramingHeadersAndNoBody) {
    start_streaming();
    RawClient client(port());
    client.send("HEAD /stream?n=2 HTTP/1.1\r\nHost: x\r\n\r\n");
    RawResponse r = client.read_response(true);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
    client.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(client.read_response().body, "Hello, World!");  // nothing was left unread
}

TEST_F(StreamingServer, AClientThatLeavesCancelsTheProducer) {
    start_streaming();
    {
        RawClient client(port());
        client.send("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_FALSE(client.read_until("xxxx").empty());
    }
    EXPECT_TRUE(eventually([&] { return probe->cancelled.load(); }, 3s));
}

TEST_F(StreamingServer, AProducerWaitsForASlowReader) {
    start_streaming();
    RawClient client(port(), 5s, 4096);
    client.send("GET /endless?chunk=65536 HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(500ms);
    // Unread, the socket buffers fill and writes stop completing: the producer has made
    // only what the kernel's buffers hold, not 500 ms worth of 64 KiB chunks.
    std::size_t stalled = probe->written.load();
    EXPECT_LT(stalled, 8u << 20);
    std::this_thread::sleep_for(200ms);
    EXPECT_LE(probe->written.load(), stalled + 65536);
}

TEST_F(StreamingServer, AFailingProducerCutsTheBodyShort) {
    start_streaming();
    RawClient client(port());
    client.send("GET /broken HTTP/1.1\r\nHost: x\r\n\r\n");
    RawResponse r = client.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "partial");
    EXPECT_FALSE(r.complete);  // no last chunk: the client knows the body is incomplete
    EXPECT_TRUE(client.wait_closed());
}

TEST_F(StreamingServer, EventsAreReadByARawClient) {
    start_streaming();
    RawClient client(port());
    client.send("GET /events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 41\r\n\r\n");
    std::string head = client.read_until("\r\n\r\n");
    EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
    std::string first = client.read_until("\n\n");
    EXPECT_NE(first.find("event: tick\nid: 42\ndata: 20"), std::string::npos) << first;
    std::string second = client.read_until("\n\n");
    EXPECT_NE(second.find("id: 43\n"), std::string::npos) << second;
}

TEST_F(StreamingServer, EventsAreReadByCurl) {
    start_streaming();
    std::string command = "curl -sN --max-time 2.5 http://127.0.0.1:" + std::to_string(port()) +
                          "/events 2>/dev/null";
    std::string output = command_output(command);
    // About one event a second, each as it is sent (curl -N does not buffer).
    EXPECT_NE(output.find("id: 0\n"), std::string::npos) << output;
    EXPECT_NE(output.find("id: 1\n"), std::string::npos) << output;
    EXPECT_NE(output.find("id: 2\n"), std::string::npos) << output;
}

}  // namespace
}  // namespace vial::testing
