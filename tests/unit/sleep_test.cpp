// vial::sleep is awaited in place (no coroutine of its own); these pin down that it
// still behaves as the Task it used to be: cancellable with vial::Cancelled, and usable
// wherever a Task<void> is (gather, first_of, timeout, a variable).
#include <gtest/gtest.h>
#include <vial/cancel.hpp>
#include <vial/gather.hpp>
#include <vial/run_sync.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <variant>

namespace {

using namespace std::chrono_literals;

// An hour-long sleep that is cut short: if cancellation did not reach its timer, the test
// would hang (and fail on ctest's timeout), not pass late.
TEST(Sleep, ATimeoutCutsAnHourLongSleep) {
    EXPECT_THROW(vial::run_sync(vial::timeout(10ms, vial::sleep(1h))), vial::TimeoutError);
}

TEST(Sleep, ACancelledSleepThrowsCancelled) {
    boost::asio::io_context context;
    boost::asio::cancellation_signal signal;
    std::string caught;
    auto sleeper = [&]() -> vial::Task<void> {
        try {
            co_await vial::sleep(1h);
            caught = "none";
        } catch (const vial::Cancelled& e) {
            caught = e.what();
        }
    };
    boost::asio::co_spawn(
        context, sleeper(),
        boost::asio::bind_cancellation_slot(signal.slot(), boost::asio::detached));
    context.run_one();  // the sleep has started
    boost::asio::post(context, [&] { signal.emit(boost::asio::cancellation_type::terminal); });
    context.run();
    EXPECT_EQ(caught, "sleep was cancelled");
}

// A sleep on an event loop keeps its timer in the awaiting frame; on any other executor
// (a strand, a user's thread pool) it takes one of its own: both wait, and both cancel.
TEST(Sleep, SleepsOnAStrandAndOnAThreadPool) {
    auto timed = []() -> vial::Task<bool> {
        auto started = std::chrono::steady_clock::now();
        co_await vial::sleep(20ms);
        co_return std::chrono::steady_clock::now() - started >= 20ms;
    };
    auto cut = []() -> vial::Task<bool> {
        try {
            co_await vial::timeout(10ms, vial::sleep(1h));
        } catch (const vial::TimeoutError&) {
            co_return true;
        }
        co_return false;
    };
    boost::asio::io_context context;
    auto strand = boost::asio::make_strand(context);
    auto on_strand = boost::asio::co_spawn(strand, timed(), boost::asio::use_future);
    auto cut_on_strand = boost::asio::co_spawn(strand, cut(), boost::asio::use_future);
    context.run();
    EXPECT_TRUE(on_strand.get());
    EXPECT_TRUE(cut_on_strand.get());

    boost::asio::thread_pool pool(1);
    EXPECT_TRUE(boost::asio::co_spawn(pool, timed(), boost::asio::use_future).get());
    EXPECT_TRUE(boost::asio::co_spawn(pool, cut(), boost::asio::use_future).get());
    pool.join();
}

TEST(Sleep, SleepsInSequenceAndAsAVariable) {
    auto twice = []() -> vial::Task<int> {
        co_await vial::sleep(1ms);
        vial::Task<void> later = vial::sleep(1ms);  // converts to a Task of its own
        co_await std::move(later);
        co_await vial::sleep(0ms);
        vial::Sleep named = vial::sleep(1ms);
        co_await std::move(named);
        co_await std::move(named);  // a second wait of its own (a fresh timer)
        co_return 2;
    };
    EXPECT_EQ(vial::run_sync(twice()), 2);
}

vial::Task<int> answer_after(std::chrono::milliseconds delay, int value) {
    co_await vial::sleep(delay);
    co_return value;
}

TEST(Sleep, MixesWithTasksInGatherFirstOfAndTimeout) {
    auto [slept, value] = vial::run_sync(vial::gather(vial::sleep(1ms), answer_after(1ms, 5)));
    EXPECT_EQ(value, 5);
    (void)slept;

    auto raced = vial::run_sync(vial::first_of(vial::sleep(1h), answer_after(1ms, 6)));
    ASSERT_EQ(raced.index(), 1u);
    EXPECT_EQ(std::get<1>(raced), 6);

    auto deadline = vial::run_sync(vial::first_of(answer_after(1h, 7), vial::sleep(1ms)));
    EXPECT_EQ(deadline.index(), 1u);

    vial::run_sync(vial::timeout(1h, vial::sleep(1ms)));  // finishes well within
}

}  // namespace
