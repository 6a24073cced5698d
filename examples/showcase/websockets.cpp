#include "websockets.hpp"

#include <string>

#include "chat_page.hpp"

namespace {

// Every message comes back as it came (text or binary), until the client closes.
vial::Task<void> echo(vial::WebSocket& ws) {
    for (;;) {
        vial::WebSocketMessage message = co_await ws.receive();
        co_await ws.send(message);
    }
}

// A chat member: what it sends goes to everyone in its room, on whichever loop they are.
// Messages are JSON {"name", "text"}; the server adds the room and checks the sizes.
vial::Task<void> chat(std::shared_ptr<vial::WebSocketHub> hub, vial::WebSocket& ws) {
    std::string room = ws.request().view_arg("room");
    co_await ws.accept();
    hub->join(ws, room);
    vial::Json joined{{"room", room}, {"members", hub->size(room)}, {"system", "joined"}};
    hub->broadcast_json(room, joined);
    for (;;) {
        vial::Json message = co_await ws.receive_json();
        const vial::JsonObject* fields = message.if_object();
        const vial::Json* name = fields ? fields->if_contains("name") : nullptr;
        const vial::Json* text = fields ? fields->if_contains("text") : nullptr;
        if (!name || !text || !name->is_string() || !text->is_string() ||
            name->as_string().size() > 40 || text->as_string().size() > 2000) {
            co_await ws.close(vial::close_code::policy_violation,
                              "send {\"name\": <=40 chars, \"text\": <=2000 chars}");
            co_return;
        }
        vial::Json out{{"room", room}, {"name", *name}, {"text", *text}};
        hub->broadcast_json(room, out);
    }
}

}  // namespace

void register_websocket_routes(vial::App& app, std::shared_ptr<vial::WebSocketHub> hub) {
    app.websocket("/ws/echo", echo);
    app.websocket("/ws/chat/<room>", [hub](vial::WebSocket& ws) { return chat(hub, ws); });
    app.get("/chat", [](vial::Request&) { return vial::Response(std::string(kChatPage)); });
}
