// Per-route and app-wide view timeouts: the view is cancelled, the client gets 503,
// teardown hooks still run.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <atomic>

namespace {

using namespace std::chrono_literals;

TEST(ViewTimeout, SlowViewIsCancelledWith503AndTeardownRuns) {
    auto observed = std::make_shared<std::atomic<int>>(0);
    auto torn_down = std::make_shared<std::atomic<bool>>(false);
    vial::App app;
    app.get("/slow",
            [observed](vial::Request&) -> vial::Task<std::string> {
                try {
                    co_await vial::sleep(5s);
                } catch (const vial::Cancelled&) {
                    ++*observed;
                    throw;
                }
                co_return "late";
            },
            {.timeout = 30ms});
    app.teardown_request([torn_down](std::exception_ptr e) -> vial::Task<void> {
        co_await vial::sleep(1ms);  // teardown can still await
        *torn_down = e != nullptr;
    });
    vial::TestClient c{app};
    auto started = std::chrono::steady_clock::now();
    auto r = c.get("/slow");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_EQ(r.status(), 503);
    EXPECT_NE(r.text().find("longer than 30 ms"), std::string::npos);
    EXPECT_EQ(*observed, 1);
    EXPECT_TRUE(*torn_down);
}

TEST(ViewTimeout, FastViewIsUntouchedAndTheMessageIsConfigurable) {
    vial::App app;
    app.get("/fast", [](vial::Request&) { return "fast"; }, {.timeout = 1s});
    app.get("/slow", [](vial::Request&) -> vial::Task<std::string> {
        co_await vial::sleep(5s);
        co_return "late";
    });
    app.config().set("VIEW_TIMEOUT_MS", 20);  // app-wide default
    app.errorhandler(503, [](const vial::HttpError&) {
        return std::pair<std::string, int>{"busy, retry", 503};
    });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/fast").text(), "fast");
    auto slow = c.get("/slow");
    EXPECT_EQ(slow.status(), 503);
    EXPECT_EQ(slow.text(), "busy, retry");
}

}  // namespace
