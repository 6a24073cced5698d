// Micro-benchmarks of the per-request pieces: route matching, dispatch through the
// test client path, response serialization, and the async path's join and sleeps on a
// server loop.
#include <benchmark/benchmark.h>
#include <vial/vial.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/dispatcher.hpp"
#include "core/json_text.hpp"
#include "core/route_table.hpp"
#include "http/response_writer.hpp"
#include "runtime/activity.hpp"
#include "showcase.hpp"

namespace {

void BM_RouteMatchStatic(benchmark::State& state) {
    auto app = make_app();
    const auto& table = app->dispatcher().route_table();
    for (auto _ : state) benchmark::DoNotOptimize(table.match("/plaintext", "GET"));
}
BENCHMARK(BM_RouteMatchStatic);

void BM_RouteMatchDynamic(benchmark::State& state) {
    auto app = make_app();
    const auto& table = app->dispatcher().route_table();
    for (auto _ : state) benchmark::DoNotOptimize(table.match("/items/12345", "GET"));
}
BENCHMARK(BM_RouteMatchDynamic);

void BM_TestClientPlaintext(benchmark::State& state) {
    auto app = make_app();
    vial::TestClient client{*app};
    for (auto _ : state) benchmark::DoNotOptimize(client.get("/plaintext"));
}
BENCHMARK(BM_TestClientPlaintext);

void BM_WriteResponse(benchmark::State& state) {
    vial::Response response("Hello, World!", 200, "text/plain");
    std::string out;
    vial::detail::ResponseFraming framing{.date = "Sat, 21 Nov 2026 22:00:00 GMT"};
    for (auto _ : state) {
        out.clear();
        vial::detail::write_response(response, framing, out);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_WriteResponse);

// The JSON documents a view returns, as text: TechEmpower's /json message, twenty
// /queries rows, and one long string.
vial::Json json_document(std::int64_t shape) {
    if (shape == 0) return vial::Json{{"message", "Hello, World!"}};
    if (shape == 1) {
        boost::json::array rows;
        for (int i = 1; i <= 20; ++i) rows.push_back({{"id", i * 397}, {"randomNumber", i * 7919}});
        return rows;
    }
    return vial::Json{{"text", std::string(4096, 'x')}};
}

void BM_JsonText(benchmark::State& state) {
    vial::Json document = json_document(state.range(0));
    for (auto _ : state) {
        std::string text = vial::detail::json_text(document);
        benchmark::DoNotOptimize(text.data());
    }
}
BENCHMARK(BM_JsonText)->ArgName("message0_rows1_long2")->DenseRange(0, 2);

// Runs `body()` once per iteration in a coroutine on a loop set up as a server's (one
// thread, a labelled executor: sleeps go to the loop's sleep queue).
template <class Body>
void on_server_loop(benchmark::State& state, Body body) {
    boost::asio::io_context context{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    // A server loop has its reactor (sockets, timers): the loop then polls it between
    // handlers, which a bare io_context would not.
    boost::asio::steady_timer reactor_made(context);
    auto& board = boost::asio::use_service<vial::detail::ActivityBoard>(context);
    vial::detail::ActivityLease lease(board, {});
    vial::detail::LabelledExecutor executor(context.get_executor(), lease.cell());
    auto iterations = [&]() -> vial::Task<void> {
        for (auto _ : state) co_await body();
    };
    boost::asio::co_spawn(executor, iterations(), boost::asio::detached);
    context.run();
}

vial::Task<int> answer(int value) {
    co_return value;
}

vial::Task<int> answer_after_yield(int value) {
    co_await vial::sleep(std::chrono::milliseconds(0));
    co_return value;
}

// The join's own cost: three branches that finish without waiting.
void BM_GatherOfThreeAtOnce(benchmark::State& state) {
    on_server_loop(state, []() -> vial::Task<void> {
        auto [a, b, c] = co_await vial::gather(answer(1), answer(2), answer(3));
        benchmark::DoNotOptimize(a + b + c);
    });
}
BENCHMARK(BM_GatherOfThreeAtOnce);

// /prices' shape without its timers' wait: three branches that each sleep (for no time,
// a trip through the loop's queue) on the loop's sleep queue.
void BM_GatherOfThreeSleeps(benchmark::State& state) {
    on_server_loop(state, []() -> vial::Task<void> {
        auto [a, b, c] = co_await vial::gather(answer_after_yield(1), answer_after_yield(2),
                                               answer_after_yield(3));
        benchmark::DoNotOptimize(a + b + c);
    });
}
BENCHMARK(BM_GatherOfThreeSleeps);

}  // namespace

BENCHMARK_MAIN();
