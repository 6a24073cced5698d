// Against nginx (started by the test): TLS verified against the test's own CA, a wrong CA
// refused, HTTP/2 negotiated by ALPN with requests multiplexed on one connection, and
// gzip-compressed bodies decoded, whole or streamed.
#include <vial/http_client.hpp>

#include "nginx.hpp"
#include "upstream.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

class TlsTest : public ::testing::Test {
  protected:
    Nginx nginx;
};

TEST_F(TlsTest, VerifiedAgainstTheRightCa) {
    HttpClient http({.ca_file = nginx.ca_file()});
    ClientResponse r = run_sync(http.get(nginx.https("/hello")));
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.text(), "hello from nginx");
    EXPECT_EQ(r.http_version(), "HTTP/1.1");
}

TEST_F(TlsTest, AnUnknownCaIsATlsErrorUnlessVerifyIsOff) {
    HttpClient system_store;  // verify on: the system's CAs never signed the test's
    std::string message =
        message_of<TlsError>([&] { run_sync(system_store.get(nginx.https("/hello"))); });
    EXPECT_NE(message.find("GET " + nginx.https("/hello")), std::string::npos) << message;

    HttpClient unverified({.verify = false});
    EXPECT_EQ(run_sync(unverified.get(nginx.https("/hello"))).status(), 200);
}

TEST_F(TlsTest, AClientCertificateForMutualTls) {
    HttpClient anonymous({.ca_file = nginx.ca_file()});
    EXPECT_EQ(run_sync(anonymous.get(nginx.mutual_tls("/whoami"))).status(), 400)
        << "nginx answers 400 to a client without a certificate";
    HttpClient identified({.ca_file = nginx.ca_file(),
                           .cert_file = nginx.client_cert_file(),
                           .key_file = nginx.client_key_file()});
    ClientResponse r = run_sync(identified.get(nginx.mutual_tls("/whoami")));
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.text(), "CN=vial-test-client");
}

TEST_F(TlsTest, Http2IsNegotiatedAndMultiplexed) {
    HttpClient http({.http2 = true, .ca_file = nginx.ca_file()});
    auto url = nginx.https("/hello");
    std::vector<std::string> versions = run_sync([&]() -> Task<std::vector<std::string>> {
        std::vector<Task<ClientResponse>> calls;
        for (int i = 0; i < 20; ++i) calls.push_back(http.get(url));
        std::vector<ClientResponse> responses = co_await gather(std::move(calls));
        std::vector<std::string> seen;
        for (auto& r : responses) seen.push_back(r.http_version() + " " + r.text());
        co_return seen;
    }());
    ASSERT_EQ(versions.size(), 20u);
    for (const auto& v : versions) EXPECT_EQ(v, "HTTP/2 hello from nginx");
    EXPECT_EQ(nginx.connections_seen(), 1) << "20 concurrent HTTP/2 requests, one connection";
}

TEST_F(TlsTest, GzipBodiesAreDecoded) {
    HttpClient http({.ca_file = nginx.ca_file()});
    ClientResponse plain = run_sync(http.get(nginx.http("/static/big.txt")));
    EXPECT_EQ(plain.headers().get_or("Content-Encoding", ""), "gzip");
    EXPECT_TRUE(plain.text() == nginx.big_text()) << "decoded body differs";

    std::string streamed = run_sync([&]() -> Task<std::string> {
        ClientStream stream = co_await http.stream("GET", nginx.https("/static/big.txt"));
        EXPECT_EQ(stream.headers().get_or("Content-Encoding", ""), "gzip");
        co_return co_await stream.read_all();
    }());
    EXPECT_TRUE(streamed == nginx.big_text()) << "decoded stream differs";
}

}  // namespace
}  // namespace vial::testing
