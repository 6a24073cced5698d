// Micro-benchmarks of the per-request pieces: route matching, dispatch through the
// test client path, response serialization.
#include <benchmark/benchmark.h>
#include <vial/vial.hpp>

#include "core/dispatcher.hpp"
#include "core/route_table.hpp"
#include "http/response_writer.hpp"
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

}  // namespace

BENCHMARK_MAIN();
