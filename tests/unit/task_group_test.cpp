#include <gtest/gtest.h>
#include <vial/cancel.hpp>
#include <vial/run_sync.hpp>
#include <vial/task_group.hpp>

namespace {

using namespace std::chrono_literals;

vial::Task<void> after(std::chrono::milliseconds d, int& counter) {
    co_await vial::sleep(d);
    ++counter;
}

vial::Task<void> fail_after(std::chrono::milliseconds d) {
    co_await vial::sleep(d);
    throw std::logic_error("member failed");
}

TEST(TaskGroup, JoinWaitsForEveryTaskWhileTheCallerWentOn) {
    int done = 0;
    int before_join = -1;
    vial::run_sync([&]() -> vial::Task<void> {
        vial::TaskGroup group;
        co_await group.start(after(20ms, done));
        co_await group.start(after(5ms, done));
        before_join = done;  // they run concurrently with us
        co_await group.join();
    }());
    EXPECT_EQ(before_join, 0);
    EXPECT_EQ(done, 2);
}

TEST(TaskGroup, JoinRethrowsTheFirstFailureAfterOthersFinish) {
    int done = 0;
    EXPECT_THROW(vial::run_sync([&]() -> vial::Task<void> {
                     vial::TaskGroup group;
                     co_await group.start(fail_after(1ms));
                     co_await group.start(after(20ms, done));
                     co_await group.join();
                 }()),
                 std::logic_error);
    EXPECT_EQ(done, 1);
}

TEST(TaskGroup, CancelStopsTheRunningTasks) {
    int done = 0;
    auto started = std::chrono::steady_clock::now();
    vial::run_sync([&]() -> vial::Task<void> {
        vial::TaskGroup group;
        co_await group.start(after(5s, done));
        co_await group.start(after(5s, done));
        co_await vial::sleep(5ms);
        group.cancel();
        co_await group.join();  // cancellation is not a failure
    }());
    EXPECT_EQ(done, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(TaskGroup, DestroyingAGroupCancelsItsTasks) {
    int done = 0;
    auto started = std::chrono::steady_clock::now();
    vial::run_sync([&]() -> vial::Task<void> {
        {
            vial::TaskGroup group;
            co_await group.start(after(5s, done));
        }
        co_return;
    }());
    EXPECT_EQ(done, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

}  // namespace
