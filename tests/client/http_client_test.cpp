// vial::HttpClient against real servers started by the tests: vial's own on a free port,
// and raw listeners that refuse, never accept, or never answer.
#include <vial/http_client.hpp>

#include <thread>

#include "client/curl_loop.hpp"
#include "support/raw_client.hpp"
#include "upstream.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

class HttpClientTest : public ::testing::Test {
  protected:
    Upstream upstream;
    HttpClient http;
};

TEST_F(HttpClientTest, GetsJsonWithStatusHeadersAndVersion) {
    ClientResponse r = run_sync(http.get(upstream.url("/json")));
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.reason(), "OK");
    EXPECT_EQ(r.headers().get_or("content-type", ""), "application/json");
    EXPECT_EQ(r.json().at("hello"), "world");
    EXPECT_EQ(r.http_version(), "HTTP/1.1");
    EXPECT_EQ(r.url(), upstream.url("/json"));
    EXPECT_EQ(r.charset(), "utf-8");
    EXPECT_GT(r.elapsed().count(), 0);
    EXPECT_TRUE(r.is_success());
}

TEST_F(HttpClientTest, SendsJsonFormRawBodiesParamsHeadersAndAuth) {
    auto json = run_sync(http.post(upstream.url("/echo"), {.json = Json{{"a", 1}}})).json();
    EXPECT_EQ(json.at("method"), "POST");
    EXPECT_EQ(json.at("body"), "{\"a\":1}");
    EXPECT_EQ(json.at("content_type"), "application/json");

    auto form =
        run_sync(http.put(upstream.url("/echo"), {.form = QueryParams{{"x y", "1&2"}}})).json();
    EXPECT_EQ(form.at("method"), "PUT");
    EXPECT_EQ(form.at("form").at("x y"), "1&2");

    auto raw =
        run_sync(http.patch(upstream.url("/echo"), {.content = std::string("bytes\0here", 10),
                                                    .content_type = "application/x-raw"}))
            .json();
    EXPECT_EQ(raw.at("body").as_string().size(), 10u);
    EXPECT_EQ(raw.at("content_type"), "application/x-raw");

    Headers headers;
    headers.add("X-Test", "yes");
    auto query =
        run_sync(http.get(upstream.url("/echo?keep=1"), {.params = {{"q", "a b&c"}, {"n", "2"}},
                                                         .headers = headers,
                                                         .bearer_token = "t0k"}))
            .json();
    EXPECT_EQ(query.at("args").at("keep"), "1");
    EXPECT_EQ(query.at("args").at("q"), "a b&c");
    EXPECT_EQ(query.at("args").at("n"), "2");
    EXPECT_EQ(query.at("x_test"), "yes");
    EXPECT_EQ(query.at("authorization"), "Bearer t0k");

    auto basic =
        run_sync(http.delete_(upstream.url("/echo"), {.basic_auth = {{"user", "pw"}}})).json();
    EXPECT_EQ(basic.at("method"), "DELETE");
    EXPECT_EQ(basic.at("authorization"), "Basic dXNlcjpwdw==");
}

// A client's transfers reuse its handles: nothing of one request (method, body, headers,
// auth, redirect policy) reaches the next.
TEST_F(HttpClientTest, OneRequestsOptionsNeverReachTheNext) {
    Headers headers;
    headers.add("X-Test", "first");
    auto first = run_sync(http.post(upstream.url("/echo"), {.headers = headers,
                                                            .json = Json{{"a", 1}},
                                                            .basic_auth = {{"user", "pw"}}}))
                     .json();
    EXPECT_EQ(first.at("x_test"), "first");
    for (int i = 0; i < 3; ++i) {
        auto next = run_sync(http.get(upstream.url("/echo"))).json();
        EXPECT_EQ(next.at("method"), "GET");
        EXPECT_EQ(next.at("body"), "");
        EXPECT_EQ(next.at("content_type"), "");
        EXPECT_EQ(next.at("authorization"), "");
        EXPECT_EQ(next.at("x_test"), "");
    }
    auto redirected =
        run_sync(http.get(upstream.url("/redirect?to=/json"), {.follow_redirects = true}));
    EXPECT_EQ(redirected.status(), 200);
    EXPECT_EQ(run_sync(http.get(upstream.url("/redirect?to=/json"))).status(), 302);
    EXPECT_EQ(run_sync(http.head(upstream.url("/json"))).text(), "");
    EXPECT_EQ(run_sync(http.get(upstream.url("/json"))).json().at("hello"), "world");
}

TEST_F(HttpClientTest, BaseUrlAndClientHeaders) {
    Headers defaults;
    defaults.add("X-Test", "from the client");
    HttpClient api({.base_url = upstream.url("/"), .headers = defaults});
    auto r = run_sync(api.get("echo")).json();
    EXPECT_EQ(r.at("x_test"), "from the client");
    Headers own;
    own.add("X-Test", "from the request");
    EXPECT_EQ(run_sync(api.get("/echo", {.headers = own})).json().at("x_test"), "from the request");
}

