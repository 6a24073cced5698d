// The limits that protect the server, and request smuggling, over real sockets.
#include "server_fixture.hpp"

namespace vial::testing {
namespace {

class Limits : public ServerTest {
  protected:
    void SetUp() override {
        ConnectionLimits limits;
        limits.max_body_bytes = 1024;
        limits.max_header_bytes = 4096;
        limits.max_request_line = 512;
        limits.header_timeout = std::chrono::milliseconds(200);
        limits.body_timeout = std::chrono::milliseconds(200);
        limits.keep_alive_timeout = std::chrono::milliseconds(300);
        start(limits);
    }
};

std::string post_echo(std::size_t length) {
    return "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(length) + "\r\n\r\n";
}

TEST_F(Limits, BodyOverLimitIs413WithoutReadingIt) {
    RawClient client(port());
    client.send(post_echo(5000));
    auto r = client.read_response();
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.header("Connection"), "close");
}

TEST_F(Limits, ChunkedBodyOverLimitIs413) {
    RawClient client(port());
    std::string chunk(800, 'x');
    client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" +
                chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
    EXPECT_EQ(client.read_response().status, 413);
}

TEST_F(Limits, BodyAtLimitIsAccepted) {
    std::string body = "\"" + std::string(1022, 'a') + "\"";
    auto r = roundtrip(port(), post_echo(body.size()) + body);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, body);
}

TEST_F(Limits, HugeHeadersAre431) {
    std::string big = "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(5000, 'a') + "\r\n\r\n";
    EXPECT_EQ(roundtrip(port(), big).status, 431);
}

TEST_F(Limits, LongRequestLineIs414) {
    std::string uri = "/" + std::string(600, 'a');
    EXPECT_EQ(roundtrip(port(), "GET " + uri + " HTTP/1.1\r\nHost: t\r\n\r\n").status, 414);
    // Even while the line is still arriving.
    RawClient client(port());
    client.send("GET /" + std::string(1000, 'b'));
    EXPECT_EQ(client.read_response().status, 414);
}

TEST_F(Limits, SlowHeadersAre408) {
    RawClient client(port());
    client.send("GET /plaintext HTTP/1.1\r\nHost: t\r\n");
    auto r = client.read_response();
    EXPECT_EQ(r.status, 408);
    EXPECT_TRUE(client.wait_closed());
}

TEST_F(Limits, TrickledHeadersStill408FromTheFirstByte) {
    RawClient client(port());
    for (int i = 0; i < 6; ++i) {
        client.send("X");  // keeps the connection busy but never finishes the request line
        std::this_thread::sleep_for(std::chrono::milliseconds(60));
    }
    EXPECT_EQ(client.read_response().status, 408);
}

TEST_F(Limits, SlowBodyIs408) {
    RawClient client(port());
    client.send(post_echo(10) + "{");
    EXPECT_EQ(client.read_response().status, 408);
}

TEST_F(Limits, IdleKeepAliveConnectionIsClosedQuietly) {
    RawClient client(port());
    client.send("GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(client.read_response().status, 200);
    EXPECT_TRUE(client.wait_closed());
}

TEST_F(Limits, ContentLengthPlusTransferEncodingIsRejected) {
    RawClient client(port());
    client.send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 4\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    auto r = client.read_response();
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_TRUE(client.wait_closed());  // the smuggled request is never answered
}

TEST_F(Limits, MalformedRequestsAre400) {
    const char* cases[] = {
        "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET / HTTP/9.9\r\nHost: t\r\n\r\n",
        "G\x01T / HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /a%zz HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET nope HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    };
    for (const char* request : cases) {
        EXPECT_EQ(roundtrip(port(), request).status, 400) << request;
    }
}

// RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, and to any
// request with more than one Host or an invalid one.
TEST_F(Limits, HostHeaderRules) {
    struct Case {
        const char* request;
        int status;
        const char* reason;
    };
    const Case cases[] = {
        {"GET /plaintext HTTP/1.1\r\n\r\n", 400, "needs a Host header"},
        {"GET /plaintext HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host"},
        {"GET /plaintext HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400, "more than one Host"},
        {"GET /plaintext HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "invalid Host"},
        {"GET /plaintext HTTP/1.1\r\nHost: user@example.com\r\n\r\n", 400, "invalid Host"},
        {"GET /plaintext HTTP/1.1\r\nHost: example.com/x\r\n\r\n", 400, "invalid Host"},
        {"GET /plaintext HTTP/1.0\r\n\r\n", 200, ""},           // optional in HTTP/1.0
        {"GET /plaintext HTTP/1.1\r\nHost:\r\n\r\n", 200, ""},  // empty is allowed
        {"GET /plaintext HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", 200, ""},
        {"GET /plaintext HTTP/1.1\r\nHost: xn--bcher-kva.example:80\r\n\r\n", 200, ""},
    };
    for (const Case& c : cases) {
        auto r = roundtrip(port(), c.request);
        EXPECT_EQ(r.status, c.status) << c.request;
        EXPECT_NE(r.body.find(c.reason), std::string::npos) << c.request << r.body;
    }
}

TEST_F(Limits, UnsupportedTransferCodingsAre501) {
    auto r = roundtrip(port(),
                       "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                       "0\r\n\r\n");
    EXPECT_EQ(r.status, 501);
    EXPECT_NE(r.body.find("only the chunked transfer coding"), std::string::npos) << r.body;
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_EQ(roundtrip(port(),
                        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, chunked\r\n"
                        "\r\n0\r\n\r\n")
                  .status,
              400);
}

TEST_F(Limits, MalformedRequestsSayWhatWasWrong) {
    auto r = roundtrip(port(), "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("Malformed request: bad Content-Length"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace vial::testing
