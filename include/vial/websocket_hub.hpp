#pragma once
/// vial::WebSocketHub: rooms of WebSockets spread over all event loops, for broadcasts
/// (chat rooms, live dashboards, notifications).
///
///     vial::WebSocketHub hub;   // one per app, outliving the server
///     app.websocket("/ws/chat/<room>", [&hub](vial::WebSocket& ws) -> vial::Task<void> {
///         std::string room = ws.request().view_arg("room");
///         co_await ws.accept();
///         hub.join(ws, room);            // left automatically when the socket closes
///         for (;;) hub.broadcast(room, co_await ws.receive_text());
///     });
///
/// A broadcast returns at once: each member's copy is handed to that member's own loop,
/// which sends it after the member's earlier hub messages. A member gets what is
/// broadcast after it joined and accepted. A member that does not keep up
/// (more than `max_pending` messages queued) is handled by `when_full`: its socket is
/// closed with 1008 (Drop, the default, so the client reconnects and resynchronises), or
/// the message is skipped for it (Skip). Either way the hub's memory stays bounded.
///
/// Thread note: broadcast and size may be called from any thread; join and leave from
/// the WebSocket's own view (its loop).
#include <vial/json.hpp>
#include <vial/websocket.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace vial {

struct WebSocketHubOptions {
    enum class WhenFull { Drop, Skip };
    /// Messages queued per member before it counts as slow.
    std::size_t max_pending = 64;
    WhenFull when_full = WhenFull::Drop;
};

class WebSocketHub {
  public:
    explicit WebSocketHub(WebSocketHubOptions options = {});
    ~WebSocketHub();
    WebSocketHub(const WebSocketHub&) = delete;
    WebSocketHub& operator=(const WebSocketHub&) = delete;

    /// Adds `ws` to `room`; call it from the socket's view. Messages broadcast before the
    /// view accepted are not delivered to it. Joining twice is harmless.
    void join(WebSocket& ws, std::string_view room = {});
    /// Removes `ws` from `room`.
    void leave(WebSocket& ws, std::string_view room = {});

    /// Sends `text` to every open member of `room`; returns how many were handed a copy.
    std::size_t broadcast(std::string_view room, std::string_view text);
    std::size_t broadcast_bytes(std::string_view room, std::string_view bytes);
    std::size_t broadcast_json(std::string_view room, const Json& value);
    /// Open members of `room` now.
    std::size_t size(std::string_view room) const;

  private:
    struct State;
    std::size_t send_to_room(std::string_view room, std::string data, bool binary);
    std::shared_ptr<State> state_;
};

}  // namespace vial
