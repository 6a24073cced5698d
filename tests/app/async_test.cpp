// Async views as the seeds describe them: awaits inside a view, gather overlapping waits.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

namespace {

using namespace std::chrono_literals;

vial::Task<int> slow_value(int v) {
    co_await vial::sleep(50ms);
    co_return v;
}

TEST(AsyncViews, AnAsyncViewIsCalledLikeASyncOne) {
    vial::App app;
    app.get("/sync", [](vial::Request&) { return vial::Json{{"v", 1}}; });
    app.get("/async", [](vial::Request&) -> vial::Task<vial::Json> {
        int v = co_await slow_value(1);  // g++ 12 miscompiles co_await inside a braced list
        co_return vial::Json{{"v", v}};
    });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/sync").json(), c.get("/async").json());
}

TEST(AsyncViews, GatherOverlapsThreeFiftyMillisecondWaits) {
    vial::App app;
    app.get("/three", [](vial::Request&) -> vial::Task<vial::Json> {
        auto [a, b, c] = co_await vial::gather(slow_value(1), slow_value(2), slow_value(3));
        co_return vial::Json{{"sum", a + b + c}};
    });
    vial::TestClient c{app};
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(c.get("/three").json().at("sum"), 6);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 140ms);
}

TEST(AsyncViews, EveryResultTypeWorksAsync) {
    vial::App app;
    app.get("/s", [](vial::Request&) -> vial::Task<std::string> { co_return "s"; });
    app.get("/p", [](vial::Request&) -> vial::Task<std::pair<std::string, int>> {
        co_return std::pair<std::string, int>{"p", 202};
    });
    app.get("/r",
            [](vial::Request&) -> vial::Task<vial::Response> { co_return vial::Response(204); });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/s").text(), "s");
    EXPECT_EQ(c.get("/p").status(), 202);
    EXPECT_EQ(c.get("/r").status(), 204);
}

TEST(AsyncViews, CapturedStateLivesAsLongAsTheApp) {
    vial::App app;
    auto counter = std::make_shared<int>(0);
    app.get("/count", [counter](vial::Request&) -> vial::Task<std::string> {
        co_await vial::sleep(1ms);  // the closure must still be alive after resuming
        co_return std::to_string(++*counter);
    });
    vial::TestClient c{app};
    c.get("/count");
    EXPECT_EQ(c.get("/count").text(), "2");
}

}  // namespace

namespace {

TEST(BlockingViews, RunOnThePoolAndAnswerLikeAnyView) {
    vial::App app;
    app.get(
        "/blocking-on-pool", vial::blocking([](vial::Request& req) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));  // blocking is fine here
            return vial::Json{{"ms", req.args().get<int>("ms", 20)}};
        }));
    app.get("/offload", [](vial::Request&) -> vial::Task<std::string> {
        auto v = co_await vial::to_thread([] { return std::string("computed off the loop"); });
        co_return v;
    });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/blocking-on-pool?ms=5").json().at("ms"), 5);
    EXPECT_EQ(c.get("/offload").text(), "computed off the loop");
}

}  // namespace
