// The client fan-out benchmark's driver: one event loop keeping CONCURRENCY GETs to URL in
// flight for SECONDS through vial::HttpClient, then one JSON line: requests, errors, and
// the CPU seconds the process spent while it ran (getrusage, self).
#include <vial/vial.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s URL CONCURRENCY SECONDS\n", argv[0]);
        return 2;
    }
    std::string url = argv[1];
    int concurrency = std::atoi(argv[2]);
    auto duration = std::chrono::seconds(std::atoi(argv[3]));
    vial::HttpClient http({.timeout = std::chrono::seconds(10),
                           .limits = {.max_connections = static_cast<std::size_t>(concurrency)},
                           .cookie_jar = false});
    long requests = 0, errors = 0;
    double cpu_before = cpu_seconds();
    auto started = std::chrono::steady_clock::now();
    auto deadline = started + duration;
    vial::run_sync([&]() -> vial::Task<void> {
        auto worker = [&]() -> vial::Task<void> {
            while (std::chrono::steady_clock::now() < deadline) {
                try {
                    vial::ClientResponse r = co_await http.get(url);
                    ++requests;
                    if (r.status() != 200) ++errors;
                } catch (const std::exception&) {
                    ++errors;
                }
            }
        };
        std::vector<vial::Task<void>> workers;
        for (int i = 0; i < concurrency; ++i) workers.push_back(worker());
        co_await vial::gather(std::move(workers));
    }());
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("{\"requests\": %ld, \"errors\": %ld, \"cpu_s\": %.4f, \"wall_s\": %.3f}\n",
                requests, errors, cpu_seconds() - cpu_before, wall);
}
