#pragma once
/// vial::Server: serves an App over HTTP/1.1 on N event loops (one thread each, each
/// with its own SO_REUSEPORT listener; a connection never leaves its loop).
#include <vial/app.hpp>
#include <vial/websocket.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace vial {

/// Limits that protect the server from slow, oversized or hostile clients. Every one has
/// a config key (see server_options) and is listed in docs/server.md.
struct ConnectionLimits {
    /// Longest request line (method, target, version); longer -> 414.
    std::size_t max_request_line = 8 * 1024;
    /// Largest header block, request line included; larger -> 431.
    std::size_t max_header_bytes = 64 * 1024;
    /// Largest request body; larger -> 413.
    std::size_t max_body_bytes = 1024 * 1024;
    /// Time allowed from a request's first byte to the end of its headers; then 408.
    std::chrono::milliseconds header_timeout{10'000};
    /// Longest pause while a request body arrives (no byte for this long -> 408).
    std::chrono::milliseconds body_timeout{10'000};
    /// An idle keep-alive connection is closed after this long.
    std::chrono::milliseconds keep_alive_timeout{60'000};
    /// A client that takes no byte of a response for this long is disconnected (as
    /// nginx's send_timeout: measured between writes, so a reader that keeps pace is
    /// never cut, however large the response).
    std::chrono::milliseconds write_timeout{10'000};
    /// Once a response has been pending for write_timeout, a client taking it slower
    /// than this many bytes per second on average is disconnected (0: no minimum).
    std::size_t min_send_rate = 1024;
    /// Open connections across all loops; at the cap the idlest keep-alive connection
    /// is closed to make room, or, with none idle, the new one gets a 503 and is closed.
    /// 0: the open-files soft limit minus a reserve (1/16 of it, at least 32).
    std::size_t max_connections = 0;
    /// Bytes the server may hold for clients: request bodies being received plus
    /// responses not yet taken. Past it, new requests get a fast 503 and the oldest
    /// stalled writers are disconnected.
    std::size_t max_buffered_bytes = std::size_t{256} << 20;
};

/// The access log's line format (ACCESS_LOG, --access-log; docs/server.md shows each):
/// Common Log Format, Combined (adds referer and user agent), or JSON lines. Each line
/// carries the request id and the duration.
enum class AccessLogFormat { off, clf, combined, json };
/// "off", "clf", "combined" or "json"; throws vial::Error naming anything else.
AccessLogFormat parse_access_log_format(std::string_view text);

struct ServerOptions {
    std::string host = "127.0.0.1";
    /// 0 picks a free port (see Server::port()).
    std::uint16_t port = 8080;
    /// Event loops (threads); 0 means one per core.
    unsigned threads = 0;
    /// The access log's format; `off` turns it off (ACCESS_LOG).
    AccessLogFormat access_log = AccessLogFormat::clf;
    /// Turns the access log off whatever access_log says (`--quiet`).
    bool quiet = false;
    ConnectionLimits limits{};
    /// On stop, in-flight requests get this long to finish.
    std::chrono::milliseconds shutdown_timeout{10'000};
    /// Then background tasks (vial::spawn) get this long before they are cancelled.
    std::chrono::milliseconds background_shutdown_timeout{10'000};
    int backlog = 1024;
    /// A socket already listening, inherited from a supervising process (`app dev`, or
    /// any that hands one over, as systemd's socket activation): the server accepts on it
    /// instead of binding host and port. -1: bind (`run --listen-fd N`).
    int listen_fd = -1;
    /// Log a warning when an event loop does not turn for this long (0: no watchdog).
    std::chrono::milliseconds stall_threshold{100};
    /// Limits of every WebSocket (WEBSOCKET_MAX_MESSAGE_BYTES, WEBSOCKET_IDLE_TIMEOUT_MS,
    /// WEBSOCKET_COMPRESSION, WEBSOCKET_MAX_QUEUED_MESSAGES).
    WebSocketOptions websocket{};
};

/// ServerOptions with the limits and timeouts the config sets (MAX_CONTENT_LENGTH,
/// MAX_HEADER_BYTES, MAX_REQUEST_LINE, HEADER_TIMEOUT_MS, BODY_TIMEOUT_MS,
/// KEEP_ALIVE_TIMEOUT_MS, WRITE_TIMEOUT_MS, MIN_SEND_RATE, MAX_CONNECTIONS,
/// MAX_BUFFERED_BYTES, SHUTDOWN_TIMEOUT_MS); defaults elsewhere.
/// `vial::cli::main` starts from these, then applies its flags.
ServerOptions server_options(const Config& config);

class Server {
  public:
    /// The app is frozen here. It must outlive the server.
    Server(App& app, ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and starts the loops; returns once the server accepts connections.
    /// Throws vial::Error if the address cannot be bound.
    void start();
    /// The bound port (useful with port 0).
    std::uint16_t port() const noexcept;
    /// Graceful stop: stop accepting, let in-flight requests finish (up to
    /// shutdown_timeout), close the rest, join the loops. Safe to call twice.
    void stop();
    /// start(), then block until SIGINT or SIGTERM, then stop(). For `main`.
    void run();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vial
