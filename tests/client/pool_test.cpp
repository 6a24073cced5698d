// The client's connections: keep-alive reuse, limits per host and in total with a wait
// for a slot (pool_timeout), many calls at once on one loop, and the cookie jar.
#include <vial/http_client.hpp>

#include <sys/resource.h>

#include <thread>

#include "support/raw_client.hpp"
#include "upstream.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

// Answers every request on a connection with a small keep-alive response.
void keep_alive_script(int fd) {
    while (!ScriptedUpstream::read_request(fd).empty()) {
        ScriptedUpstream::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }
}

TEST(ClientPool, HundredSequentialCallsShareOneConnection) {
    ScriptedUpstream upstream(keep_alive_script);
    HttpClient http;
    run_sync([&]() -> Task<void> {
        for (int i = 0; i < 100; ++i) {
            ClientResponse r = co_await http.get(upstream.url("/n"));
            EXPECT_EQ(r.text(), "ok");
        }
    }());
    EXPECT_EQ(upstream.connections(), 1);
}

TEST(ClientPool, PerHostLimitQueuesTheRest) {
    Upstream upstream;
    HttpClient http({.limits = {.max_connections_per_host = 2}});
    auto url = upstream.url("/slow?ms=100");
    auto started = std::chrono::steady_clock::now();
    auto [a, b, c, d] =
        run_sync(gather(http.get(url), http.get(url), http.get(url), http.get(url)));
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(a.text() + b.text() + c.text() + d.text(), "slowslowslowslow");
    EXPECT_EQ(upstream.state().slow_peak, 2);
    EXPECT_GE(took, 190ms) << "four calls through two slots take two rounds";
}

TEST(ClientPool, TotalLimitAndPoolTimeout) {
    Upstream upstream;
    HttpClient http({.pool_timeout = 100ms, .limits = {.max_connections = 1}});
    auto slow = upstream.url("/slow?ms=400");
    auto quick = upstream.url("/json");
    try {
        run_sync(gather(http.get(slow), http.get(quick)));
        FAIL() << "the second call got a slot";
    } catch (const PoolTimeout& e) {
        EXPECT_NE(std::string(e.what()).find("GET " + quick), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("pool_timeout 100 ms"), std::string::npos) << e.what();
    }
    // gather cancelled the slow call; the slot is free again.
    EXPECT_EQ(run_sync(http.get(quick)).status(), 200);
}

TEST(ClientPool, AQueuedCallCancelledLeavesTheQueue) {
    Upstream upstream;
    HttpClient http({.limits = {.max_connections = 1}});
    auto slow = upstream.url("/slow?ms=300");
    auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(run_sync(vial::timeout(100ms, gather(http.get(slow), http.get(slow)))),
                 TimeoutError);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 250ms);
    EXPECT_EQ(run_sync(http.get(upstream.url("/json"))).status(), 200);
}

TEST(ClientPool, ThousandConcurrentCallsOnOneLoop) {
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_max != RLIM_INFINITY && files.rlim_max < 2600)
        GTEST_SKIP() << "needs 2600 open files (client and upstream in one process)";
    if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < 2600) {
        files.rlim_cur = std::min<rlim_t>(files.rlim_max, 4096);
        setrlimit(RLIMIT_NOFILE, &files);
    }
    Upstream upstream;
    HttpClient http({.timeout = 20s, .limits = {.max_connections = 1000}});
    auto url = upstream.url("/slow?ms=300");
    auto started = std::chrono::steady_clock::now();
    std::vector<std::string> bodies = run_sync([&]() -> Task<std::vector<std::string>> {
        std::vector<Task<ClientResponse>> calls;
        for (int i = 0; i < 1000; ++i) calls.push_back(http.get(url));
        std::vector<ClientResponse> responses = co_await gather(std::move(calls));
        std::vector<std::string> texts;
        for (auto& r : responses) texts.push_back(r.text());
        co_return texts;
    }());
    auto took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(bodies.size(), 1000u);
    EXPECT_EQ(std::count(bodies.begin(), bodies.end(), "slow"), 1000);
    EXPECT_GE(upstream.state().slow_peak, 900) << "the calls did not overlap";
    EXPECT_LT(took, 10s);
}

TEST(ClientCookies, TheJarKeepsWhatServersSetAndSendsItBack) {
    Upstream upstream;
    HttpClient http;
    run_sync(http.get(upstream.url("/cookies/set?flavour=mint")));
    EXPECT_EQ(run_sync(http.get(upstream.url("/cookies"))).json().at("flavour"), "mint");
    auto jar = http.cookies();
    ASSERT_EQ(jar.size(), 1u);
    EXPECT_EQ(jar[0].name, "flavour");
    EXPECT_EQ(jar[0].value, "mint");
    EXPECT_EQ(jar[0].domain, "127.0.0.1");

    HttpClient other;  // a jar per client
    EXPECT_TRUE(run_sync(other.get(upstream.url("/cookies"))).json().as_object().empty());
}

// One client from two threads, each with its own loop (run_sync): each loop has its own
// multi handle and pool; the settings and the cookie jar (locked) are shared.
TEST(ClientCookies, OneClientFromTwoThreadsAtOnce) {
    Upstream upstream;
    HttpClient http;
    auto calls = [&](const std::string& name) {
        for (int i = 0; i < 25; ++i) {
            run_sync(http.get(upstream.url("/cookies/set?" + name + "=" + std::to_string(i))));
            EXPECT_EQ(run_sync(http.get(upstream.url("/json"))).status(), 200);
        }
    };
    std::thread a(calls, "a"), b(calls, "b");
    a.join();
    b.join();
    Json seen = run_sync(http.get(upstream.url("/cookies"))).json();
    EXPECT_EQ(seen.at("a"), "24");
    EXPECT_EQ(seen.at("b"), "24");
}

TEST(ClientCookies, GivenCookiesAndNoJar) {
    Upstream upstream;
    HttpClient seeded(
        {.base_url = upstream.url("/"), .cookies = {{.name = "token", .value = "t1"}}});
    EXPECT_EQ(run_sync(seeded.get("/cookies")).json().at("token"), "t1");

    HttpClient jarless({.cookie_jar = false});
    run_sync(jarless.get(upstream.url("/cookies/set?flavour=mint")));
    EXPECT_TRUE(run_sync(jarless.get(upstream.url("/cookies"))).json().as_object().empty());
    EXPECT_TRUE(jarless.cookies().empty());
    EXPECT_THROW(HttpClient({.cookie_jar = false, .cookies = {{.name = "a", .value = "b"}}}),
                 Error);
}

}  // namespace
}  // namespace vial::testing
