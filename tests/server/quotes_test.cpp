// The showcase's /quotes: upstream prices fetched over real loopback HTTP with
// vial::HttpClient, concurrently or one after another.
#include "server_fixture.hpp"

#include <vial/http_client.hpp>

namespace vial::testing {
namespace {

class Quotes : public ServerTest {
  protected:
    void SetUp() override { start(); }
    Json get(const std::string& target) {
        HttpClient http;
        auto r = run_sync(http.get("http://127.0.0.1:" + std::to_string(port()) + target));
        EXPECT_EQ(r.status(), 200) << r.text();
        return r.json();
    }
};

TEST_F(Quotes, ConcurrentFetchesTakeAboutOneWait) {
    Json body = get("/quotes?symbols=a,b,c&ms=100");
    EXPECT_EQ(body.at("mode"), "concurrent");
    EXPECT_EQ(body.at("prices").as_object().size(), 3u);
    EXPECT_LT(body.at("elapsed_ms").to_number<double>(), 250);
    double sum = 0;
    for (const auto& [symbol, price] : body.at("prices").as_object())
        sum += price.to_number<double>();
    EXPECT_DOUBLE_EQ(body.at("total").to_number<double>(), sum);
}

TEST_F(Quotes, SequentialFetchesTakeTheSum) {
    Json body = get("/quotes?symbols=a,b,c&ms=100&sequential=1");
    EXPECT_EQ(body.at("mode"), "sequential");
    EXPECT_GE(body.at("elapsed_ms").to_number<double>(), 300);
}

TEST_F(Quotes, BadInputIs400AndAForeignHostIsNotFetched) {
    auto status = [&](const std::string& request) { return roundtrip(port(), request).status; };
    EXPECT_EQ(status("GET /quotes?symbols=A;rm HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n"), 400);
    EXPECT_EQ(status("GET /quotes?ms=99999 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n"), 400);
    EXPECT_EQ(
        status("GET /quotes?symbols=a,b,c,d,e,f,g,h,i,j,k HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n"),
        400);
    // Without VIAL_QUOTES_UPSTREAM, only a loopback Host is trusted as the upstream.
    EXPECT_EQ(status("GET /quotes HTTP/1.1\r\nHost: internal.example\r\n\r\n"), 400);
}

TEST_F(Quotes, AnUpstreamThatIsDownIs502) {
    // Host names this server's loopback address but a port nothing listens on.
    auto r = roundtrip(port(), "GET /quotes?symbols=a HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n");
    EXPECT_EQ(r.status, 502);
    EXPECT_NE(r.body.find("failed to connect"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace vial::testing
