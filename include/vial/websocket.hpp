#pragma once
/// WebSockets: `app.websocket(rule, view)` and the vial::WebSocket a view talks through
/// (Quart's `@app.websocket` and its `websocket` object).
///
///     app.websocket("/ws/echo", [](vial::WebSocket& ws) -> vial::Task<void> {
///         for (;;) {
///             vial::WebSocketMessage message = co_await ws.receive();  // accepts first
///             co_await ws.send(message);
///         }   // the client closing ends receive() with vial::WebSocketClosed
///     });
///
/// The upgrade request goes through the app as any request: `before_websocket` hooks,
/// middleware and error handlers run, `ws.context()` gives `g` and the session, and view
/// arguments come from the rule. Until the view accepts, it may still refuse with an
/// HTTP status (`vial::abort(403)`, or a before_websocket hook returning a Response).
/// After it accepted, an exception closes the socket with 1011.
///
/// Lifetime and threads: a WebSocket lives while its view runs, on the loop of its
/// connection; use it from that view (and tasks it awaits). To reach sockets from other
/// loops, use vial::WebSocketHub.
#include <vial/error.hpp>
#include <vial/headers.hpp>
#include <vial/json.hpp>
#include <vial/request_context.hpp>
#include <vial/task.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vial {

/// Close codes of RFC 6455 section 7.4.1. `no_status` and `abnormal` are only ever
/// reported (by WebSocketClosed), never sent.
namespace close_code {
inline constexpr int normal = 1000;
inline constexpr int going_away = 1001;
inline constexpr int protocol_error = 1002;
inline constexpr int unsupported_data = 1003;
inline constexpr int no_status = 1005;
inline constexpr int abnormal = 1006;
inline constexpr int invalid_payload = 1007;
inline constexpr int policy_violation = 1008;
inline constexpr int message_too_big = 1009;
inline constexpr int internal_error = 1011;
inline constexpr int try_again_later = 1013;
}  // namespace close_code

/// One WebSocket message.
struct WebSocketMessage {
    std::string data;
    /// Text (UTF-8, checked on receipt) or binary.
    bool binary = false;

    bool is_text() const noexcept { return !binary; }
    /// `data` parsed as JSON; throws vial::Error naming the parse error.
    Json json() const;
};

/// Thrown by receive() (and sends) once the connection is closed: by the peer (its close
/// code and reason), by a protocol violation (1002, 1007, 1009...), or because the
/// connection dropped (1006).
class WebSocketClosed : public Error {
  public:
    WebSocketClosed(int code, std::string reason);
    int code() const noexcept { return code_; }
    const std::string& reason() const noexcept { return reason_; }

  private:
    int code_;
    std::string reason_;
};

/// What the server answers in its handshake.
struct AcceptOptions {
    /// One of requested_subprotocols(), or empty for none.
    std::string subprotocol{};
    /// Extra headers of the 101 response.
    Headers headers{};
};

/// The limits of every WebSocket of a server (ServerOptions::websocket, from the
/// WEBSOCKET_* config keys; docs/websockets.md).
struct WebSocketOptions {
    /// A message larger than this closes the socket with 1009.
    std::size_t max_message_bytes = 1024 * 1024;
    /// No frame (data, ping or pong) from the peer for this long closes the socket; a
    /// ping is sent at half of it. Zero: no idle timeout.
    std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
    /// permessage-deflate, when the client offers it.
    bool compression = true;
    /// Received messages buffered before the view takes them; past this the server
    /// stops reading (the peer's sends then wait: backpressure).
    std::size_t max_queued_messages = 16;
};

namespace detail {
class WebSocketTransport;
struct WebSocketAccess;
}  // namespace detail

class WebSocket;
/// The one type WebSocket views are stored as.
using WebSocketView = std::function<Task<void>(WebSocket&)>;

class WebSocket {
  public:
    WebSocket(RequestContext& ctx, detail::WebSocketTransport& transport)
        : ctx_(ctx), transport_(transport) {}
    WebSocket(const WebSocket&) = delete;
    WebSocket& operator=(const WebSocket&) = delete;

    /// The upgrade request (path, args, headers, view arguments).
    Request& request() noexcept { return ctx_.request(); }
    /// Its context: `g`, the session, url_for.
    RequestContext& context() noexcept { return ctx_; }
    /// The subprotocols the client offered (Sec-WebSocket-Protocol), in its order.
    std::vector<std::string> requested_subprotocols() const;

    /// Completes the handshake (101). Called implicitly by the first receive or send.
    Task<void> accept();
    /// The same with a subprotocol and extra headers; throws vial::Error if
    /// `options.subprotocol` is not one the client offered. (g++ 12: pass a named
    /// AcceptOptions, not a braced temporary, in a co_await expression.)
    Task<void> accept(const AcceptOptions& options);
    bool accepted() const noexcept;

    /// The next message. Throws WebSocketClosed when the connection is closed.
    Task<WebSocketMessage> receive();
    /// The next message, which must be text (else the socket is closed with 1003 and
    /// WebSocketClosed thrown).
    Task<std::string> receive_text();
    /// The next message, which must be binary (else closed with 1003).
    Task<std::string> receive_bytes();
    /// The next text message parsed as JSON (invalid JSON closes with 1007).
    Task<Json> receive_json();

    /// Sends a text message (`text` must be UTF-8). Completes when the connection took it:
    /// a slow reader slows the sender. Throws WebSocketClosed when closed.
    Task<void> send(std::string_view text);
    Task<void> send_bytes(std::string_view bytes);
    Task<void> send_json(const Json& value);
    /// Sends `message` as it came (text or binary): an echo.
    Task<void> send(const WebSocketMessage& message);

    /// Starts the closing handshake with `code` (1000 unless told; 1000-1003, 1007-1014
    /// or 3000-4999, else vial::Error) and `reason` (cut to 123 bytes on a UTF-8
    /// boundary). Does nothing if already closed. Before the view accepted, closing is
    /// refusing: it throws HttpError(403), answered over HTTP.
    Task<void> close(int code = close_code::normal, std::string_view reason = {});
    /// True once either side closed, or the connection dropped.
    bool closed() const noexcept;

  private:
    friend struct detail::WebSocketAccess;
    RequestContext& ctx_;
    detail::WebSocketTransport& transport_;
};

}  // namespace vial
