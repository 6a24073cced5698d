#pragma once
// Minimal logging to stderr: one write(2) per line so lines from several loops never
// interleave mid-line.
#include <string_view>

namespace vial::detail::log {

enum class Level { Info, Warning, Error };

void write(Level level, std::string_view message);
inline void info(std::string_view message) {
    write(Level::Info, message);
}
/// Identical warnings in a burst are logged at most once a second, the next one saying
/// how many were held back (as warning_limited with the message as its key).
void warning(std::string_view message);
inline void error(std::string_view message) {
    write(Level::Error, message);
}
/// A warning that may repeat in bursts (accept failures, budget closes): logged at most
/// once a second per `key`; the next one logged says how many were held back.
void warning_limited(std::string_view key, std::string_view message);
/// Writes `line` (which should end in '\n') verbatim.
void raw(std::string_view line);

}  // namespace vial::detail::log
