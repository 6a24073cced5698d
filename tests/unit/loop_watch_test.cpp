// The stall watchdog's judgement of one loop (src/http/loop_watch.hpp), on made-up
// timelines: a loop that is stuck in one handler is blamed on it, a loop that is only
// busy with many short handlers is called saturated, and handlers that each run long
// but under the threshold are still blocking calls.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "http/loop_watch.hpp"

namespace vial::detail {
namespace {

constexpr std::int64_t kMs = 1'000'000;

// What the loop shows at time t (ms): its heartbeat (the ticker's last run) and its
// resumption count; and what it runs.
struct LoopState {
    std::int64_t beat_ms;
    std::uint64_t resumes;
    std::string running = "GET /x (endpoint 'x')";
};

// Checks every 25 ms from 25 to `until_ms` with a 100 ms threshold, as the watchdog
// does for the default stall threshold; returns every verdict that was not `none`.
std::vector<LoopVerdict> watch(const std::function<LoopState(std::int64_t)>& loop,
                               std::int64_t until_ms) {
    LoopWatch watch(100 * kMs, 25 * kMs);
    std::vector<LoopVerdict> verdicts;
    for (std::int64_t t = 25; t <= until_ms; t += 25) {
        LoopState state = loop(t);
        LoopVerdict v =
            watch.check(t * kMs, state.beat_ms * kMs, state.resumes, [&] { return state.running; });
        if (v.kind != LoopVerdict::Kind::none) verdicts.push_back(v);
    }
    return verdicts;
}

// On time: the ticker beats at every check and tasks resume steadily.
LoopState on_time(std::int64_t t) {
    return {t, static_cast<std::uint64_t>(t)};
}

// The count of a loop resuming a short task every 0.1 ms since 1000 ms.
std::uint64_t short_handlers(std::int64_t t) {
    return static_cast<std::uint64_t>(1000 + (t - 1000) * 10);
}

void expect_verdict(const LoopVerdict& verdict, LoopVerdict::Kind kind, std::int64_t min_ms,
                    std::int64_t max_ms) {
    EXPECT_EQ(verdict.kind, kind);
    EXPECT_GE(verdict.ms, min_ms);
    EXPECT_LE(verdict.ms, max_ms);
}

TEST(LoopWatch, AnOnTimeLoopIsNeitherBlockedNorSaturated) {
    EXPECT_TRUE(watch(on_time, 5000).empty());
}

TEST(LoopWatch, ALoopWithNoBeatYetIsNotJudged) {
    EXPECT_TRUE(watch([](std::int64_t) { return LoopState{0, 0}; }, 1000).empty());
}

TEST(LoopWatch, OneHandlerHoldingTheLoopIsBlockedForAboutAsLongAndNamed) {
    // A resumption at 1001 ms, then nothing until 1301 ms.
    auto loop = [](std::int64_t t) {
        if (t <= 1000) return on_time(t);
        if (t < 1301) return LoopState{1000, 1001, "GET /blocking (endpoint 'blocking')"};
        return LoopState{t, static_cast<std::uint64_t>(t)};
    };
    auto verdicts = watch(loop, 2000);
    ASSERT_EQ(verdicts.size(), 1u);
    expect_verdict(verdicts[0], LoopVerdict::Kind::blocked, 275, 350);
    EXPECT_EQ(verdicts[0].where, "GET /blocking (endpoint 'blocking')");
}

TEST(LoopWatch, ABlockJustOverTheThresholdIsStillBlocked) {
    // Resumed at 1001 ms (between two checks), held until 1130 ms: the one check that
    // sees the heartbeat late (at 1125) has seen the count still since 1025.
    auto loop = [](std::int64_t t) {
        if (t <= 1000) return on_time(t);
        if (t < 1130) return LoopState{1000, 1001};
        return on_time(t);
    };
    auto verdicts = watch(loop, 2000);
    ASSERT_EQ(verdicts.size(), 1u);
    EXPECT_EQ(verdicts[0].kind, LoopVerdict::Kind::blocked);
}

TEST(LoopWatch, ManyShortHandlersWithTheTickerLateAreSaturation) {
    // From 1000 to 1400 ms the loop resumes a task every 0.1 ms and its ticker waits.
    auto loop = [](std::int64_t t) {
        if (t <= 1000) return on_time(t);
        if (t < 1400) return LoopState{1000, short_handlers(t)};
        return LoopState{t, static_cast<std::uint64_t>(5000 + t)};
    };
    auto verdicts = watch(loop, 2000);
    ASSERT_EQ(verdicts.size(), 1u);
    expect_verdict(verdicts[0], LoopVerdict::Kind::saturated, 350, 425);
    EXPECT_TRUE(verdicts[0].where.empty());
}

TEST(LoopWatch, SlowHandlersOneAfterAnotherAreBlockingCalls) {
    // Ten handlers of 60 ms each (under the 100 ms threshold) from 1000 ms on.
    auto loop = [](std::int64_t t) {
        if (t <= 1000) return on_time(t);
        if (t < 1600)
            return LoopState{1000, static_cast<std::uint64_t>(1000 + (t - 1000) / 60),
                             "GET /slow-io (endpoint 'slow_io')"};
        return LoopState{t, static_cast<std::uint64_t>(2000 + t)};
    };
    auto verdicts = watch(loop, 2500);
    ASSERT_EQ(verdicts.size(), 1u);
    EXPECT_EQ(verdicts[0].kind, LoopVerdict::Kind::blocked);
    EXPECT_GE(verdicts[0].ms, 550);
    EXPECT_EQ(verdicts[0].where, "GET /slow-io (endpoint 'slow_io')");
}

TEST(LoopWatch, ABlockInsideABusySpellIsReportedOnItsOwn) {
    // Busy with short handlers 1000-1200 ms, stuck 1200-1500 ms, busy again until
    // 1600 ms, then on time.
    auto loop = [](std::int64_t t) {
        if (t <= 1000) return on_time(t);
        if (t < 1200) return LoopState{1000, short_handlers(t)};
        if (t < 1500)
            return LoopState{1000, short_handlers(1200), "GET /blocking (endpoint 'blocking')"};
        if (t < 1600) return LoopState{1000, short_handlers(t)};
        return LoopState{t, static_cast<std::uint64_t>(10000 + t)};
    };
    auto verdicts = watch(loop, 2500);
    ASSERT_EQ(verdicts.size(), 2u);
    expect_verdict(verdicts[0], LoopVerdict::Kind::blocked, 275, 350);
    EXPECT_EQ(verdicts[0].where, "GET /blocking (endpoint 'blocking')");
    // The busy spell after the block, without the block in it.
    expect_verdict(verdicts[1], LoopVerdict::Kind::saturated, 0, 150);
}

}  // namespace
}  // namespace vial::detail
