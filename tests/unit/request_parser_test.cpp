// The server's request parser on raw bytes: what it accepts, and what it refuses with
// which status, before any view runs (RFC 9112).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "http/request_parser.hpp"

namespace {

using vial::detail::ParserLimits;
using vial::detail::RequestParser;

constexpr ParserLimits kLimits{
    .max_request_line = 256, .max_header_bytes = 1024, .max_body_bytes = 64};

struct Parsed {
    bool done = false;
    int status = 0;  // our own refusal's status, 0 if none
    bool error = false;
    std::string reason;
};

// Feeds `bytes` in pieces of `step` (as they may arrive), like the connection does.
Parsed parse(RequestParser& parser, std::string_view bytes, std::size_t step = 1 << 20) {
    Parsed result;
    std::string buffer;
    std::size_t fed = 0;
    while (!parser.is_done()) {
        if (fed < bytes.size()) {
            std::size_t n = std::min(step, bytes.size() - fed);
            buffer.append(bytes.substr(fed, n));
            fed += n;
        }
        boost::beast::error_code ec;
        std::size_t used = parser.feed(buffer, ec);
        buffer.erase(0, used);
        if (ec && ec != boost::beast::http::error::need_more) {
            result.error = true;
            result.status = parser.rejection_status;
            result.reason = parser.rejection ? parser.rejection : ec.message();
            return result;
        }
        if (fed == bytes.size() && used == 0) break;  // waiting for bytes never sent
    }
    result.done = parser.is_done();
    return result;
}

TEST(RequestParser, ReadsMethodTargetVersionHeadersAndBody) {
    for (std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{1 << 20}}) {
        RequestParser parser(kLimits);
        auto r = parse(parser,
                       "POST /items?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                       "X-Multi: a\r\nX-Multi: b\r\n\r\nhello",
                       step);
        ASSERT_TRUE(r.done) << r.reason;
        EXPECT_EQ(parser.method, "POST");
        EXPECT_EQ(parser.target, "/items?x=1");
        EXPECT_EQ(parser.version, 11);
        EXPECT_EQ(parser.headers.get("host"), "t");
        EXPECT_EQ(parser.headers.get_all("X-Multi").size(), 2u);
        EXPECT_EQ(parser.body, "hello");
    }
}

TEST(RequestParser, KeepsEveryFieldOfAHeadWhateverItsLength) {
    // The parser makes room for the fields it sees up front (at most 64): a head with more,
    // or one arriving in pieces, still keeps every field, in order.
    for (int count : {0, 1, 5, 70}) {
        for (std::size_t step : {std::size_t{3}, std::size_t{1 << 20}}) {
            std::string head = "GET / HTTP/1.1\r\nHost: t\r\n";
            for (int i = 0; i < count; ++i) head += "X-F" + std::to_string(i) + ": v\r\n";
            head += "\r\n";
            RequestParser parser(ParserLimits{
                .max_request_line = 256, .max_header_bytes = 4096, .max_body_bytes = 64});
            auto r = parse(parser, head, step);
            ASSERT_TRUE(r.done) << r.reason;
            ASSERT_EQ(parser.headers.size(), static_cast<std::size_t>(count) + 1);
            int i = -1;
            for (const auto& [name, value] : parser.headers) {
                EXPECT_EQ(name, i < 0 ? "Host" : "X-F" + std::to_string(i));
                ++i;
            }
        }
    }
}

TEST(RequestParser, DecodesAChunkedBody) {
    RequestParser parser(kLimits);
    auto r = parse(parser,
                   "POST /u HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "3\r\nabc\r\n2;name=\"v\"\r\nde\r\n0\r\n\r\n",
                   3);
    ASSERT_TRUE(r.done) << r.reason;
    EXPECT_EQ(parser.body, "abcde");
}

TEST(RequestParser, AnswersExpectContinueOnlyForHttp11) {
    RequestParser parser(kLimits);
    parse(parser,
          "POST /u HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
    EXPECT_TRUE(parser.expects_continue());
    RequestParser old(kLimits);
    parse(old, "POST /u HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
    EXPECT_FALSE(old.expects_continue());
}

struct Refusal {
    const char* bytes;
    int status;
    const char* reason_part;
};

TEST(RequestParser, RefusesAmbiguousOrOversizedRequestsWithAReason) {
    const Refusal cases[] = {
        {"GET / HTTP/1.1\r\n\r\n", 400, "needs a Host header"},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host"},
        {"GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", 400, "line folding"},
        {"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 400,
         "must end with chunked"},
        {"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400,
         "only once"},
        {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0"},
        {"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: t\r\n\r\n", 400, "non-ASCII"},
        {"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
         "1;a=\"open\r\nx\r\n0\r\n\r\n",
         400, "quoted string"},
    };
    for (const auto& c : cases) {
        RequestParser parser(kLimits);
        auto r = parse(parser, c.bytes);
        EXPECT_TRUE(r.error) << c.bytes;
        EXPECT_EQ(r.status, c.status) << c.bytes;
        EXPECT_NE(r.reason.find(c.reason_part), std::string::npos) << c.bytes << " -> " << r.reason;
    }
}

TEST(RequestParser, RefusesALongRequestLineWhileItArrives) {
    RequestParser parser(kLimits);
    // No CRLF yet: the refusal must not wait for the end of the line.
    std::string line = "GET /" + std::string(400, 'a');
    auto r = parse(parser, line, 16);
    EXPECT_TRUE(r.error);
    EXPECT_EQ(r.status, 414);
}

TEST(RequestParser, RefusesHeadersAndBodiesPastTheirLimits) {
    RequestParser headers(kLimits);
    auto big_headers =
        parse(headers, "GET / HTTP/1.1\r\nHost: t\r\nX: " + std::string(2000, 'h') + "\r\n\r\n");
    EXPECT_TRUE(big_headers.error);
    RequestParser body(kLimits);
    auto big_body = parse(
        body, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'b'));
    EXPECT_TRUE(big_body.error);
    EXPECT_FALSE(body.is_done());
}

}  // namespace
