#pragma once
// The showcase's WebSocket routes: an echo, and chat rooms through a hub (with the page
// that uses them, /chat).
#include <vial/vial.hpp>

#include <memory>

void register_websocket_routes(vial::App& app, std::shared_ptr<vial::WebSocketHub> hub);
