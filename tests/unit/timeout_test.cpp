#include <gtest/gtest.h>
#include <vial/cancel.hpp>
#include <vial/run_sync.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace {

using namespace std::chrono_literals;

struct Flags {
    bool cancelled = false;
    bool cleaned_up = false;
};

vial::Task<int> slow(Flags& flags, std::chrono::milliseconds delay) {
    try {
        co_await vial::sleep(delay);
    } catch (const vial::Cancelled&) {
        flags.cancelled = true;
    }
    if (flags.cancelled) {
        co_await vial::clear_cancellation();  // cleanup that must await after cancellation
        co_await vial::sleep(1ms);
        flags.cleaned_up = true;
        throw vial::Cancelled();
    }
    co_return 7;
}

TEST(Timeout, ReturnsTheResultInTime) {
    Flags flags;
    EXPECT_EQ(vial::run_sync(vial::timeout(1s, slow(flags, 5ms))), 7);
    EXPECT_FALSE(flags.cancelled);
}

TEST(Timeout, CancelsTheInnerTaskAndThrowsTimeoutError) {
    Flags flags;
    auto started = std::chrono::steady_clock::now();
    try {
        vial::run_sync(vial::timeout(20ms, slow(flags, 5s)));
        FAIL() << "expected TimeoutError";
    } catch (const vial::TimeoutError& e) {
        EXPECT_NE(std::string(e.what()).find("20 ms"), std::string::npos);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_TRUE(flags.cancelled);
    EXPECT_TRUE(flags.cleaned_up);  // clear_cancellation let the cleanup await
}

// The caller of timeout() is cancelled (its client left) while the task finishes some
// work it cannot drop: what reaches the caller is the cancellation, not a TimeoutError
// (the deadline did not pass).
TEST(Timeout, ACancelledCallerGetsCancelledNotTimeoutError) {
    boost::asio::io_context context;
    boost::asio::cancellation_signal signal;
    std::exception_ptr outcome;
    bool done = false;
    auto stubborn = []() -> vial::Task<void> {
        try {
            co_await vial::sleep(5s);
        } catch (const vial::Cancelled&) {
        }
        co_await vial::clear_cancellation();
        co_await vial::sleep(30ms);
    };
    boost::asio::co_spawn(
        context, vial::timeout(5s, stubborn()),
        boost::asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr error) {
            outcome = error;
            done = true;
        }));
    boost::asio::steady_timer client_leaves(context, 20ms);
    client_leaves.async_wait(
        [&](boost::system::error_code) { signal.emit(boost::asio::cancellation_type::terminal); });
    auto started = std::chrono::steady_clock::now();
    context.run();
    ASSERT_TRUE(done);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    ASSERT_TRUE(outcome);
    EXPECT_THROW(std::rethrow_exception(outcome), vial::Cancelled);
}

TEST(Timeout, PassesTheTasksOwnExceptionThrough) {
    auto failing = []() -> vial::Task<void> {
        co_await vial::sleep(1ms);
        throw std::domain_error("inner");
    };
    EXPECT_THROW(vial::run_sync(vial::timeout(1s, failing())), std::domain_error);
}

vial::Task<std::string> word_after(std::chrono::milliseconds d, std::string word) {
    co_await vial::sleep(d);
    co_return word;
}

TEST(FirstOf, TheFasterWinsAndTheSlowerIsCancelled) {
    Flags flags;
    auto started = std::chrono::steady_clock::now();
    auto result = vial::run_sync(vial::first_of(slow(flags, 5s), word_after(10ms, "fast")));
    ASSERT_EQ(result.index(), 1u);
    EXPECT_EQ(std::get<1>(result), "fast");
    EXPECT_TRUE(flags.cancelled);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);

    auto other = vial::run_sync(vial::first_of(word_after(1ms, "a"), word_after(200ms, "b")));
    EXPECT_EQ(std::get<0>(other), "a");
}

TEST(FirstOf, AFailureThatFinishesFirstIsRethrown) {
    auto failing = []() -> vial::Task<void> {
        co_await vial::sleep(1ms);
        throw std::domain_error("lost");
    };
    EXPECT_THROW(vial::run_sync(vial::first_of(failing(), word_after(1s, "late"))),
                 std::domain_error);
}

TEST(Timeout, IsCancellationRecognisesBothKinds) {
    EXPECT_TRUE(vial::is_cancellation(std::make_exception_ptr(vial::Cancelled())));
    EXPECT_TRUE(vial::is_cancellation(std::make_exception_ptr(
        boost::system::system_error(boost::asio::error::operation_aborted))));
    EXPECT_FALSE(vial::is_cancellation(std::make_exception_ptr(std::runtime_error("x"))));
}

}  // namespace
