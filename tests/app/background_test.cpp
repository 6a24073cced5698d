// Background tasks outlive the response; failures are logged, never fatal.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <atomic>
#include <thread>

namespace {

using namespace std::chrono_literals;

vial::Task<void> mark_later(std::shared_ptr<std::atomic<int>> done,
                            std::chrono::milliseconds delay) {
    co_await vial::sleep(delay);
    ++*done;
}

vial::Task<void> fail_later() {
    co_await vial::sleep(1ms);
    throw std::runtime_error("background boom");
}

// A background task waiting on the blocking pool when its client goes: the pool thread
// will still post the result to the client's loop, so the client must outlive that post.
TEST(Background, AClientWaitsForPoolJobsBeforeItsLoopGoes) {
    auto job_finished = std::make_shared<std::atomic<bool>>(false);
    {
        vial::App app;
        app.post("/offload", [job_finished](vial::Request&) -> vial::Task<std::string> {
            // Lambdas named before the co_await: g++ 12 may destroy a lambda temporary
            // inside a co_await expression twice (docs/async.md, "g++ 12 notes").
            auto job = [](std::shared_ptr<std::atomic<bool>> finished) -> vial::Task<void> {
                auto work = [finished] {
                    std::this_thread::sleep_for(100ms);
                    *finished = true;
                };
                co_await vial::to_thread(work);
            };
            auto task = job(job_finished);
            co_await vial::spawn(std::move(task), "offloaded job");
            co_return "started";
        });
        vial::TestClient c{app};
        EXPECT_EQ(c.post("/offload").text(), "started");
        EXPECT_FALSE(*job_finished);
    }  // the client goes while the job runs
    EXPECT_TRUE(*job_finished);
}

TEST(Background, SpawnedTaskCompletesAfterTheResponse) {
    auto done = std::make_shared<std::atomic<int>>(0);
    vial::App app;
    app.post("/tasks", [done](vial::Request&) -> vial::Task<std::pair<vial::Json, int>> {
        co_await vial::spawn(mark_later(done, 50ms), "mark_later");
        co_return std::pair<vial::Json, int>{vial::Json{{"state", "accepted"}}, 202};
    });
    vial::TestClient c{app};
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(c.post("/tasks").status(), 202);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 40ms);  // did not wait for the task
    EXPECT_EQ(*done, 0);
    EXPECT_TRUE(c.wait_background());
    EXPECT_EQ(*done, 1);
}

TEST(Background, ContextSpawnIsTheSame) {
    auto done = std::make_shared<std::atomic<int>>(0);
    vial::App app;
    app.get("/ctx", [done](vial::RequestContext& ctx) -> vial::Task<std::string> {
        co_await ctx.spawn(mark_later(done, 5ms), "from ctx");
        co_return "ok";
    });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/ctx").text(), "ok");
    EXPECT_TRUE(c.wait_background());
    EXPECT_EQ(*done, 1);
}

TEST(Background, AFailingTaskIsLoggedAndCounted) {
    vial::App app;
    app.get("/fire", [](vial::Request&) -> vial::Task<std::string> {
        co_await vial::spawn(fail_later(), "fail_later");
        co_return "fired";
    });
    vial::TestClient c{app};
    auto before = vial::background_stats().failed;
    EXPECT_EQ(c.get("/fire").text(), "fired");
    EXPECT_TRUE(c.wait_background());
    EXPECT_EQ(vial::background_stats().failed, before + 1);
    EXPECT_EQ(c.get("/fire").status(), 200);  // and the app goes on
}

TEST(Background, TaskGroupLikeJoinWithGather) {
    // Request-scoped structured concurrency: tasks joined before the view returns.
    vial::App app;
    app.get("/joined", [](vial::Request&) -> vial::Task<std::string> {
        auto done = std::make_shared<std::atomic<int>>(0);
        co_await vial::gather(mark_later(done, 5ms), mark_later(done, 10ms));
        co_return std::to_string(done->load());
    });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/joined").text(), "2");
}

}  // namespace
