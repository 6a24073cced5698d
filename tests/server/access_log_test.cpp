// The access log over real sockets, in each format (ACCESS_LOG / --access-log), to stderr
// and to a sink: one line per request with a timestamp, the request id the response
// echoed, and the refused requests' reasons.
#include <boost/json/parse.hpp>

#include <regex>

#include "server_fixture.hpp"
#include "support/stderr_capture.hpp"

namespace vial::testing {
namespace {

std::unique_ptr<Server> serve(App& app, AccessLogFormat format) {
    ServerOptions options;
    options.port = 0;
    options.threads = 1;
    options.access_log = format;
    auto server = std::make_unique<Server>(app, options);
    server->start();
    return server;
}

// The line of `log` that contains `text`.
std::string line_with(const std::string& log, std::string_view text) {
    std::size_t at = log.find(text);
    if (at == std::string::npos) return {};
    std::size_t begin = log.rfind('\n', at);
    begin = begin == std::string::npos ? 0 : begin + 1;
    return log.substr(begin, log.find('\n', at) - begin);
}

TEST(AccessLog, CommonLogFormatWithTimestampRequestIdAndDuration) {
    StderrCapture captured;
    auto app = make_app();
    auto server = serve(*app, AccessLogFormat::clf);
    auto r = roundtrip(server->port(), "GET /plaintext?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_EQ(r.status, 200);
    std::string id = r.header("X-Request-ID");
    ASSERT_EQ(id.size(), 12u);
    server->stop();
    std::string line = line_with(captured.text(), "/plaintext?x=1");
    std::regex clf(R"(^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] )"
                   R"("GET /plaintext\?x=1 HTTP/1\.1" 200 \d+ request_id=([A-Za-z0-9_-]{12}) )"
                   R"(duration_us=\d+$)");
    std::smatch match;
    ASSERT_TRUE(std::regex_match(line, match, clf)) << line;
    EXPECT_EQ(match[1], id);  // the line and the response name the same request
}

TEST(AccessLog, CombinedAddsRefererAndUserAgentEscaped) {
    StderrCapture captured;
    auto app = make_app();
    auto server = serve(*app, AccessLogFormat::combined);
    roundtrip(server->port(),
              "GET /json HTTP/1.1\r\nHost: t\r\nReferer: http://a/b\r\n"
              "User-Agent: tool/1.0 \"quoted\"\r\nX-Request-ID: trace-9\r\n\r\n");
    server->stop();
    std::string line = line_with(captured.text(), "\"GET /json HTTP/1.1\"");
    // A quote inside a field is escaped: a client cannot close the field and forge one.
    EXPECT_NE(line.find("\" 200 "), std::string::npos) << line;
    EXPECT_NE(line.find(" \"http://a/b\" \"tool/1.0 \\x22quoted\\x22\" request_id=trace-9 "),
              std::string::npos)
        << line;
}

TEST(AccessLog, JsonLinesAreValidJsonWithEveryField) {
    StderrCapture captured;
    auto app = make_app();
    auto server = serve(*app, AccessLogFormat::json);
    roundtrip(server->port(),
              "GET /hello/x HTTP/1.1\r\nHost: t\r\nUser-Agent: caf\xc3\xa9\r\n"
              "X-Request-ID: j-1\r\n\r\n");
    // Refused by the parser: still one line, saying why, with the id the client got.
    auto folded = roundtrip(server->port(), "GET /x HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n");
    std::string refused_id = folded.header("X-Request-ID");
    EXPECT_EQ(refused_id.size(), 12u);
    server->stop();
    std::string log = captured.text();
    std::string line = line_with(log, "\"request_id\":\"j-1\"");
    ASSERT_FALSE(line.empty()) << log;
    auto parsed = boost::json::parse(line).as_object();
    EXPECT_EQ(parsed.at("method"), "GET");
    EXPECT_EQ(parsed.at("target"), "/hello/x");
    EXPECT_EQ(parsed.at("protocol"), "HTTP/1.1");
    EXPECT_EQ(parsed.at("status").as_int64(), 200);
    EXPECT_GT(parsed.at("bytes").as_int64(), 0);
    EXPECT_GE(parsed.at("duration_us").as_int64(), 0);
    EXPECT_EQ(parsed.at("remote"), "127.0.0.1");
    EXPECT_EQ(parsed.at("user_agent"), "caf\u00c3\u00a9");  // bytes escaped one by one
    EXPECT_TRUE(std::regex_match(std::string(parsed.at("time").as_string()),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    std::string refused = line_with(log, "\"status\":400");
    ASSERT_FALSE(refused.empty()) << log;
    auto rejected = boost::json::parse(refused).as_object();
    EXPECT_NE(std::string(rejected.at("rejected").as_string()).find("obsolete line folding"),
              std::string::npos);
    EXPECT_EQ(std::string(rejected.at("request_id").as_string()), refused_id);
}

TEST(AccessLog, ASinkReceivesAccessLinesAsVialAccessAndOffWritesNone) {
    std::mutex mutex;
    std::vector<std::string> access;
    logging::set_sink([&](LogLevel level, std::string_view logger, std::string_view message) {
        std::lock_guard lock(mutex);
        if (logger == "vial.access" && level == LogLevel::info) access.emplace_back(message);
    });
    {
        auto app = make_app();
        auto server = serve(*app, AccessLogFormat::clf);
        roundtrip(server->port(), "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
        server->stop();
    }
    {
        ServerOptions options;
        options.port = 0;
        options.threads = 1;
        options.access_log = AccessLogFormat::off;
        auto app = make_app();
        Server server(*app, options);
        server.start();
        roundtrip(server.port(), "GET /json HTTP/1.1\r\nHost: t\r\n\r\n");
        server.stop();
    }
    logging::set_sink({});
    ASSERT_EQ(access.size(), 1u);
    EXPECT_NE(access[0].find("\"GET /plaintext HTTP/1.1\" 200"), std::string::npos) << access[0];
}

TEST(AccessLog, ConfigKeyChoosesTheFormatAndRejectsUnknownOnes) {
    Config config;
    config.set("ACCESS_LOG", "json");
    EXPECT_EQ(server_options(config).access_log, AccessLogFormat::json);
    config.set("ACCESS_LOG", "apache");
    try {
        server_options(config);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'apache'"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace vial::testing
