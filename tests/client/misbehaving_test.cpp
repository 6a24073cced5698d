// Servers that misbehave on purpose: each failure is a typed error naming the request,
// never a crash or a hang.
#include <vial/http_client.hpp>

#include <sys/socket.h>

#include "support/raw_client.hpp"
#include "upstream.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kHead = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";

TEST(MisbehavingServer, StallMidBodyIsAReadTimeoutBetweenBytes) {
    ScriptedUpstream upstream([](int fd) {
        ScriptedUpstream::read_request(fd);
        ScriptedUpstream::write_all(fd, kHead);
        ScriptedUpstream::write_all(fd, "first ten.");
        ScriptedUpstream::read_request(fd);  // then nothing, until the client leaves
    });
    HttpClient http({.timeout = 10s, .read_timeout = 200ms});
    auto started = std::chrono::steady_clock::now();
    std::string message = message_of<ReadTimeout>([&] { run_sync(http.get(upstream.url("/"))); });
    EXPECT_NE(message.find("GET " + upstream.url("/")), std::string::npos) << message;
    EXPECT_NE(message.find("read_timeout 200 ms"), std::string::npos) << message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(MisbehavingServer, AServerThatKeepsSendingIsNotCutByTheReadTimeout) {
    ScriptedUpstream upstream([](int fd) {
        ScriptedUpstream::read_request(fd);
        ScriptedUpstream::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n");
        for (int i = 0; i < 8; ++i) {  // 8 bytes over ~640 ms, one every 80 ms
            std::this_thread::sleep_for(80ms);
            ScriptedUpstream::write_all(fd, "x");
        }
    });
    HttpClient http({.read_timeout = 200ms});
    EXPECT_EQ(run_sync(http.get(upstream.url("/"))).text(), "xxxxxxxx");
}

TEST(MisbehavingServer, AServerThatNeverReadsIsAWriteTimeout) {
    SilentListener silent(true);
    HttpClient http({.timeout = 10s, .write_timeout = 300ms});
    std::string url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/upload";
    RequestOptions upload{.content = std::string(64 << 20, 'u')};  // far past socket buffers
    std::string message = message_of<WriteTimeout>([&] { run_sync(http.post(url, upload)); });
    EXPECT_NE(message.find("POST " + url), std::string::npos) << message;
}

TEST(MisbehavingServer, ResetMidResponseIsATransportError) {
    ScriptedUpstream* self = nullptr;
    ScriptedUpstream upstream([&self](int fd) {
        ScriptedUpstream::read_request(fd);
        ScriptedUpstream::write_all(fd, kHead);
        ScriptedUpstream::write_all(fd, "partial");
        std::this_thread::sleep_for(50ms);
        self->reset(fd);
    });
    self = &upstream;
    HttpClient http;
    std::string message =
        message_of<TransportError>([&] { run_sync(http.get(upstream.url("/reset"))); });
    EXPECT_NE(message.find("GET " + upstream.url("/reset")), std::string::npos) << message;
}

TEST(MisbehavingServer, ShortBodyThenCloseIsATransportError) {
    ScriptedUpstream upstream([](int fd) {
        ScriptedUpstream::read_request(fd);
        ScriptedUpstream::write_all(fd, kHead);
        ScriptedUpstream::write_all(fd, "only ten b");
        ::shutdown(fd, SHUT_WR);
    });
    HttpClient http;
    std::string message =
        message_of<TransportError>([&] { run_sync(http.get(upstream.url("/short"))); });
    EXPECT_NE(message.find("GET " + upstream.url("/short")), std::string::npos) << message;
}

TEST(MisbehavingServer, GarbageInsteadOfHttpIsATransportError) {
    ScriptedUpstream upstream([](int fd) {
        ScriptedUpstream::read_request(fd);
        ScriptedUpstream::write_all(fd,
                                    "SSH-2.0-OpenSSH_9.2\r\n\x01\x02\x03 not http at all\r\n\r\n");
        ::shutdown(fd, SHUT_WR);
    });
    HttpClient http;
    EXPECT_THROW(run_sync(http.get(upstream.url("/garbage"))), TransportError);
}

TEST(MisbehavingServer, ChunkedAndLengthlessBodiesArrive) {
    ScriptedUpstream upstream([](int fd) {
        std::string request = ScriptedUpstream::read_request(fd);
        if (request.starts_with("GET /chunked")) {
            ScriptedUpstream::write_all(fd,
                                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n");
        } else {
            ScriptedUpstream::write_all(fd, "HTTP/1.0 200 OK\r\n\r\nuntil close");
            ::shutdown(fd, SHUT_WR);
        }
    });
    HttpClient http;
    EXPECT_EQ(run_sync(http.get(upstream.url("/chunked"))).text(), "hello world");
    ClientResponse old = run_sync(http.get(upstream.url("/close")));
    EXPECT_EQ(old.text(), "until close");
    EXPECT_EQ(old.http_version(), "HTTP/1.0");
}

}  // namespace
}  // namespace vial::testing

