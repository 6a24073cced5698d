#include <gtest/gtest.h>
#include <vial/cancel.hpp>
#include <vial/gather.hpp>
#include <vial/run_sync.hpp>
#include <vial/to_thread.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

vial::Task<int> after(std::chrono::milliseconds delay, int value) {
    co_await vial::sleep(delay);
    co_return value;
}

vial::Task<int> fail_after(std::chrono::milliseconds delay) {
    co_await vial::sleep(delay);
    throw std::invalid_argument("price service said no");
}

vial::Task<void> nothing() {
    co_return;
}

struct Flag {
    bool finished = false;
    bool cancelled = false;
};

vial::Task<int> long_wait(Flag& flag) {
    try {
        co_await vial::sleep(5s);
    } catch (...) {
        flag.cancelled = true;
        throw;
    }
    flag.finished = true;
    co_return 1;
}

TEST(Gather, TupleOfResultsInArgumentOrder) {
    auto [a, b, c] = vial::run_sync(vial::gather(after(30ms, 1), after(10ms, 2), after(20ms, 3)));
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, 2);
    EXPECT_EQ(c, 3);
}

TEST(Gather, WaitsOverlap) {
    auto started = Clock::now();
    vial::run_sync(vial::gather(after(50ms, 1), after(50ms, 2), after(50ms, 3)));
    EXPECT_LT(Clock::now() - started, 140ms);
}

TEST(Gather, VoidTasksGiveMonostate) {
    auto [x, y] = vial::run_sync(vial::gather(nothing(), after(1ms, 5)));
    EXPECT_EQ(x, std::monostate{});
    EXPECT_EQ(y, 5);
}

TEST(Gather, RangeFormKeepsInputOrder) {
    std::vector<vial::Task<int>> tasks;
    for (int i = 0; i < 10; ++i) tasks.push_back(after(std::chrono::milliseconds(10 - i), i));
    auto values = vial::run_sync(vial::gather(std::move(tasks)));
    ASSERT_EQ(values.size(), 10u);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(values[i], i);
}

TEST(Gather, EmptyRangeIsEmpty) {
    auto values = vial::run_sync(vial::gather(std::vector<vial::Task<int>>{}));
    EXPECT_TRUE(values.empty());
}

TEST(Gather, FirstFailureCancelsTheOthersAndIsRethrownAsIs) {
    Flag flag;
    auto started = Clock::now();
    try {
        vial::run_sync(vial::gather(long_wait(flag), fail_after(10ms)));
        FAIL() << "gather should have thrown";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "price service said no");
    }
    EXPECT_TRUE(flag.cancelled);
    EXPECT_FALSE(flag.finished);
    EXPECT_LT(Clock::now() - started, 2s);
}

TEST(Gather, RangeFormRethrowsTheOriginalException) {
    Flag flag;
    std::vector<vial::Task<int>> tasks;
    tasks.push_back(long_wait(flag));
    tasks.push_back(fail_after(5ms));
    EXPECT_THROW(vial::run_sync(vial::gather(std::move(tasks))), std::invalid_argument);
    EXPECT_TRUE(flag.cancelled);
}

vial::Task<int> ready(int value) {
    co_return value;
}

vial::Task<int> fail_at_once() {
    throw std::invalid_argument("refused before any wait");
    co_return 0;
}

// Branches that end before their first wait end inside the join's start: the caller
// still resumes once, with every result.
TEST(Gather, TasksThatNeverWaitAreGatheredToo) {
    auto [a, b, c] = vial::run_sync(vial::gather(ready(1), after(1ms, 2), ready(3)));
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, 2);
    EXPECT_EQ(c, 3);

    std::vector<vial::Task<int>> tasks;
    for (int i = 0; i < 1000; ++i) tasks.push_back(ready(i));
    auto values = vial::run_sync(vial::gather(std::move(tasks)));
    ASSERT_EQ(values.size(), 1000u);
    EXPECT_EQ(values[999], 999);
}

// Joins over tasks that never wait, one after another in one coroutine: each resumes
// its caller from the loop, not nested inside the previous one (which would grow the
// stack by a frame per join until it overflows).
TEST(Gather, ManyJoinsOfTasksThatNeverWaitDoNotGrowTheStack) {
    auto many = []() -> vial::Task<long> {
        long sum = 0;
        for (int i = 0; i < 200000; ++i) {
            auto [a, b] = co_await vial::gather(ready(1), ready(2));
            sum += a + b + co_await vial::timeout(1s, ready(3));
        }
        co_return sum;
    };
    EXPECT_EQ(vial::run_sync(many()), 200000L * 6);
}

// A failure before the first wait cancels the rest as any failure does: a task after it
// never finishes (it is not started, or cancelled at its first wait).
TEST(Gather, AFailureBeforeAnyWaitCancelsTheOthers) {
    Flag flag;
    auto started = Clock::now();
    EXPECT_THROW(vial::run_sync(vial::gather(fail_at_once(), long_wait(flag))),
                 std::invalid_argument);
    EXPECT_FALSE(flag.finished);
    EXPECT_LT(Clock::now() - started, 2s);

    Flag other;
    auto first = vial::run_sync(vial::first_of(ready(4), long_wait(other)));
    ASSERT_EQ(first.index(), 0u);
    EXPECT_EQ(std::get<0>(first), 4);
    EXPECT_FALSE(other.finished);
    EXPECT_EQ(vial::run_sync(vial::timeout(1s, ready(5))), 5);
}

TEST(RunSync, ReturnsValueAndRethrows) {
    EXPECT_EQ(vial::run_sync(after(1ms, 9)), 9);
    EXPECT_THROW(vial::run_sync(fail_after(1ms)), std::invalid_argument);
}

}  // namespace

namespace {

// A result type with neither a default constructor nor a copy: gather, timeout, first_of
// and to_thread move it from where it was produced to the caller.
struct Ticket {
    explicit Ticket(int n) : number(std::make_unique<int>(n)) {}
    std::unique_ptr<int> number;
};

vial::Task<Ticket> ticket_after(std::chrono::milliseconds delay, int n) {
    co_await vial::sleep(delay);
    co_return Ticket(n);
}

}  // namespace

TEST(Gather, ResultsNeedNeitherADefaultConstructorNorACopy) {
    auto [a, b] = vial::run_sync(vial::gather(ticket_after(5ms, 1), ticket_after(1ms, 2)));
    EXPECT_EQ(*a.number, 1);
    EXPECT_EQ(*b.number, 2);

    std::vector<vial::Task<Ticket>> tasks;
    for (int i = 0; i < 3; ++i) tasks.push_back(ticket_after(std::chrono::milliseconds(3 - i), i));
    auto tickets = vial::run_sync(vial::gather(std::move(tasks)));
    ASSERT_EQ(tickets.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(*tickets[i].number, i);

    Ticket in_time = vial::run_sync(vial::timeout(1s, ticket_after(1ms, 7)));
    EXPECT_EQ(*in_time.number, 7);
    auto raced = vial::run_sync(vial::first_of(ticket_after(50ms, 8), ticket_after(1ms, 9)));
    ASSERT_EQ(raced.index(), 1u);
    EXPECT_EQ(*std::get<1>(raced).number, 9);
    Ticket from_pool = vial::run_sync(vial::to_thread([] { return Ticket(10); }));
    EXPECT_EQ(*from_pool.number, 10);
}