TEST_F(HttpClientTest, HeadAndErrorStatusesAreResponses) {
    auto head = run_sync(http.head(upstream.url("/json")));
    EXPECT_EQ(head.status(), 200);
    EXPECT_TRUE(head.content().empty());
    auto missing = run_sync(http.get(upstream.url("/status/404")));
    EXPECT_EQ(missing.status(), 404);
    EXPECT_FALSE(missing.is_success());
    try {
        missing.raise_for_status();
        FAIL() << "404 did not raise";
    } catch (const HttpStatusError& e) {
        EXPECT_EQ(e.status(), 404);
        EXPECT_NE(std::string(e.what()).find("GET " + upstream.url("/status/404")),
                  std::string::npos);
    }
    EXPECT_EQ(run_sync(http.get(upstream.url("/status/204"))).raise_for_status().status(), 204);
}

TEST_F(HttpClientTest, ThreeConcurrentCallsTakeAboutOne) {
    auto started = std::chrono::steady_clock::now();
    auto url = upstream.url("/slow?ms=100");
    auto [a, b, c] = run_sync(gather(http.get(url), http.get(url), http.get(url)));
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(a.text() + b.text() + c.text(), "slowslowslow");
    EXPECT_LT(took, 250ms) << "the three calls did not overlap";
}

// The seeds' example for real: a view awaiting three upstream calls at once.
TEST_F(HttpClientTest, AViewAwaitsThreeCallsConcurrently) {
    auto r = run_sync(http.get(upstream.url("/fanout"))).json();
    EXPECT_EQ(r.at("bodies"), "slowslowslow");
    EXPECT_LT(r.at("elapsed_ms").as_int64(), 250);
}

TEST_F(HttpClientTest, MalformedUrlsFailBeforeAnyIo) {
    EXPECT_NE(message_of<InvalidUrl>([&] {
                  run_sync(http.get("ftp://example.com/x"));
              }).find("only http and https"),
              std::string::npos);
    EXPECT_NE(message_of<InvalidUrl>([&] { run_sync(http.get("/relative")); }).find("base_url"),
              std::string::npos);
    EXPECT_NE(message_of<InvalidUrl>([&] {
                  run_sync(http.get("http://exa mple.com/"));
              }).find("malformed URL"),
              std::string::npos);
    EXPECT_NE(message_of<InvalidUrl>([&] { run_sync(http.get("http:///path")); }).find("GET "),
              std::string::npos);
}

TEST_F(HttpClientTest, AContentTypeThatWouldSplitTheHeadIsRefused) {
    std::string message = message_of<Error>([&] {
        run_sync(http.post(upstream.url("/echo"), {.content = std::string("x"),
                                                   .content_type = "text/plain\r\nX-Admin: 1"}));
    });
    EXPECT_NE(message.find("CR, LF and NUL are not allowed"), std::string::npos) << message;
}

TEST_F(HttpClientTest, RefusedPortIsAConnectError) {
    std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
    std::string message = message_of<ConnectError>([&] { run_sync(http.get(url)); });
    EXPECT_NE(message.find("GET " + url), std::string::npos) << message;
    EXPECT_NE(message.find("failed to connect"), std::string::npos) << message;
}

TEST_F(HttpClientTest, UnresolvableNameIsAConnectError) {
    HttpClient quick({.connect_timeout = 3s});
    try {
        run_sync(quick.get("http://no-such-host.invalid/"));
        FAIL() << "resolved .invalid";
    } catch (const ConnectError& e) {
        EXPECT_NE(std::string(e.what()).find("resolve"), std::string::npos) << e.what();
    } catch (const ConnectTimeout&) {
        // A resolver that cannot reach any DNS server times out instead: also correct.
    }
}

