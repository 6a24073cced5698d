// WebSocket routes through the test client: the Flask/Quart surface (hooks, errors,
// blueprints, context) and the socket's own behaviour (accept, close codes, hub).
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <memory>

namespace {

using namespace std::chrono_literals;

vial::Task<void> echo(vial::WebSocket& ws) {
    for (;;) {
        vial::WebSocketMessage message = co_await ws.receive();
        co_await ws.send(message);
    }
}

TEST(WebSockets, EchoesTextBinaryAndJson) {
    vial::App app;
    app.websocket("/ws", echo);
    vial::TestClient client{app};
    auto ws = client.websocket("/ws");
    ws.send("hello");
    EXPECT_EQ(ws.receive_text(), "hello");
    ws.send_bytes(std::string("\0\x01\xff", 3));
    EXPECT_EQ(ws.receive_bytes(), std::string("\0\x01\xff", 3));
    ws.send_json(vial::Json{{"n", 1}});
    EXPECT_EQ(ws.receive_json(), (vial::Json{{"n", 1}}));
    ws.close();
}

TEST(WebSockets, APlainRequestToAWebSocketRouteGets426) {
    vial::App app;
    app.websocket("/ws", echo);
    vial::TestClient client{app};
    auto r = client.get("/ws");
    EXPECT_EQ(r.status(), 426);
    EXPECT_EQ(r.headers().get_or("Upgrade", ""), "websocket");
    // An upgrade that names another version gets 426 with the one we speak.
    vial::Headers headers;
    headers.add("Upgrade", "websocket");
    headers.add("Connection", "Upgrade");
    headers.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
    headers.add("Sec-WebSocket-Version", "8");
    auto old = client.get("/ws", {.headers = headers});
    EXPECT_EQ(old.status(), 426);
    EXPECT_EQ(old.headers().get_or("Sec-WebSocket-Version", ""), "13");
    headers.set("Sec-WebSocket-Version", "13");
    headers.set("Sec-WebSocket-Key", "short");
    EXPECT_EQ(client.get("/ws", {.headers = headers}).status(), 400);
}

TEST(WebSockets, AnHttpRouteAnswersAnUpgradeOverHttp) {
    vial::App app;
    app.get("/page", [](vial::Request&) { return "page"; });
    vial::TestClient client{app};
    try {
        client.websocket("/page");
        ADD_FAILURE() << "an HTTP route cannot accept a WebSocket";
    } catch (const vial::TestWebSocketRejected& e) {
        // It answers as for any GET: the client's handshake then fails for want of a 101.
        EXPECT_EQ(e.status(), 200);
        EXPECT_EQ(e.response().text(), "page");
    }
    try {
        client.websocket("/missing");
        ADD_FAILURE() << "no route";
    } catch (const vial::TestWebSocketRejected& e) {
        EXPECT_EQ(e.status(), 404);
    }
}

TEST(WebSockets, HooksOfTheirOwnKindRunAndMayRefuse) {
    auto log = std::make_shared<std::vector<std::string>>();
    vial::App app;
    app.before_request([log](vial::Request&) -> std::optional<vial::Response> {
        log->push_back("before_request");
        return std::nullopt;
    });
    app.before_websocket([log](vial::Request& req) -> std::optional<vial::Response> {
        log->push_back("before_websocket");
        if (req.args().get("token") != "secret") return vial::Response("no token", 401);
        return std::nullopt;
    });
    app.after_websocket([log](vial::Request&, vial::Response response) {
        log->push_back("after_websocket " + std::to_string(response.status()));
        return response;
    });
    app.teardown_websocket(
        [log](vial::Request&, std::exception_ptr) { log->push_back("teardown_websocket"); });
    app.websocket("/ws", echo);
    vial::TestClient client{app};
    try {
        client.websocket("/ws");
        ADD_FAILURE() << "refused by the hook";
    } catch (const vial::TestWebSocketRejected& e) {
        EXPECT_EQ(e.status(), 401);
        EXPECT_EQ(e.response().text(), "no token");
    }
    EXPECT_EQ(*log, (std::vector<std::string>{"before_websocket", "after_websocket 401",
                                              "teardown_websocket"}));
    log->clear();
    {
        auto ws = client.websocket("/ws?token=secret");
        ws.send("x");
        EXPECT_EQ(ws.receive_text(), "x");
    }
    EXPECT_EQ(*log, (std::vector<std::string>{"before_websocket", "after_websocket 101",
                                              "teardown_websocket"}));
}

TEST(WebSockets, AbortBeforeAcceptIsAnHttpAnswerThroughErrorHandlers) {
    vial::App app;
    app.websocket("/private", [](vial::WebSocket&) -> vial::Task<void> {
        vial::abort(403, "members only");
        co_return;
    });
    app.errorhandler(403, [](vial::Request&, const vial::HttpError& e) {
        return std::pair<std::string, int>{"refused: " + e.description(), 403};
    });
    vial::TestClient client{app};
    try {
        client.websocket("/private");
        ADD_FAILURE() << "refused";
    } catch (const vial::TestWebSocketRejected& e) {
        EXPECT_EQ(e.status(), 403);
        EXPECT_EQ(e.response().text(), "refused: members only");
    }
}

TEST(WebSockets, TheViewSeesViewArgsGAndTheSession) {
    struct User {
        std::string name;
    };
    vial::App app;
    app.config().set("SECRET_KEY", "test-secret");
    app.before_websocket([](vial::RequestContext& ctx) -> std::optional<vial::Response> {
        ctx.g<User>().name = "ada";
        return std::nullopt;
    });
    app.websocket("/rooms/<room>", [](vial::WebSocket& ws) -> vial::Task<void> {
        std::string greeting = ws.context().g<User>().name + " in " +
                               ws.request().view_arg("room") + " via " +
                               ws.context().url_for("rooms_room", {{"room", "b"}});
        co_await ws.send(greeting);
    });
    vial::TestClient client{app};
    auto ws = client.websocket("/rooms/a");
    EXPECT_EQ(ws.receive_text(), "ada in a via /rooms/b");
    try {
        ws.receive();
        ADD_FAILURE() << "the view returned: the socket closes";
    } catch (const vial::WebSocketClosed& e) {
        EXPECT_EQ(e.code(), vial::close_code::normal);
    }
}

TEST(WebSockets, SubprotocolAndHandshakeHeaders) {
    vial::App app;
    app.websocket("/ws", [](vial::WebSocket& ws) -> vial::Task<void> {
        auto offered = ws.requested_subprotocols();
        vial::Headers extra;
        extra.add("X-Room", "lobby");
        vial::AcceptOptions options{.subprotocol = offered.back(), .headers = extra};
        co_await ws.accept(options);
        co_await ws.send(std::to_string(offered.size()));
    });
    app.websocket("/bad", [](vial::WebSocket& ws) -> vial::Task<void> {
        vial::AcceptOptions options{.subprotocol = "unoffered"};
        co_await ws.accept(options);
    });
    vial::TestClient client{app, {.propagate_exceptions = false}};
    auto ws = client.websocket("/ws", {}, {"chat.v1", "chat.v2"});
    EXPECT_EQ(ws.subprotocol(), "chat.v2");
    EXPECT_EQ(ws.headers().get_or("X-Room", ""), "lobby");
    EXPECT_EQ(ws.receive_text(), "2");
    try {
        client.websocket("/bad", {}, {"chat.v1"});
        ADD_FAILURE() << "a subprotocol the client did not offer is a server error";
    } catch (const vial::TestWebSocketRejected& e) {
        EXPECT_EQ(e.status(), 500);
    }
}

TEST(WebSockets, ClosingFromEitherSideCarriesTheCode) {
    auto seen = std::make_shared<int>(0);
    vial::App app;
    app.websocket("/listen", [seen](vial::WebSocket& ws) -> vial::Task<void> {
        try {
            co_await ws.receive();
        } catch (const vial::WebSocketClosed& e) {
            *seen = e.code();
            throw;
        }
    });
    app.websocket("/bye", [](vial::WebSocket& ws) -> vial::Task<void> {
        co_await ws.accept();
        co_await ws.close(4000, "go away");
    });
    vial::TestClient client{app};
    client.websocket("/listen").close(4001, "leaving");
    EXPECT_EQ(*seen, 4001);
    auto ws = client.websocket("/bye");
    try {
        ws.receive();
        ADD_FAILURE() << "closed by the view";
    } catch (const vial::WebSocketClosed& e) {
        EXPECT_EQ(e.code(), 4000);
        EXPECT_EQ(e.reason(), "go away");
    }
}

TEST(WebSockets, AClientLeavingCancelsAViewThatWaitsElsewhere) {
    auto cancelled = std::make_shared<bool>(false);
    vial::App app;
    app.websocket("/ticker", [cancelled](vial::WebSocket& ws) -> vial::Task<void> {
        co_await ws.accept();
        try {
            for (;;) co_await vial::sleep(10s);
        } catch (const vial::Cancelled&) {
            *cancelled = true;
            throw;
        }
    });
    vial::TestClient client{app};
    client.websocket("/ticker").close();
    EXPECT_TRUE(*cancelled);
}

TEST(WebSockets, AnExceptionAfterAcceptClosesWith1011) {
    vial::App app;
    app.websocket("/ws", [](vial::WebSocket& ws) -> vial::Task<void> {
        co_await ws.receive();
        throw std::runtime_error("view broke");
    });
    {
        vial::TestClient client{app};
        auto ws = client.websocket("/ws");
        ws.send("x");
        EXPECT_THROW(ws.receive(), std::runtime_error);  // propagated into the test
    }
    vial::TestClient quiet{app, {.propagate_exceptions = false}};
    auto ws = quiet.websocket("/ws");
    ws.send("x");
    try {
        ws.receive();
        ADD_FAILURE() << "closed by the failure";
    } catch (const vial::WebSocketClosed& e) {
        EXPECT_EQ(e.code(), vial::close_code::internal_error);
    }
}

TEST(WebSockets, WrongMessageKindsCloseWith1003And1007) {
    vial::App app;
    app.websocket("/text",
                  [](vial::WebSocket& ws) -> vial::Task<void> { co_await ws.receive_text(); });
    app.websocket("/json",
                  [](vial::WebSocket& ws) -> vial::Task<void> { co_await ws.receive_json(); });
    vial::TestClient client{app};
    auto text = client.websocket("/text");
    text.send_bytes("raw");
    try {
        text.receive();
        ADD_FAILURE();
    } catch (const vial::WebSocketClosed& e) {
        EXPECT_EQ(e.code(), vial::close_code::unsupported_data);
    }
    auto json = client.websocket("/json");
    json.send("{not json");
    try {
        json.receive();
        ADD_FAILURE();
    } catch (const vial::WebSocketClosed& e) {
        EXPECT_EQ(e.code(), vial::close_code::invalid_payload);
    }
}

TEST(WebSockets, BlueprintsCarryWebSocketRoutesAndHooks) {
    auto hooked = std::make_shared<int>(0);
    vial::App app;
    vial::Blueprint chat("chat", {.url_prefix = "/chat"});
    chat.before_websocket([hooked](vial::Request&) -> std::optional<vial::Response> {
        ++*hooked;
        return std::nullopt;
    });
    chat.websocket("/ws", echo, {.endpoint = "socket"});
    app.register_blueprint(chat);
    vial::TestClient client{app};
    auto ws = client.websocket("/chat/ws");
    ws.send("in a blueprint");
    EXPECT_EQ(ws.receive_text(), "in a blueprint");
    EXPECT_EQ(*hooked, 1);
    EXPECT_EQ(app.url_for("chat.socket"), "/chat/ws");
}

TEST(WebSockets, TheHubBroadcastsToARoom) {
    vial::WebSocketHub hub;
    vial::App app;
    app.websocket("/rooms/<room>", [&hub](vial::WebSocket& ws) -> vial::Task<void> {
        std::string room = ws.request().view_arg("room");
        co_await ws.accept();
        hub.join(ws, room);
        for (;;) {
            std::string text = co_await ws.receive_text();
            hub.broadcast(room, text);
        }
    });
    vial::TestClient client{app};
    auto a = client.websocket("/rooms/red");
    auto b = client.websocket("/rooms/red");
    auto c = client.websocket("/rooms/blue");
    EXPECT_EQ(hub.size("red"), 2u);
    a.send("hi red");
    EXPECT_EQ(a.receive_text(), "hi red");
    EXPECT_EQ(b.receive_text(), "hi red");
    c.send("hi blue");
    EXPECT_EQ(c.receive_text(), "hi blue");
    b.close();
    a.send("after b left");
    EXPECT_EQ(a.receive_text(), "after b left");
    EXPECT_EQ(hub.size("red"), 1u);
}

TEST(WebSockets, RegisteringAWebSocketRouteWithOtherMethodsIsRefused) {
    vial::App app;
    EXPECT_THROW(app.websocket("/ws", echo, {.methods = {"POST"}}), vial::Error);
}

}  // namespace

