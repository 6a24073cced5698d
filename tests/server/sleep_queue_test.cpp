// On a server loop every vial::sleep waits in the loop's own queue (one timer for all,
// src/runtime/sleep_queue.hpp). These pin down what a view relies on: each sleep lasts its
// own time however the others are ordered, cancelled ones leave the queue, a zero sleep
// yields to other requests, and a loop torn down under sleeping views frees them.
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <atomic>
#include <random>
#include <vector>

#include "server_fixture.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string get(std::string_view target) {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n\r\n";
}

// A long sleep queued first does not hold up a shorter one queued after it (the shorter
// is the new earliest: the loop's timer is re-armed for it), and none ends early.
TEST(SleepQueue, EachSleepLastsItsOwnTimeWhateverTheOrder) {
    App app("naps");
    app.get("/nap", [](Request& req) -> Task<std::string> {
        int ms = req.args().get<int>("ms", 0);
        auto started = Clock::now();
        co_await vial::sleep(std::chrono::milliseconds(ms));
        co_return std::to_string(ms_since(started));
    });
    Server server(app, {.port = 0, .threads = 1, .quiet = true});
    server.start();

    const std::vector<int> naps = {900, 40, 600, 0, 250, 10, 400, 120};
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int ms : naps) {
        clients.push_back(std::make_unique<RawClient>(server.port()));
        clients.back()->send(get("/nap?ms=" + std::to_string(ms)));
        std::this_thread::sleep_for(2ms);  // queued in this order
    }
    for (std::size_t i = 0; i < naps.size(); ++i) {
        RawResponse response = clients[i]->read_response();
        ASSERT_EQ(response.status, 200) << "nap of " << naps[i] << " ms";
        double slept = std::stod(response.body);
        EXPECT_GE(slept, naps[i]) << "a nap of " << naps[i] << " ms ended early";
        EXPECT_LT(slept, naps[i] + 300) << "a nap of " << naps[i] << " ms was held up";
    }
}

// Hundreds of races between two sleeps in one view: every loser is cancelled out of the
// middle of the queue, and every winner still ends at its own time.
TEST(SleepQueue, CancelledSleepsLeaveTheQueueAndTheRestKeepTheirTimes) {
    App app("races");
    app.get("/races", [](Request&) -> Task<std::string> {
        std::minstd_rand random(12345);
        std::uniform_int_distribution<int> ms(1, 500);
        auto race = [](int a, int b) -> Task<std::string> {
            auto started = Clock::now();
            co_await vial::first_of(vial::sleep(std::chrono::milliseconds(a)),
                                    vial::sleep(std::chrono::milliseconds(b)));
            double took = ms_since(started);
            int expected = std::min(a, b);
            if (took < expected || took > expected + 150)
                co_return "a race of " + std::to_string(a) + " and " + std::to_string(b) +
                    " ms took " + std::to_string(took) + " ms; ";
            co_return "";
        };
        std::vector<Task<std::string>> races;
        for (int i = 0; i < 300; ++i) races.push_back(race(ms(random), ms(random)));
        std::string problems;
        for (auto& problem : co_await vial::gather(std::move(races))) problems += problem;
        co_return problems.empty() ? "all on time" : problems;
    });
    Server server(app, {.port = 0, .threads = 1, .quiet = true});
    server.start();
    RawClient client(server.port());
    client.send(get("/races"));
    RawResponse response = client.read_response();
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "all on time");
}

// A view that sleeps for no time, over and over, lets the loop read other requests in
// between: here the only way its loop ends is another request arriving.
TEST(SleepQueue, AZeroSleepYieldsToOtherRequests) {
    auto stop = std::make_shared<std::atomic<bool>>(false);
    App app("yields");
    app.get("/spin", [stop](Request&) -> Task<std::string> {
        int turns = 0;
        while (!stop->load()) {
            co_await vial::sleep(0ms);
            ++turns;
        }
        co_return turns > 0 ? "spun, then stopped" : "never spun";
    });
    app.get("/stop", [stop](Request&) {
        stop->store(true);
        return std::string("ok");
    });
    Server server(app, {.port = 0, .threads = 1, .quiet = true});
    server.start();
    RawClient spinner(server.port());
    spinner.send(get("/spin"));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(roundtrip(server.port(), get("/stop")).body, "ok");
    EXPECT_EQ(spinner.read_response().body, "spun, then stopped");
}

// A view that does nothing but yield (sleeps of no time) is cancelled like any other
// sleeper when its client leaves: its yield throws vial::Cancelled.
TEST(SleepQueue, AYieldingViewIsCancelledWithCancelled) {
    auto cancelled = std::make_shared<std::atomic<int>>(0);
    App app("yield-cancel");
    app.get("/yield", [cancelled](Request&) -> Task<std::string> {
        try {
            for (;;) co_await vial::sleep(0ms);
        } catch (const Cancelled&) {
            ++*cancelled;
            throw;
        }
    });
    Server server(app, {.port = 0, .threads = 1, .quiet = true});
    server.start();
    RawClient client(server.port());
    client.send(get("/yield"));
    std::this_thread::sleep_for(100ms);
    client.reset();
    EXPECT_TRUE(eventually([&] { return cancelled->load() == 1; }, 3s));
}

// A view that refuses to stop (it swallows the shutdown's cancellation and sleeps on) is
// still freed when stop() destroys the loops: its frame, and what it holds, are destroyed.
TEST(SleepQueue, ALoopTornDownUnderASleepingViewFreesIt) {
    struct Guard {
        std::shared_ptr<std::atomic<int>> destroyed;
        ~Guard() { ++*destroyed; }
    };
    auto destroyed = std::make_shared<std::atomic<int>>(0);
    auto sleeping = std::make_shared<std::atomic<int>>(0);
    App app("stubborn");
    app.get("/stubborn", [destroyed, sleeping](Request&) -> Task<std::string> {
        Guard guard{destroyed};
        try {
            co_await vial::sleep(1h);
        } catch (const Cancelled&) {
        }
        co_await boost::asio::this_coro::reset_cancellation_state();
        ++*sleeping;
        co_await vial::sleep(1h);
        co_return "never";
    });
    Server server(app, {.port = 0,
                        .threads = 1,
                        .quiet = true,
                        .shutdown_timeout = std::chrono::milliseconds(100)});
    server.start();
    RawClient client(server.port());
    client.send(get("/stubborn"));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(destroyed->load(), 0);
    server.stop();
    EXPECT_EQ(sleeping->load(), 1);
    EXPECT_EQ(destroyed->load(), 1);
}

}  // namespace
}  // namespace vial::testing