namespace vial::testing {
namespace {

// Proxies come from the usual environment variables, as curl reads them.
TEST(ClientProxy, HttpProxyFromTheEnvironment) {
    std::string seen;
    ScriptedUpstream proxy([&seen](int fd) {
        seen = ScriptedUpstream::read_request(fd);
        ScriptedUpstream::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nvia proxy");
    });
    ::setenv("http_proxy", proxy.url("").c_str(), 1);
    ::setenv("no_proxy", "", 1);
    HttpClient http;
    ClientResponse r = run_sync(http.get("http://example.invalid/through?x=1"));
    ::unsetenv("http_proxy");
    ::unsetenv("no_proxy");
    EXPECT_EQ(r.text(), "via proxy");
    EXPECT_TRUE(seen.starts_with("GET http://example.invalid/through?x=1 HTTP/1.1\r\n")) << seen;
}

}  // namespace
}  // namespace vial::testing

namespace vial::testing {
namespace {

// text() decodes the declared charset to UTF-8, as httpx's r.text; content() stays bytes.
TEST(ClientText, DeclaredCharsetsAreDecodedToUtf8) {
    ScriptedUpstream upstream([](int fd) {
        for (std::string request; !(request = ScriptedUpstream::read_request(fd)).empty();) {
            std::string type = "text/plain";
            std::string body = "caf\xe9 \x80";
            if (request.starts_with("GET /latin1")) type += "; charset=ISO-8859-1";
            if (request.starts_with("GET /cp1252")) type += "; charset=\"windows-1252\"";
            if (request.starts_with("GET /bad-utf16")) {
                type += "; charset=utf-16le";
                body = std::string("h\0i\0\x01", 5);  // an odd last byte
            }
            ScriptedUpstream::write_all(
                fd, "HTTP/1.1 200 OK\r\nContent-Type: " + type +
                        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
        }
    });
    HttpClient http;
    ClientResponse latin1 = run_sync(http.get(upstream.url("/latin1")));
    EXPECT_EQ(latin1.charset(), "iso-8859-1");
    EXPECT_EQ(latin1.text(), "caf\xc3\xa9 \xc2\x80");
    EXPECT_EQ(latin1.content(), "caf\xe9 \x80");
    EXPECT_EQ(run_sync(http.get(upstream.url("/cp1252"))).text(), "caf\xc3\xa9 \xe2\x82\xac");
    EXPECT_EQ(run_sync(http.get(upstream.url("/none"))).text(), "caf\xe9 \x80");  // as sent
    std::string odd = run_sync(http.get(upstream.url("/bad-utf16"))).text();
    EXPECT_EQ(odd, "hi\xef\xbf\xbd");
}

}  // namespace
}  // namespace vial::testing
