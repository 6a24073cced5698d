#include <gtest/gtest.h>
#include <vial/gather.hpp>
#include <vial/run_sync.hpp>
#include <vial/to_thread.hpp>

#include <atomic>
#include <thread>

namespace {

using namespace std::chrono_literals;

// A small pool for this binary: 2 threads and a queue of 2 (ctest runs each test in its
// own process; running the binary whole also works since every test expects this size).
const bool kConfigured = [] {
    vial::configure_blocking_pool(2, 2);
    return true;
}();

TEST(ToThread, ReturnsTheValueAndResumesOnTheCallersThread) {
    auto body = []() -> vial::Task<bool> {
        auto loop_thread = std::this_thread::get_id();
        auto worker = co_await vial::to_thread([] { return std::this_thread::get_id(); });
        co_return worker != loop_thread&& std::this_thread::get_id() == loop_thread;
    };
    EXPECT_TRUE(vial::run_sync(body()));
}

TEST(ToThread, PropagatesExceptionsAndVoid) {
    EXPECT_THROW(
        vial::run_sync(vial::to_thread([]() -> int { throw std::invalid_argument("bad"); })),
        std::invalid_argument);
    std::atomic<int> ran{0};
    vial::run_sync(vial::to_thread([&] { ++ran; }));
    EXPECT_EQ(ran, 1);
}

TEST(ToThread, TheLoopStaysFreeWhileWorkBlocks) {
    // A 200 ms blocking job and ten 10 ms timers on the same loop: the timers do not wait.
    auto body = []() -> vial::Task<std::chrono::steady_clock::duration> {
        auto started = std::chrono::steady_clock::now();
        std::chrono::steady_clock::duration timers_done{};
        auto timers = [&]() -> vial::Task<void> {
            for (int i = 0; i < 10; ++i) co_await vial::sleep(10ms);
            timers_done = std::chrono::steady_clock::now() - started;
        };
        co_await vial::gather(vial::to_thread([] { std::this_thread::sleep_for(200ms); }),
                              timers());
        co_return timers_done;
    };
    EXPECT_LT(vial::run_sync(body()), 190ms);
}

TEST(ToThread, SaturatedPoolAnswers503InsteadOfQueueingForever) {
    auto body = []() -> vial::Task<int> {
        std::vector<vial::Task<void>> jobs;
        for (int i = 0; i < 4; ++i)
            jobs.push_back(vial::to_thread([] { std::this_thread::sleep_for(100ms); }));
        auto all = vial::gather(std::move(jobs));  // not started yet: tasks are lazy
        int status = 0;
        try {
            co_await vial::gather(std::move(all),
                                  vial::to_thread([] { std::this_thread::sleep_for(100ms); }),
                                  vial::to_thread([] {}));
        } catch (const vial::HttpError& e) {
            status = e.status();
        }
        co_return status;
    };
    EXPECT_EQ(vial::run_sync(body()), 503);
    EXPECT_EQ(vial::blocking_pool_stats().threads, 2u);
}

}  // namespace
