// Streamed request bodies over real sockets: uploads read as they arrive, limits, and
// Expect: 100-continue answered only when the view reads.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "server_fixture.hpp"
#include "support/command_output.hpp"
#include "support/process_memory.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

struct UploadProbe {
    std::atomic<int> views{0};
};

Task<std::string> guarded_upload(std::shared_ptr<UploadProbe> probe, Request& req) {
    ++probe->views;
    if (req.headers().get_or("Authorization", "") != "Bearer ok") abort(401, "no token");
    std::size_t total = 0;
    for (;;) {
        std::string piece = co_await req.body_stream().read();
        if (piece.empty()) break;
        total += piece.size();
    }
    co_return std::to_string(total);
}

class UploadServer : public ServerTest {
  protected:
    std::shared_ptr<UploadProbe> probe = std::make_shared<UploadProbe>();
    void start_uploads() {
        auto p = probe;
        start({}, 1, [p](App& app) {
            app.post("/guarded", [p](Request& req) { return guarded_upload(p, req); },
                     {.stream_body = true, .max_body_bytes = 1000});
        });
    }
};

TEST_F(UploadServer, AHundredMebibyteUploadIsCountedInBoundedMemory) {
    start_uploads();
    std::size_t before = resident_bytes();
    RawClient client(port(), 30s);
    constexpr std::size_t kTotal = 100u << 20;
    client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kTotal) +
                "\r\n\r\n");
    std::string block(1 << 20, 'u');
    for (std::size_t sent = 0; sent < kTotal; sent += block.size()) client.send(block);
    RawResponse r = client.read_response();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("\"bytes\":104857600"), std::string::npos) << r.body;
    if (!kSanitizedMemory) {
        // The body passed through 16 KiB reads; a buffered one would have held 100 MiB.
        EXPECT_LT(resident_bytes() - std::min(before, resident_bytes()), 24u << 20);
    }
    // The connection is reusable: the whole body was read.
    client.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(client.read_response().body, "Hello, World!");
}

TEST_F(UploadServer, ContinueIsSentOnlyWhenTheViewReads) {
    start_uploads();
    RawClient client(port());
    client.send(
        "POST /guarded HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ok\r\n"
        "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_EQ(client.read_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
    client.send("hello");
    RawResponse r = client.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "5");
}

TEST_F(UploadServer, AViewThatRefusesFirstNeverInvitesTheBody) {
    start_uploads();
    RawClient client(port());
    client.send(
        "POST /guarded HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        "Expect: 100-continue\r\n\r\n");
    RawResponse r = client.read_response();
    EXPECT_EQ(r.status, 401);           // no 100 Continue before it: the body was never asked for
    EXPECT_TRUE(client.wait_closed());  // its unread body cannot precede another request
}

TEST_F(UploadServer, TheRouteLimitIsEnforcedBeforeAndWhileStreaming) {
    start_uploads();
    RawResponse declared = roundtrip(port(),
                                     "POST /guarded HTTP/1.1\r\nHost: x\r\nAuthorization: "
                                     "Bearer ok\r\nContent-Length: 1001\r\n\r\n");
    EXPECT_EQ(declared.status, 413);
    EXPECT_EQ(probe->views.load(), 0);  // refused from the head, before the view ran
    RawClient client(port());
    client.send(
        "POST /guarded HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ok\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    ASSERT_TRUE(eventually([&] { return probe->views.load() == 1; }, 2s));  // reading now
    std::string chunk = "200\r\n" + std::string(512, 'c') + "\r\n";
    client.send(chunk);
    client.send(chunk);
    RawResponse r = client.read_response();
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(probe->views.load(), 1);
}

TEST_F(UploadServer, AStreamedUploadByCurl) {
    start_uploads();
    std::string command =
        "head -c 3000000 /dev/zero | curl -s -X POST --data-binary @- -H 'Transfer-Encoding: "
        "chunked' http://127.0.0.1:" +
        std::to_string(port()) + "/upload";
    std::string output = command_output(command);
    EXPECT_NE(output.find("\"bytes\":3000000"), std::string::npos) << output;
}

}  // namespace
}  // namespace vial::testing

namespace vial::testing {
namespace {

Task<void> echo_body(Request& req, ResponseStream& out) {
    for (;;) {
        std::string piece = co_await req.body_stream().read();
        if (piece.empty()) break;
        co_await out.write(piece);
    }
}

class UploadEdges : public ServerTest {
  protected:
    void start_edges() {
        start({}, 1, [](App& app) {
            app.post("/mirror",
                     [](Request& req) {
                         return stream([&req](ResponseStream& out) { return echo_body(req, out); });
                     },
                     {.stream_body = true});
            app.post("/refuse", [](Request&) { return Response("no", 401); },
                     {.stream_body = true, .max_body_bytes = 64u << 20});
        });
    }
};

// The producer reads the body after the head left: no 100 Continue may come between.
TEST_F(UploadEdges, AStreamedResponseReadingTheBodySendsNoContinueInsideIt) {
    start_edges();
    RawClient client(port());
    client.send(
        "POST /mirror HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        "Expect: 100-continue\r\n\r\n");
    std::string head = client.read_until("\r\n\r\n");
    EXPECT_NE(head.find("HTTP/1.1 200 OK"), std::string::npos) << head;
    client.send("hello");  // as curl does when no 100 came
    EXPECT_EQ(client.read_until("0\r\n\r\n"), "5\r\nhello\r\n0\r\n\r\n");
}

// Refused while the client is still sending: the answer arrives (the server drains
// before closing, instead of resetting the connection under it).
TEST_F(UploadEdges, ARefusalDuringAnUploadStillArrives) {
    start_edges();
    RawClient client(port());
    client.send("POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 8000000\r\n\r\n");
    client.send(std::string(300000, 'x'));
    RawResponse r = client.read_response();
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.header("Connection"), "close");
}

TEST_F(UploadEdges, AResponsePipelinedBeforeAnUpgradeLeavesFirst) {
    start_edges();
    RawClient client(port());
    client.send(
        "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /ws/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    EXPECT_EQ(client.read_response().body, "Hello, World!");
    std::string upgrade = client.read_until("\r\n\r\n");
    EXPECT_NE(upgrade.find("101 Switching Protocols"), std::string::npos) << upgrade;
}

}  // namespace
}  // namespace vial::testing
