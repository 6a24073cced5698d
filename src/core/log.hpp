#pragma once
// The framework's own logging (logger "vial") and the access log ("vial.access"), on top
// of the public seam in <vial/log.hpp>. Without a sink each line is one write(2) to
// stderr, so lines from several loops never interleave mid-line.
#include <vial/log.hpp>

#include <string_view>

namespace vial::detail::log {

/// Whether a sink replaced the default writer.
bool has_sink() noexcept;
/// One line of `logger` at `level`; `request_id`, when given, prefixes it as "[id] ".
void emit(LogLevel level, std::string_view logger, std::string_view message,
          std::string_view request_id = {});

inline bool enabled(LogLevel level) noexcept {
    return level >= logging::level();
}
inline void debug(std::string_view message, std::string_view request_id = {}) {
    if (enabled(LogLevel::debug)) emit(LogLevel::debug, "vial", message, request_id);
}
inline void info(std::string_view message, std::string_view request_id = {}) {
    if (enabled(LogLevel::info)) emit(LogLevel::info, "vial", message, request_id);
}
inline void error(std::string_view message, std::string_view request_id = {}) {
    if (enabled(LogLevel::error)) emit(LogLevel::error, "vial", message, request_id);
}
/// Identical warnings in a burst are logged at most once a second, the next one saying
/// how many were held back (as warning_limited with the message as its key).
void warning(std::string_view message);
/// A warning that may repeat in bursts (accept failures, budget closes): logged at most
/// once a second per `key`; the next one logged says how many were held back.
void warning_limited(std::string_view key, std::string_view message);
/// An access line (formatted, without newline): to the sink as "vial.access" at info,
/// else straight to stderr. Access lines are not filtered by the level.
void access(std::string_view line);
/// Writes `line` (which should end in '\n') to stderr verbatim.
void raw(std::string_view line);

}  // namespace vial::detail::log