namespace {

TEST(WebSockets, MiddlewareWrapsWebSocketRoutesToo) {
    vial::App app;
    app.use([](vial::Request& req, vial::Next next) -> vial::Task<vial::Response> {
        if (req.headers().get_or("X-Key", "") != "k") co_return vial::Response("denied", 403);
        co_return co_await next();
    });
    app.websocket("/ws", echo);
    vial::TestClient client{app};
    try {
        client.websocket("/ws");
        ADD_FAILURE() << "the middleware refuses";
    } catch (const vial::TestWebSocketRejected& e) {
        EXPECT_EQ(e.status(), 403);
    }
    vial::Headers headers;
    headers.add("X-Key", "k");
    auto ws = client.websocket("/ws", {.headers = headers});
    ws.send("through");
    EXPECT_EQ(ws.receive_text(), "through");
}

}  // namespace

namespace {

TEST(WebSockets, OnlySendableCloseCodesGoOut) {
    auto refused = std::make_shared<bool>(false);
    vial::App app;
    app.websocket("/ws", [refused](vial::WebSocket& ws) -> vial::Task<void> {
        co_await ws.accept();
        try {
            co_await ws.close(vial::close_code::abnormal);  // 1006 is reported, never sent
        } catch (const vial::Error&) {
            *refused = true;
        }
        co_await ws.close(4999, std::string(200, 'r'));  // cut to 123 bytes
    });
    vial::TestClient client{app};
    auto ws = client.websocket("/ws");
    try {
        ws.receive();
        ADD_FAILURE();
    } catch (const vial::WebSocketClosed& e) {
        EXPECT_EQ(e.code(), 4999);
        EXPECT_EQ(e.reason().size(), 123u);
    }
    EXPECT_TRUE(*refused);
}

}  // namespace
