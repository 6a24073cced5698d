#include "log.hpp"

#include <unistd.h>
#include <vial/error.hpp>
#include <vial/request.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace vial {

namespace {

std::atomic<LogLevel> g_level{LogLevel::info};

// The sink, when set. Set rarely (at start-up), read on every line: the flag is the only
// thing the default path touches.
struct SinkSlot {
    std::mutex mutex;  // serializes calls into the sink, and guards `sink`
    LogSink sink;
    std::atomic<bool> set{false};
};
SinkSlot& sink_slot() {
    static SinkSlot slot;
    return slot;
}

constexpr std::string_view kLevelNames[] = {"debug", "info", "warning", "error", "critical"};

std::size_t level_index(LogLevel level) noexcept {
    return std::min<std::size_t>(static_cast<std::size_t>(level) / 10 - 1, 4);
}

}  // namespace

std::string_view log_level_name(LogLevel level) noexcept {
    return kLevelNames[level_index(level)];
}

LogLevel parse_log_level(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "warn") lower = "warning";
    for (std::size_t i = 0; i < std::size(kLevelNames); ++i) {
        if (lower == kLevelNames[i]) return static_cast<LogLevel>((i + 1) * 10);
    }
    throw Error("invalid log level '" + std::string(text) +
                "' (debug, info, warning, error or critical)");
}

namespace logging {

void set_level(LogLevel level) noexcept {
    g_level.store(level, std::memory_order_relaxed);
}
LogLevel level() noexcept {
    return g_level.load(std::memory_order_relaxed);
}
void set_sink(LogSink sink) {
    SinkSlot& slot = sink_slot();
    std::lock_guard lock(slot.mutex);
    slot.set.store(static_cast<bool>(sink), std::memory_order_release);
    slot.sink = std::move(sink);
}

}  // namespace logging

void Logger::log(LogLevel level, std::string_view message) const {
    if (!enabled_for(level)) return;
    detail::log::emit(level, name_, message, request_id_);
}

Logger Logger::for_request(const Request& request) const {
    Logger bound(name_);
    bound.request_id_ = request.id();
    return bound;
}

}  // namespace vial

namespace vial::detail::log {

namespace {

// Set while this thread is inside the sink: a sink that logs (itself, or through code it
// calls) must not lock the sink's mutex again; its own lines go to stderr.
thread_local bool t_in_sink = false;

// Hands the line to the sink; false when there is none (or it threw, or it is this
// thread's sink logging).
bool to_sink(LogLevel level, std::string_view logger, std::string_view message) {
    SinkSlot& slot = sink_slot();
    if (!slot.set.load(std::memory_order_acquire) || t_in_sink) return false;
    std::lock_guard lock(slot.mutex);
    if (!slot.sink) return false;
    t_in_sink = true;
    bool delivered = true;
    try {
        slot.sink(level, logger, message);
    } catch (...) {
        delivered = false;
    }
    t_in_sink = false;
    return delivered;
}

// A message may quote what a client sent (a decoded path can hold a newline): control
// characters are escaped so that one call is one line and no line can be forged.
bool needs_escaping(std::string_view message) {
    return std::any_of(message.begin(), message.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

std::string escape_controls(std::string_view message) {
    constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(message.size() + 8);
    for (char c : message) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            out.append("\\x").push_back(kHex[u >> 4]);
            out.push_back(kHex[u & 15]);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace

bool has_sink() noexcept {
    return sink_slot().set.load(std::memory_order_acquire);
}

void raw(std::string_view line) {
    while (!line.empty()) {
        ssize_t n = ::write(2, line.data(), line.size());
        if (n <= 0) return;
        line.remove_prefix(static_cast<std::size_t>(n));
    }
}

void emit(LogLevel level, std::string_view logger, std::string_view message,
          std::string_view request_id) {
    std::string text;
    if (!request_id.empty()) {
        text.reserve(request_id.size() + message.size() + 3);
        text.append("[").append(request_id).append("] ").append(message);
        message = text;
    }
    std::string escaped;
    if (needs_escaping(message)) {
        escaped = escape_controls(message);
        message = escaped;
    }
    if (to_sink(level, logger, message)) return;

    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char stamp[32];
    std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    constexpr std::string_view kUpper[] = {" DEBUG ", " INFO ", " WARNING ", " ERROR ",
                                           " CRITICAL "};
    std::string line;
    line.reserve(n + logger.size() + message.size() + 16);
    line.append(stamp, n).append(kUpper[level_index(level)]);
    // The framework's own lines read as before; other loggers say whose line it is.
    if (logger != "vial") line.append("[").append(logger).append("] ");
    line.append(message).push_back('\n');
    raw(line);
}

void access(std::string_view line) {
    if (to_sink(LogLevel::info, "vial.access", line)) return;
    std::string out;
    out.reserve(line.size() + 1);
    out.append(line).push_back('\n');
    raw(out);
}

void warning_limited(std::string_view key, std::string_view message) {
    if (!enabled(LogLevel::warning)) return;
    struct Repeats {
        std::chrono::steady_clock::time_point last{};
        std::size_t held_back = 0;
    };
    static std::mutex mutex;
    static std::map<std::string, Repeats, std::less<>> seen;
    constexpr auto kInterval = std::chrono::seconds(1);
    auto now = std::chrono::steady_clock::now();
    std::size_t held_back = 0;
    {
        std::lock_guard lock(mutex);
        auto it = seen.find(key);
        if (it == seen.end()) {
            // Keys include whole messages: bound the table rather than grow with them.
            if (seen.size() >= 1024) seen.clear();
            it = seen.emplace(std::string(key), Repeats{}).first;
        }
        Repeats& repeats = it->second;
        if (repeats.last != std::chrono::steady_clock::time_point{} &&
            now - repeats.last < kInterval) {
            ++repeats.held_back;
            return;
        }
        repeats.last = now;
        held_back = std::exchange(repeats.held_back, 0);
    }
    if (held_back == 0) return emit(LogLevel::warning, "vial", message);
    emit(LogLevel::warning, "vial",
         std::string(message) + " (and " + std::to_string(held_back) +
             " more like this in the last interval)");
}

void warning(std::string_view message) {
    warning_limited(message, message);
}

}  // namespace vial::detail::log
