// Streamed request bodies over real sockets: uploads read as they arrive, limits, and
// Expect: 100-continue answered only when the view reads.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "server_fixture.hpp"
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
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buffer[512];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    ::pclose(pipe);
    EXPECT_NE(output.find("\"bytes\":3000000"), std::string::npos) << output;
}

}  // namespace
}  // namespace vial::testing
