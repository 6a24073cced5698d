#pragma once
/// Server-Sent Events (`text/event-stream`), on top of vial::stream.
///
///     app.get("/events", [](vial::Request& req) {
///         return vial::event_stream(req, [](vial::EventStream& events) -> vial::Task<void> {
///             for (int n = 0;; ++n) {
///                 vial::ServerSentEvent tick{.data = "tick", .id = std::to_string(n)};
///                 co_await events.send(tick);  // (g++ 12: no braced temporary in co_await)
///                 co_await vial::sleep(std::chrono::seconds(1));
///             }
///         });
///     });
///
/// A browser's `EventSource` reconnects after the stream ends or breaks and sends the last
/// `id` it saw as `Last-Event-ID`: `events.last_event_id()` gives it to the producer so it
/// can resume. While the producer is quiet, a comment line is sent every `heartbeat` so
/// proxies keep the connection open and a vanished client is noticed.
#include <vial/json.hpp>
#include <vial/request.hpp>
#include <vial/stream.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace vial {

/// One event. Only `data` is required; `data` may span lines (each becomes a `data:`
/// field). `event` and `id` are single-line: a CR or LF there throws vial::Error, as it
/// would inject fields.
struct ServerSentEvent {
    std::string data;
    /// The event type (`addEventListener(type)` in the browser); empty for "message".
    std::string event{};
    /// Sent as `id:`; the browser echoes the last one as Last-Event-ID on reconnection.
    std::string id{};
    /// Asks the browser to wait this long before reconnecting.
    std::optional<std::chrono::milliseconds> retry{};
};

/// The producer's side of an event stream.
class EventStream {
  public:
    EventStream(ResponseStream& out, std::string last_event_id)
        : out_(out), last_event_id_(std::move(last_event_id)) {}

    /// Sends one event; completes when the connection took it (backpressure).
    Task<void> send(const ServerSentEvent& event);
    /// Sends an event of `data`, with an optional type and id.
    Task<void> send(std::string_view data, std::string_view event = {}, std::string_view id = {});
    /// Sends `data` as the event's data, as JSON text.
    Task<void> send_json(const Json& data, std::string_view event = {});
    /// Sends a comment line (`: text`), which clients ignore: a heartbeat.
    Task<void> comment(std::string_view text = {});
    /// The Last-Event-ID header of the request (empty when none was sent).
    const std::string& last_event_id() const noexcept { return last_event_id_; }

  private:
    ResponseStream& out_;
    std::string last_event_id_;
};

using EventProducer = std::function<Task<void>(EventStream&)>;

struct EventStreamOptions {
    /// A comment is sent when a period this long passed without output (so a silent gap
    /// lasts at most two periods); zero turns heartbeats off.
    std::chrono::milliseconds heartbeat = std::chrono::seconds(15);
    int status = 200;
};

/// A `text/event-stream` response (no caching, no proxy buffering) whose events
/// `producer` sends. `request` gives the Last-Event-ID.
Response event_stream(const Request& request, EventProducer producer,
                      EventStreamOptions options = {});

/// The event's wire form (`event:`, `id:`, `retry:`, `data:` lines, then a blank line).
/// Throws vial::Error when `event` or `id` holds a line break.
std::string format_event(const ServerSentEvent& event);

}  // namespace vial
