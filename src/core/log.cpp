#include "log.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <string>

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
