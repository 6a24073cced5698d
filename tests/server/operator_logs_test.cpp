// What an operator reads (hardening finding 10): a refused request's log line says what
// was received, from whom, how many bytes and why; cancellations name the client; bursts
// of one warning are rate-limited with a count.
#include "core/log.hpp"
#include "server_fixture.hpp"
#include "support/stderr_capture.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

TEST(OperatorLogs, RefusedRequestsSayWhatWhoHowMuchAndWhy) {
    StderrCapture captured;
    auto app = make_app();
    ConnectionLimits limits;
    limits.max_body_bytes = 100;
    Server server(*app, {.port = 0, .threads = 1, .quiet = false, .limits = limits});
    server.start();
    auto too_big =
        roundtrip(server.port(), "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
    EXPECT_EQ(too_big.status, 413);
    auto folded =
        roundtrip(server.port(), "GET /plaintext HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n");
    EXPECT_EQ(folded.status, 400);
    RawClient partial(server.port());
    partial.send("GARBAGE\x01/x HTTP/1.1\r\n\r\n");
    EXPECT_EQ(partial.read_response().status, 400);
    server.stop();
    std::string log = captured.text();
    EXPECT_NE(log.find("127.0.0.1 - - ["), std::string::npos) << log;
    EXPECT_NE(log.find("\"POST /echo HTTP/1.1\" 413 "), std::string::npos) << log;
    EXPECT_NE(log.find(" rejected=\""), std::string::npos) << log;
    EXPECT_NE(log.find(" bytes read)"), std::string::npos) << log;
    EXPECT_NE(log.find("\"GET /plaintext HTTP/1.1\" 400 "), std::string::npos) << log;
    EXPECT_NE(log.find("obsolete line folding"), std::string::npos) << log;
    // What was received of a request line the parser refused, made printable.
    EXPECT_NE(log.find("\"GARBAGE?/x"), std::string::npos) << log;
    EXPECT_EQ(log.find("\"- - HTTP/1.1\""), std::string::npos) << log;
}

TEST(OperatorLogs, CancelledRequestsNameTheClient) {
    StderrCapture captured;
    auto app = make_app();
    Server server(*app, {.port = 0, .threads = 1, .quiet = true});
    server.start();
    {
        RawClient client(server.port());
        client.send("GET /slow?ms=5000 HTTP/1.1\r\nHost: t\r\n\r\n");
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(eventually(
        [&] { return captured.text().find("request cancelled") != std::string::npos; }, 3s));
    server.stop();
    std::string log = captured.text();
    EXPECT_NE(log.find("request cancelled: GET /slow (endpoint 'slow') from 127.0.0.1"),
              std::string::npos)
        << log;
}

TEST(OperatorLogs, RepeatedWarningsAreRateLimitedWithACount) {
    StderrCapture captured;
    for (int i = 0; i < 50; ++i) detail::log::warning_limited("test burst", "the same warning");
    std::this_thread::sleep_for(1100ms);
    detail::log::warning_limited("test burst", "the same warning");
    std::string log = captured.text();
    EXPECT_EQ(occurrences(log, "the same warning"), 2u) << log;
    EXPECT_NE(log.find("(and 49 more like this in the last interval)"), std::string::npos) << log;
}

TEST(OperatorLogs, IdenticalWarningsAreRateLimitedToo) {
    StderrCapture captured;
    for (int i = 0; i < 20; ++i) detail::log::warning("an identical warning");
    detail::log::warning("a different warning");
    std::string log = captured.text();
    EXPECT_EQ(occurrences(log, "an identical warning"), 1u) << log;
    EXPECT_NE(log.find("a different warning"), std::string::npos) << log;
}

}  // namespace
}  // namespace vial::testing
