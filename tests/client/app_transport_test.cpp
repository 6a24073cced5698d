// The in-process transport: a client pointed at a vial::App runs its requests through
// that app's dispatcher, no sockets, with redirects, cookies, timeouts and bodies as over
// the network. One app's tests can call another app this way.
#include <vial/http_client.hpp>
#include <vial/test_client.hpp>

#include "upstream.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

class AppTransportTest : public ::testing::Test {
  protected:
    std::shared_ptr<UpstreamState> state = std::make_shared<UpstreamState>();
    std::unique_ptr<App> app = make_upstream(state);
    HttpClient http{{.app = app.get()}};
};

TEST_F(AppTransportTest, RequestsRunThroughTheAppsDispatcher) {
    ClientResponse r = run_sync(http.get("/json"));
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.reason(), "OK");
    EXPECT_EQ(r.json().at("hello"), "world");
    EXPECT_EQ(r.headers().get_or("Content-Type", ""), "application/json");
    EXPECT_EQ(r.headers().get_or("Content-Length", ""), std::to_string(r.content().size()));
    EXPECT_EQ(r.url(), "http://testserver/json");

    RequestOptions form{.params = {{"q", "a b"}},
                        .form = QueryParams{{"x", "1&2"}},
                        .basic_auth = {{"user", "pw"}}};
    Json echo = run_sync(http.put("/echo", form)).json();
    EXPECT_EQ(echo.at("method"), "PUT");
    EXPECT_EQ(echo.at("args").at("q"), "a b");
    EXPECT_EQ(echo.at("form").at("x"), "1&2");
    EXPECT_EQ(echo.at("authorization"), "Basic dXNlcjpwdw==");
    EXPECT_EQ(run_sync(http.get("/status/418")).status(), 418);
    EXPECT_EQ(run_sync(http.get("/no/such/route")).status(), 404);
}

TEST_F(AppTransportTest, BodiesFromProducersAndMultipart) {
    bool sent = false;
    RequestOptions produced{.body_stream = [&sent]() -> Task<std::string> {
        co_return std::exchange(sent, true) ? std::string() : std::string("made");
    }};
    EXPECT_EQ(run_sync(http.post("/echo", produced)).json().at("body"), "made");
    RequestOptions parts{.multipart = {{.name = "a", .value = "1"}}};
    Json echo = run_sync(http.post("/echo", parts)).json();
    EXPECT_TRUE(
        std::string(echo.at("content_type").as_string()).starts_with("multipart/form-data"));
    EXPECT_NE(std::string(echo.at("body").as_string()).find("name=\"a\"\r\n\r\n1\r\n"),
              std::string::npos);
}

TEST_F(AppTransportTest, RedirectsAndCookies) {
    HttpClient following({.follow_redirects = true, .max_redirects = 3, .app = app.get()});
    ClientResponse moved = run_sync(following.get("/redirect?to=/json"));
    EXPECT_EQ(moved.status(), 200);
    EXPECT_EQ(moved.url(), "http://testserver/json");
    EXPECT_THROW(run_sync(following.get("/loop")), TooManyRedirects);
    EXPECT_EQ(run_sync(http.get("/redirect?to=/json")).status(), 302);

    run_sync(http.get("/cookies/set?flavour=mint"));
    EXPECT_EQ(run_sync(http.get("/cookies")).json().at("flavour"), "mint");
    ASSERT_EQ(http.cookies().size(), 1u);
    EXPECT_EQ(http.cookies()[0].domain, "testserver");
}

TEST_F(AppTransportTest, TimeoutCancelsTheView) {
    RequestOptions quick{.timeout = 100ms};
    EXPECT_THROW(run_sync(http.get("/wait", quick)), ReadTimeout);
    EXPECT_EQ(state->cancelled, 1);
}

TEST_F(AppTransportTest, AViewThatThrowsIsA500AsOverTheNetwork) {
    App failing("failing");
    failing.get("/boom", [](Request&) -> Response { throw std::runtime_error("boom"); });
    HttpClient client({.app = &failing});
    EXPECT_EQ(run_sync(client.get("/boom")).status(), 500);
}

TEST_F(AppTransportTest, StreamsAreServedFromTheWholeBody) {
    std::string body = run_sync([&]() -> Task<std::string> {
        ClientStream stream = co_await http.stream("GET", "/json");
        EXPECT_EQ(stream.status(), 200);
        EXPECT_TRUE(stream.head().content().empty());
        co_return co_await stream.read_all();
    }());
    EXPECT_EQ(body, "{\"hello\":\"world\"}");
}

// One app's view calls another app in-process; the test drives the first with TestClient.
TEST_F(AppTransportTest, OneAppCallsAnotherWithoutSockets) {
    App front("front");
    auto backend = std::make_shared<HttpClient>(ClientOptions{.app = app.get()});
    front.get("/hello", [backend](Request&) -> Task<Json> {
        ClientResponse r = co_await backend->get("/json");
        co_return Json{{"backend_said", r.json().at("hello")}};
    });
    TestClient client(front);
    EXPECT_EQ(client.get("/hello").json().at("backend_said"), "world");
}

}  // namespace
}  // namespace vial::testing
