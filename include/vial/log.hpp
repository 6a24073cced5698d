#pragma once
/// Logging: levels, one replaceable sink for the whole process, and named loggers, as
/// Python's `logging` behind Flask's `app.logger`.
///
///     app.logger().info("cache warmed: " + std::to_string(n) + " entries");
///     app.get("/pay", [&app](vial::Request& req) {
///         app.logger().for_request(req).warning("card declined");  // carries the id
///         ...
///     });
///     vial::logging::set_sink([](vial::LogLevel level, std::string_view logger,
///                                std::string_view message) { ... });
///
/// Loggers: "vial" (the server and framework), "vial.access" (one line per request, when
/// the access log is on: ACCESS_LOG / --access-log), and each app's own, named after the
/// app. The level (LOG_LEVEL, --log-level, VIAL_LOG_LEVEL; default info) applies to all.
#include <functional>
#include <string>
#include <string_view>

namespace vial {

class Request;

enum class LogLevel { debug = 10, info = 20, warning = 30, error = 40, critical = 50 };

/// "debug", "info", "warning", "error", "critical".
std::string_view log_level_name(LogLevel level) noexcept;
/// The level named `text` (any case; "warn" is "warning"). Throws vial::Error naming the
/// text and the accepted names.
LogLevel parse_log_level(std::string_view text);

/// Receives each line at or above the level: its level, its logger's name and the message
/// (no timestamp, no trailing newline). A line about one request starts with
/// "[<request id>] ". Access lines come formatted as configured (ACCESS_LOG).
/// Calls are serialized (never two at once), from whichever thread logs: keep it short.
/// An exception it throws is swallowed (the line then goes to stderr).
using LogSink =
    std::function<void(LogLevel level, std::string_view logger, std::string_view message)>;

namespace logging {

/// Lines below `level` are dropped before they are formatted.
void set_level(LogLevel level) noexcept;
LogLevel level() noexcept;
/// Replaces the default writer (one line per write(2) to stderr:
/// "2026-11-30T02:45:29Z INFO [logger] message"). An empty sink restores it.
void set_sink(LogSink sink);

}  // namespace logging

/// A named logger. Cheap to copy; every instance with one name writes alike.
class Logger {
  public:
    explicit Logger(std::string name) : name_(std::move(name)) {}

    const std::string& name() const noexcept { return name_; }
    /// The id this logger's lines carry (empty unless made by for_request).
    const std::string& request_id() const noexcept { return request_id_; }
    /// Whether a line at `level` would be written (skip building an expensive message).
    static bool enabled_for(LogLevel level) noexcept { return level >= logging::level(); }

    void log(LogLevel level, std::string_view message) const;
    void debug(std::string_view message) const { log(LogLevel::debug, message); }
    void info(std::string_view message) const { log(LogLevel::info, message); }
    void warning(std::string_view message) const { log(LogLevel::warning, message); }
    void error(std::string_view message) const { log(LogLevel::error, message); }
    void critical(std::string_view message) const { log(LogLevel::critical, message); }

    /// This logger for one request: each line carries the request's id (Request::id(),
    /// from X-Request-ID or generated, as the access log and the response show it).
    Logger for_request(const Request& request) const;

  private:
    std::string name_;
    std::string request_id_;
};

}  // namespace vial
