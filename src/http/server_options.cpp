#include <vial/config.hpp>
#include <vial/server.hpp>

namespace vial {

ServerOptions server_options(const Config& config) {
    ServerOptions options;
    ConnectionLimits& l = options.limits;
    l.max_body_bytes = config.get<std::size_t>("MAX_CONTENT_LENGTH", l.max_body_bytes);
    l.max_header_bytes = config.get<std::size_t>("MAX_HEADER_BYTES", l.max_header_bytes);
    l.max_request_line = config.get<std::size_t>("MAX_REQUEST_LINE", l.max_request_line);
    l.min_send_rate = config.get<std::size_t>("MIN_SEND_RATE", l.min_send_rate);
    l.max_connections = config.get<std::size_t>("MAX_CONNECTIONS", l.max_connections);
    l.max_buffered_bytes = config.get<std::size_t>("MAX_BUFFERED_BYTES", l.max_buffered_bytes);
    auto ms = [&](const char* key, std::chrono::milliseconds fallback) {
        auto value = config.get<std::int64_t>(key, fallback.count());
        if (value <= 0)
            throw Error(std::string("config key '") + key + "' must be a positive number of ms");
        return std::chrono::milliseconds(value);
    };
    l.header_timeout = ms("HEADER_TIMEOUT_MS", l.header_timeout);
    l.body_timeout = ms("BODY_TIMEOUT_MS", l.body_timeout);
    l.keep_alive_timeout = ms("KEEP_ALIVE_TIMEOUT_MS", l.keep_alive_timeout);
    l.write_timeout = ms("WRITE_TIMEOUT_MS", l.write_timeout);
    options.shutdown_timeout = ms("SHUTDOWN_TIMEOUT_MS", options.shutdown_timeout);
    options.stall_threshold = std::chrono::milliseconds(
        config.get<std::int64_t>("STALL_THRESHOLD_MS", options.stall_threshold.count()));
    options.background_shutdown_timeout =
        ms("BACKGROUND_SHUTDOWN_TIMEOUT_MS", options.background_shutdown_timeout);
    if (config.contains("ACCESS_LOG"))
        options.access_log = parse_access_log_format(config.get<std::string>("ACCESS_LOG"));
    WebSocketOptions& ws = options.websocket;
    ws.max_message_bytes =
        config.get<std::size_t>("WEBSOCKET_MAX_MESSAGE_BYTES", ws.max_message_bytes);
    if (ws.max_message_bytes == 0)
        throw Error("config key 'WEBSOCKET_MAX_MESSAGE_BYTES' must be at least 1");
    ws.idle_timeout = std::chrono::milliseconds(
        config.get<std::int64_t>("WEBSOCKET_IDLE_TIMEOUT_MS", ws.idle_timeout.count()));
    if (ws.idle_timeout.count() < 0)
        throw Error("config key 'WEBSOCKET_IDLE_TIMEOUT_MS' must be 0 (none) or a number of ms");
    ws.compression = config.get<bool>("WEBSOCKET_COMPRESSION", ws.compression);
    ws.max_queued_messages =
        config.get<std::size_t>("WEBSOCKET_MAX_QUEUED_MESSAGES", ws.max_queued_messages);
    if (ws.max_queued_messages == 0)
        throw Error("config key 'WEBSOCKET_MAX_QUEUED_MESSAGES' must be at least 1");
    return options;
}

}  // namespace vial