TEST_F(HttpClientTest, ServerThatNeverAnswersIsAReadTimeout) {
    SilentListener silent(true);
    std::string url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/";
    auto started = std::chrono::steady_clock::now();
    std::string message =
        message_of<ReadTimeout>([&] { run_sync(http.get(url, {.timeout = 200ms})); });
    EXPECT_NE(message.find("timed out"), std::string::npos) << message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(HttpClientTest, ListenerThatNeverAcceptsIsAConnectTimeout) {
    SilentListener full(false);
    HttpClient quick({.connect_timeout = 300ms});
    std::string url = "http://127.0.0.1:" + std::to_string(full.port()) + "/";
    EXPECT_THROW(run_sync(quick.get(url)), ConnectTimeout);
}

TEST_F(HttpClientTest, RedirectsAreFollowedOnlyWhenAsked) {
    auto not_followed = run_sync(http.get(upstream.url("/redirect?to=/json")));
    EXPECT_EQ(not_followed.status(), 302);
    EXPECT_EQ(not_followed.headers().get_or("Location", ""), "/json");

    auto relative =
        run_sync(http.get(upstream.url("/redirect?to=/json"), {.follow_redirects = true}));
    EXPECT_EQ(relative.status(), 200);
    EXPECT_EQ(relative.url(), upstream.url("/json"));
    EXPECT_EQ(relative.json().at("hello"), "world");

    HttpClient following({.follow_redirects = true});
    auto absolute = run_sync(following.get(upstream.url("/redirect?to=") + upstream.url("/json")));
    EXPECT_EQ(absolute.url(), upstream.url("/json"));

    HttpClient bounded({.follow_redirects = true, .max_redirects = 5});
    EXPECT_THROW(run_sync(bounded.get(upstream.url("/loop"))), TooManyRedirects);
}

// A cancelled await (here vial::timeout) aborts the transfer at once: the upstream sees
// the connection close and its own view is cancelled.
TEST_F(HttpClientTest, CancellationAbortsTheTransfer) {
    auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(run_sync(vial::timeout(150ms, http.get(upstream.url("/wait")))), TimeoutError);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
    EXPECT_TRUE(eventually([&] { return upstream.state().cancelled == 1; }, 3s));
}

// A client destroyed with requests in flight cancels them (httpx's client closing), on
// the destroying thread's loop and on others, and the upstream sees them go.
TEST_F(HttpClientTest, AClientDestroyedMidRequestCancelsIt) {
    auto client = std::make_unique<HttpClient>();
    auto waiting = client->get(upstream.url("/wait"));
    auto destroy = [&]() -> Task<void> {
        co_await vial::sleep(50ms);
        client.reset();
    };
    std::string message =
        message_of<Cancelled>([&] { run_sync(gather(std::move(waiting), destroy())); });
    EXPECT_NE(message.find("was destroyed"), std::string::npos) << message;
    EXPECT_TRUE(eventually([&] { return upstream.state().cancelled == 1; }, 3s));

    auto other = std::make_unique<HttpClient>();
    std::string seen;
    Task<ClientResponse> pending = other->get(upstream.url("/wait"));  // runs over there
    std::thread elsewhere(
        [&] { seen = message_of<Cancelled>([&] { run_sync(std::move(pending)); }); });
    std::this_thread::sleep_for(100ms);
    other.reset();  // from this thread, while the request runs on the other one's loop
    elsewhere.join();
    EXPECT_NE(seen.find("GET " + upstream.url("/wait") + " was destroyed"), std::string::npos)
        << seen;
    EXPECT_TRUE(eventually([&] { return upstream.state().cancelled == 2; }, 3s));
}

}  // namespace
}  // namespace vial::testing

namespace vial::testing {
namespace {

// Inside a coroutine, name the options first (g++ 12: an aggregate built inside a
// co_await expression is destroyed twice; docs/async.md).
TEST_F(HttpClientTest, OptionsNamedBeforeTheAwaitInsideACoroutine) {
    std::string url = upstream.url("/echo");
    auto body = run_sync([&]() -> Task<Json> {
        RequestOptions options{.params = {{"from", "coroutine"}}, .timeout = 2s};
        ClientResponse r = co_await http.get(url, options);
        co_return r.json();
    }());
    EXPECT_EQ(body.at("args").at("from"), "coroutine");
}

}  // namespace
}  // namespace vial::testing

namespace vial::testing {
namespace {

// gather over three calls where one fails: the other two are cancelled at once, the
// upstream sees them go, and no transfer is left on the loop.
TEST_F(HttpClientTest, AFailedCallInAGatherCancelsTheOthers) {
    std::string refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
    auto started = std::chrono::steady_clock::now();
    std::size_t left = 1;
    EXPECT_THROW(run_sync([&]() -> Task<void> {
                     std::exception_ptr failure;
                     try {
                         co_await gather(http.get(upstream.url("/wait")),
                                         http.get(upstream.url("/wait")), http.get(refused));
                     } catch (...) {
                         failure = std::current_exception();
                     }
                     auto executor = co_await boost::asio::this_coro::executor;
                     left = detail::CurlLoop::of(executor).in_flight();
                     std::rethrow_exception(failure);
                 }()),
                 ConnectError);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_EQ(left, 0u) << "transfers left on the loop";
    EXPECT_TRUE(eventually([&] { return upstream.state().cancelled == 2; }, 3s));
}

// From sync code inside a to_thread worker: run_sync gives the call its own loop there.
TEST_F(HttpClientTest, UsableFromAToThreadWorker) {
    std::string url = upstream.url("/json");
    Json body = run_sync(vial::to_thread([&] { return run_sync(http.get(url)).json(); }));
    EXPECT_EQ(body.at("hello"), "world");
}

}  // namespace
}  // namespace vial::testing
