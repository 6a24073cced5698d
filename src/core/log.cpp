#include "log.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace vial::detail::log {

void raw(std::string_view line) {
    while (!line.empty()) {
        ssize_t n = ::write(2, line.data(), line.size());
        if (n <= 0) return;
        line.remove_prefix(static_cast<std::size_t>(n));
    }
}

void write(Level level, std::string_view message) {
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char stamp[32];
    std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char* name = level == Level::Info      ? " INFO "
                       : level == Level::Warning ? " WARNING "
                                                 : " ERROR ";
    std::string line;
    line.reserve(n + message.size() + 12);
    line.append(stamp, n).append(name).append(message).push_back('\n');
    raw(line);
}

}  // namespace vial::detail::log

namespace vial::detail::log {

void warning_limited(std::string_view key, std::string_view message) {
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
    if (held_back == 0) return write(Level::Warning, message);
    write(Level::Warning, std::string(message) + " (and " + std::to_string(held_back) +
                              " more like this in the last interval)");
}

void warning(std::string_view message) {
    warning_limited(message, message);
}

}  // namespace vial::detail::log
