// Parser strictness findings of the hardening review (issue 13), over real sockets:
// each test fails without its fix.
#include "server_fixture.hpp"

namespace vial::testing {
namespace {

class Strictness : public ServerTest {
  protected:
    void SetUp() override { start(); }
};

std::string get(std::string_view target, std::string_view extra_headers = "") {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra_headers) +
           "\r\n";
}

// Finding 4: the request-line limit (8 KiB) applied to a long header that arrived in the
// same read as the request line.
TEST_F(Strictness, LongHeaderInTheFirstReadIsServed) {
    std::string header = "X-Long: " + std::string(17 * 1024, 'a') + "\r\n";
    auto r = roundtrip(port(), get("/plaintext", header));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "Hello, World!");
}

TEST_F(Strictness, HeadersPastTheirLimitAre431Not414) {
    std::string header = "X-Long: " + std::string(70 * 1024, 'a') + "\r\n";
    EXPECT_EQ(roundtrip(port(), get("/plaintext", header)).status, 431);
}

TEST_F(Strictness, RequestLineOfExactlyTheLimitIsAccepted) {
    // "GET /aaa... HTTP/1.1" of 8192 bytes, its headers in a later write.
    std::string line = "GET /" + std::string(8192 - 14, 'a') + " HTTP/1.1";
    ASSERT_EQ(line.size(), 8192u);
    RawClient client(port());
    client.send(line + "\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    client.send("Host: t\r\n\r\n");
    EXPECT_EQ(client.read_response().status, 404);
}

TEST_F(Strictness, LongRequestLineIsStill414) {
    EXPECT_EQ(roundtrip(port(), get("/" + std::string(9000, 'a'))).status, 414);
}

// Finding 7: obsolete line folding.
TEST_F(Strictness, ObsoleteLineFoldingIs400) {
    auto r = roundtrip(port(), get("/plaintext", "X-Folded: first\r\n  second\r\n"));
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("folding"), std::string::npos) << r.body;
    EXPECT_EQ(roundtrip(port(), get("/plaintext", "X-Folded: first\r\n\tsecond\r\n")).status, 400);
}

TEST_F(Strictness, LeadingEmptyLinesBeforeARequestAreIgnored) {
    auto r = roundtrip(port(), "\r\n\r\n" + get("/plaintext"));
    EXPECT_EQ(r.status, 200);
    // A stray CRLF after a body, before the next pipelined request.
    RawClient client(port());
    std::string body = "{\"a\":1}";
    client.send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body + "\r\n" + get("/plaintext"));
    auto first = client.read_response();
    EXPECT_EQ(first.status, 200);
    EXPECT_EQ(first.body, body);
    auto second = client.read_response();
    EXPECT_EQ(second.status, 200);
    EXPECT_EQ(second.body, "Hello, World!");
}

// Finding 8: raw non-ASCII bytes in the target are not quietly decoded.
TEST_F(Strictness, RawNonAsciiTargetIs400) {
    EXPECT_EQ(roundtrip(port(), get("/hello/\xce\xb4")).status, 400);
    auto encoded = roundtrip(port(), get("/hello/%CE%B4"));
    EXPECT_EQ(encoded.status, 200);
    EXPECT_EQ(encoded.body, "Hello, \xce\xb4!");
}

// Finding 8: an unclosed quoted string in a chunk extension fails at once.
TEST_F(Strictness, UnclosedQuotedChunkExtensionIs400AtOnce) {
    RawClient client(port(), std::chrono::seconds(2));
    client.send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n5;a=\"def; ghi\r\nhello\r\n");
    auto r = client.read_response();
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(client.wait_closed());
}

TEST_F(Strictness, QuotedChunkExtensionsStillWork) {
    std::string body = "[1,2]";
    auto r = roundtrip(port(),
                       "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n5;name=\"a \\\"quoted\\\" value\"\r\n" +
                           body + "\r\n0\r\n\r\n");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, body);
}

// Finding 6: an encoded slash stays inside its segment.
TEST_F(Strictness, EncodedSlashDoesNotSplitAPath) {
    EXPECT_EQ(roundtrip(port(), get("/api/items")).status, 200);
    EXPECT_EQ(roundtrip(port(), get("/api%2Fitems")).status, 404);
    EXPECT_EQ(roundtrip(port(), get("/api%2fitems")).status, 404);
    // Nor does it make a one-segment value: <name> never holds a '/'.
    EXPECT_EQ(roundtrip(port(), get("/hello/a%2Fb")).status, 404);
    EXPECT_EQ(roundtrip(port(), get("/hello/..%2F..%2Fetc%2Fpasswd")).status, 404);
    auto percent = roundtrip(port(), get("/hello/100%25"));
    EXPECT_EQ(percent.status, 200);
    EXPECT_EQ(percent.body, "Hello, 100%!");
}

// Finding 5: numbers past double's range.
TEST_F(Strictness, JsonNumberOutOfRangeIs400) {
    std::string body = "{\"n\":1e400}";
    auto r = roundtrip(port(),
                       "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Content-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("out of range"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("Infinity"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace vial::testing
