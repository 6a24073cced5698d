#include "streaming.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace {

using namespace std::chrono_literals;

// n lines, one every 10 ms: each reaches the client as it is written.
vial::Task<void> count_lines(int n, vial::ResponseStream& out) {
    for (int i = 1; i <= n; ++i) {
        co_await out.write("chunk " + std::to_string(i) + " of " + std::to_string(n) + "\n");
        if (i < n) co_await vial::sleep(10ms);
    }
}

std::string utc_now() {
    std::time_t now = std::time(nullptr);
    std::tm parts{};
    gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

// One event a second; a reconnecting browser resumes its numbering from Last-Event-ID.
vial::Task<void> clock_events(vial::EventStream& events) {
    long n = 0;
    try {
        n = std::stol(events.last_event_id()) + 1;
    } catch (const std::exception&) {
        n = 0;  // none sent, or not ours
    }
    for (;; ++n) {
        co_await events.send(utc_now(), "tick", std::to_string(n));
        co_await vial::sleep(1s);
    }
}

// Reads an upload as it arrives: its size and FNV-1a 64 checksum, in constant memory.
vial::Task<vial::Json> count_upload(vial::Request& req) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (;;) {
        std::string piece = co_await req.body_stream().read();
        if (piece.empty()) break;
        for (unsigned char byte : piece) hash = (hash ^ byte) * 0x100000001b3ULL;
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    co_return vial::Json{{"bytes", req.body_stream().bytes_read()}, {"fnv1a64", hex}};
}

}  // namespace

void register_streaming_routes(vial::App& app) {
    // POST /upload: a body of up to 1 GiB read as it arrives (never held whole).
    app.post("/upload", count_upload, {.stream_body = true, .max_body_bytes = 1ULL << 30});

    // /stream?n=5: a chunked body of n lines, written 10 ms apart.
    app.get("/stream", [](vial::Request& req) {
        int n = req.args().get("n") ? req.args().get<int>("n", -1) : 10;
        if (n < 1 || n > 10000) vial::abort(400, "n must be an integer from 1 to 10000");
        return vial::stream([n](vial::ResponseStream& out) { return count_lines(n, out); },
                            {.content_type = "text/plain; charset=utf-8"});
    });

    // /events: a Server-Sent Events clock (open it with `curl -N` or an EventSource).
    app.get("/events", [](vial::Request& req) { return vial::event_stream(req, clock_events); });
}
