// The response writer: the exact bytes of a response head and body (RFC 9112), framing
// owned by the server whatever headers a view set.
#include <gtest/gtest.h>
#include <vial/version.hpp>

#include <string>

#include "core/response_access.hpp"
#include "http/response_writer.hpp"

namespace {

using vial::detail::ResponseFraming;
using vial::detail::write_response;

constexpr std::string_view kDate = "Mon, 30 Nov 2026 06:00:00 GMT";

TEST(ResponseWriter, WritesStatusHeadersLengthAndBodyInOneBuffer) {
    vial::Response response("hello", 201, "text/plain");
    response.headers().add("X-Trace", "abc");
    std::string out;
    auto written = write_response(response, {.date = kDate}, out);
    EXPECT_TRUE(written.keep_alive);
    EXPECT_TRUE(written.body.empty());  // copied into out
    EXPECT_EQ(out,
              "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-Trace: abc\r\n"
              "Server: vial/" +
                  std::string(vial::kVersion) + "\r\nDate: " + std::string(kDate) +
                  "\r\nContent-Length: 5\r\n\r\nhello");
}

TEST(ResponseWriter, IgnoresAViewsFramingHeaders) {
    vial::Response response("four");
    response.headers().set("Content-Length", "999");
    response.headers().set("Transfer-Encoding", "chunked");
    std::string out;
    write_response(response, {.date = kDate}, out);
    EXPECT_EQ(out.find("999"), std::string::npos);
    EXPECT_EQ(out.find("Transfer-Encoding"), std::string::npos);
    EXPECT_NE(out.find("Content-Length: 4\r\n"), std::string::npos);
}

TEST(ResponseWriter, ConnectionCloseAndHttp10EndTheConnection) {
    vial::Response closing("x");
    closing.headers().set("Connection", "close");
    std::string out;
    EXPECT_FALSE(write_response(closing, {.date = kDate}, out).keep_alive);
    EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);

    std::string old;
    auto written = write_response(vial::Response("x"),
                                  {.keep_alive = false, .http_version = 10, .date = kDate}, old);
    EXPECT_FALSE(written.keep_alive);
}

TEST(ResponseWriter, NoBodyFor204And304AndHeadAnnouncesTheLengthItHad) {
    std::string out;
    write_response(vial::Response(204), {.date = kDate}, out);
    EXPECT_EQ(out.find("Content-Length"), std::string::npos);
    EXPECT_TRUE(out.ends_with("\r\n\r\n"));

    vial::Response head("twelve bytes");
    vial::detail::ResponseAccess::make_head_answer(head);
    std::string head_out;
    write_response(head, {.head_request = true, .date = kDate}, head_out);
    EXPECT_NE(head_out.find("Content-Length: 12\r\n"), std::string::npos);
    EXPECT_TRUE(head_out.ends_with("\r\n\r\n"));
}

TEST(ResponseWriter, LeavesALargeBodyToBeSentFromTheResponse) {
    vial::Response response(std::string(100, 'z'));
    std::string out;
    auto written = write_response(response, {.date = kDate, .max_copied_body = 10}, out);
    EXPECT_EQ(written.body.size(), 100u);
    EXPECT_EQ(written.body.data(), response.body().data());  // a view, not a copy
    EXPECT_TRUE(out.ends_with("Content-Length: 100\r\n\r\n"));
}

TEST(ResponseWriter, AViewsServerAndDateHeadersReplaceTheDefaults) {
    vial::Response response("x");
    response.headers().set("Server", "mine");
    response.headers().set("Date", "Thu, 01 Jan 1970 00:00:00 GMT");
    std::string out;
    write_response(response, {.date = kDate}, out);
    EXPECT_EQ(out.find("vial/"), std::string::npos);
    EXPECT_EQ(out.find(kDate), std::string::npos);
    EXPECT_NE(out.find("Server: mine\r\n"), std::string::npos);
}

}  // namespace
