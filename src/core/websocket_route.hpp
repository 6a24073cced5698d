#pragma once
// The handler a WebSocket route runs: checks that the request is a valid upgrade, runs
// the view on a WebSocket, and closes the socket the way the view ended.
#include <vial/handler.hpp>
#include <vial/websocket.hpp>

namespace vial::detail {

/// Adapts a WebSocket view to the one Handler type. The handler answers 426 to a plain
/// HTTP request and 400/426 to a malformed upgrade; once accepted it returns a 101
/// response (which drivers do not send: the handshake went out at accept).
Handler websocket_handler(WebSocketView view);

}  // namespace vial::detail
