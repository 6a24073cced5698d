// WebSockets over real sockets: RFC 6455 strictness with hand-made frames, and an
// independent client (python3-websockets) for echo, fragmentation, ping, compression,
// many sockets and the hub across loops.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <thread>

#include "server_fixture.hpp"
#include "support/command_output.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kUpgrade =
    "GET /ws/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

// A client frame: masked unless told otherwise (RFC 6455 5.2).
std::string frame(int opcode, std::string_view payload, bool fin = true, bool masked = true,
                  int rsv = 0) {
    std::string out;
    out += static_cast<char>((fin ? 0x80 : 0) | (rsv << 4) | opcode);
    char mask_bit = masked ? static_cast<char>(0x80) : 0;
    if (payload.size() < 126) {
        out += static_cast<char>(mask_bit | static_cast<char>(payload.size()));
    } else {
        out += static_cast<char>(mask_bit | 126);
        out += static_cast<char>(payload.size() >> 8);
        out += static_cast<char>(payload.size() & 0xff);
    }
    const char key[4] = {0x12, 0x34, 0x56, 0x78};
    if (masked) out.append(key, 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
        out += masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
    return out;
}

struct ServerFrame {
    int opcode = -1;
    std::string payload;
    int close_code() const {
        return payload.size() >= 2 ? (static_cast<unsigned char>(payload[0]) << 8) |
                                         static_cast<unsigned char>(payload[1])
                                   : 0;
    }
};

ServerFrame read_frame(RawClient& client) {
    std::string head = client.read_exact(2);
    if (head.size() < 2) return {};
    ServerFrame f;
    f.opcode = head[0] & 0x0f;
    std::size_t length = head[1] & 0x7f;
    if (length == 126) {
        std::string ext = client.read_exact(2);
        length = (static_cast<unsigned char>(ext[0]) << 8) | static_cast<unsigned char>(ext[1]);
    } else if (length == 127) {
        std::string ext = client.read_exact(8);
        length = 0;
        for (char c : ext) length = (length << 8) | static_cast<unsigned char>(c);
    }
    f.payload = client.read_exact(length);
    return f;
}

struct ViewProbe {
    std::atomic<bool> cancelled{false};
    std::atomic<std::size_t> sent{0};
};

Task<void> wait_forever(std::shared_ptr<ViewProbe> probe, WebSocket& ws) {
    co_await ws.accept();
    try {
        for (;;) co_await sleep(10s);
    } catch (const Cancelled&) {
        probe->cancelled = true;
        throw;
    }
}

Task<void> flood(std::shared_ptr<ViewProbe> probe, WebSocket& ws) {
    std::string block(64 * 1024, 'x');
    for (;;) {
        co_await ws.send_bytes(block);
        probe->sent += block.size();
    }
}

std::string loop_name() {
    return std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()));
}

Task<void> room_member(std::shared_ptr<WebSocketHub> hub, WebSocket& ws) {
    std::string room = ws.request().view_arg("room");
    co_await ws.accept();
    hub->join(ws, room);
    Json greeting{{"loop", loop_name()}};
    co_await ws.send_json(greeting);
    for (;;) {
        std::string text = co_await ws.receive_text();
        hub->broadcast(room, text);
    }
}

class WebSocketServer : public ServerTest {
  protected:
    std::shared_ptr<ViewProbe> probe = std::make_shared<ViewProbe>();
    std::shared_ptr<WebSocketHub> hub = std::make_shared<WebSocketHub>();
    std::shared_ptr<WebSocketHub> skipping_hub = std::make_shared<WebSocketHub>(
        WebSocketHubOptions{.max_pending = 4, .when_full = WebSocketHubOptions::WhenFull::Skip});

    void start_ws(WebSocketOptions options = {}, unsigned threads = 1) {
        auto p = probe;
        auto h = hub;
        auto skipping = skipping_hub;
        start(
            {}, threads,
            [p, h, skipping](App& app) {
                app.websocket("/ws/skipping/<room>",
                              [skipping](WebSocket& ws) { return room_member(skipping, ws); });
                app.websocket("/ws/wait", [p](WebSocket& ws) { return wait_forever(p, ws); });
                app.websocket("/ws/flood", [p](WebSocket& ws) { return flood(p, ws); });
                app.websocket("/ws/room/<room>", [h](WebSocket& ws) { return room_member(h, ws); });
            },
            options);
    }

    // Upgrades a raw connection; returns the 101's head.
    std::string handshake(RawClient& client, std::string_view path = "/ws/echo") {
        std::string request(kUpgrade);
        request.replace(request.find("/ws/echo"), 8, path);
        client.send(request);
        return client.read_until("\r\n\r\n");
    }

    // Runs ws_peer.py; its one line of JSON.
    Json peer(const std::string& args) {
        std::string command =
            "/usr/bin/python3 " VIAL_WS_PEER_PATH " " + std::to_string(port()) + " " + args;
        std::string output = command_output(command);
        boost::system::error_code ec;
        Json result = boost::json::parse(output, ec);
        EXPECT_FALSE(ec) << output;
        EXPECT_FALSE(result.is_object() && result.as_object().contains("error")) << output;
        return result;
    }

    // Sends `bytes` after the handshake and returns the close code the server answers.
    int close_code_for(std::string_view bytes) {
        RawClient client(port());
        handshake(client);
        client.send(bytes);
        ServerFrame f = read_frame(client);
        EXPECT_EQ(f.opcode, 8) << "expected a close frame";
        return f.close_code();
    }
};

TEST_F(WebSocketServer, TheHandshakeFollowsTheRfc) {
    start_ws();
    RawClient client(port());
    std::string head = handshake(client);
    EXPECT_NE(head.find("HTTP/1.1 101"), std::string::npos) << head;
    // RFC 6455 1.3's example key and accept value.
    EXPECT_NE(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos)
        << head;
    client.send(frame(1, "hello"));
    ServerFrame echoed = read_frame(client);
    EXPECT_EQ(echoed.opcode, 1);
    EXPECT_EQ(echoed.payload, "hello");
    client.send(frame(9, "ping data"));
    ServerFrame pong = read_frame(client);
    EXPECT_EQ(pong.opcode, 10);
    EXPECT_EQ(pong.payload, "ping data");
    // The client closes: the server answers with its close frame and ends the connection.
    client.send(frame(8, std::string("\x03\xe8", 2)));
    ServerFrame closing = read_frame(client);
    EXPECT_EQ(closing.opcode, 8);
    EXPECT_EQ(closing.close_code(), 1000);
    EXPECT_TRUE(client.wait_closed());
}

TEST_F(WebSocketServer, ProtocolViolationsCloseWith1002) {
    start_ws();
    EXPECT_EQ(close_code_for(frame(1, "unmasked", true, false)), 1002);
    EXPECT_EQ(close_code_for(frame(1, "reserved bits", true, true, 2)), 1002);
    EXPECT_EQ(close_code_for(frame(3, "unknown opcode")), 1002);
    EXPECT_EQ(close_code_for(frame(9, "fragmented ping", false)), 1002);
    EXPECT_EQ(close_code_for(frame(9, std::string(126, 'p'))), 1002);  // control > 125 bytes
    EXPECT_EQ(close_code_for(frame(0, "continuation of nothing")), 1002);
}

TEST_F(WebSocketServer, InvalidUtf8TextClosesWith1007) {
    start_ws();
    EXPECT_EQ(close_code_for(frame(1, "bad \xc3\x28 utf8")), 1007);
}

TEST_F(WebSocketServer, AnOversizedMessageClosesWith1009) {
    WebSocketOptions options;
    options.max_message_bytes = 1000;
    start_ws(options);
    EXPECT_EQ(close_code_for(frame(2, std::string(1001, 'b'))), 1009);
    Json result = peer("too_big 5000");
    EXPECT_EQ(result.at("code"), 1009);
}

TEST_F(WebSocketServer, BadUpgradeRequestsGet400Or426WithAReason) {
    start_ws();
    std::string no_key(kUpgrade);
    no_key.erase(no_key.find("Sec-WebSocket-Key"),
                 no_key.find("Sec-WebSocket-Version") - no_key.find("Sec-WebSocket-Key"));
    RawResponse r = roundtrip(port(), no_key);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("Sec-WebSocket-Key"), std::string::npos) << r.body;
    std::string old_version(kUpgrade);
    old_version.replace(old_version.find("Version: 13"), 11, "Version: 8");
    r = roundtrip(port(), old_version);
    EXPECT_EQ(r.status, 426);
    EXPECT_EQ(r.header("Sec-WebSocket-Version"), "13");
    r = roundtrip(port(), "GET /ws/echo HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(r.status, 426);
    EXPECT_EQ(r.header("Upgrade"), "websocket");
}

TEST_F(WebSocketServer, AnIndependentClientEchoesFragmentsPingsAndCompresses) {
    start_ws();
    Json result = peer("echo 65536");
    EXPECT_EQ(result.at("text_ok"), true);
    EXPECT_EQ(result.at("bytes_ok"), true);
    EXPECT_EQ(result.at("fragments"), "fragmented");
    EXPECT_EQ(result.at("pong"), true);
    // The client offered permessage-deflate and the server took it.
    EXPECT_EQ(result.at("extensions"), (Json{"PerMessageDeflate"}));
}

TEST_F(WebSocketServer, AThousandSocketsOnOneLoop) {
    start_ws();
    Json result = peer("many 1000");
    EXPECT_EQ(result.at("ok"), 1000);
    EXPECT_EQ(result.at("close_codes"), (Json{1000}));
}

TEST_F(WebSocketServer, TheHubReachesSocketsOnEveryLoop) {
    start_ws({}, 2);
    Json result = peer("hub 16");
    EXPECT_EQ(result.at("received"), 16);
    EXPECT_EQ(result.at("loops"), 2);  // 16 connections over two SO_REUSEPORT listeners
}

// A member that does not read while the room is busy: dropped (closed) by default, its
// messages skipped with WhenFull::Skip; either way the hub holds a bounded amount for it.
TEST_F(WebSocketServer, ASlowHubMemberIsDroppedOrSkipped) {
    start_ws();
    RawClient slow(port(), 5s, 4096);
    handshake(slow, "/ws/room/busy");
    RawClient skipped(port(), 5s, 4096);
    handshake(skipped, "/ws/skipping/busy");
    ASSERT_TRUE(
        eventually([&] { return hub->size("busy") == 1 && skipping_hub->size("busy") == 1; }, 2s));
    std::string big(64 * 1024, 'b');
    for (int i = 0; i < 200; ++i) {
        hub->broadcast("busy", big);
        skipping_hub->broadcast("busy", big);
    }
    EXPECT_TRUE(eventually([&] { return hub->size("busy") == 0; }, 5s));  // closed with 1008
    EXPECT_EQ(skipping_hub->size("busy"), 1u);  // still a member, messages skipped
}

TEST_F(WebSocketServer, APeerThatLeavesCancelsTheView) {
    start_ws();
    {
        RawClient client(port());
        handshake(client, "/ws/wait");
        client.reset();
    }
    EXPECT_TRUE(eventually([&] { return probe->cancelled.load(); }, 3s));
}

TEST_F(WebSocketServer, ASlowReaderStallsTheSenderInsteadOfGrowingMemory) {
    start_ws();
    RawClient client(port(), 5s, 4096);
    handshake(client, "/ws/flood");
    std::this_thread::sleep_for(500ms);
    std::size_t stalled = probe->sent.load();
    EXPECT_LT(stalled, 8u << 20);
    std::this_thread::sleep_for(200ms);
    EXPECT_LE(probe->sent.load(), stalled + 64 * 1024);
}

TEST_F(WebSocketServer, ShutdownClosesSocketsWith1001) {
    start_ws();
    std::string command =
        "/usr/bin/python3 " VIAL_WS_PEER_PATH " " + std::to_string(port()) + " wait_close";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char line[512];
    ASSERT_NE(std::fgets(line, sizeof line, pipe), nullptr);  // {"connected": true}
    auto started = std::chrono::steady_clock::now();
    server().stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    std::string output;
    while (std::fgets(line, sizeof line, pipe)) output += line;
    ::pclose(pipe);
    EXPECT_NE(output.find("\"code\": 1001"), std::string::npos) << output;
}

}  // namespace
}  // namespace vial::testing

namespace vial::testing {
namespace {

// The chat page in a real browser: two headless Chromium pages in one room, one sends,
// the other shows the message. The screenshot is kept as a test artifact.
TEST_F(WebSocketServer, TheChatPageWorksInARealBrowser) {
    start_ws({}, 2);
    std::string screenshot = VIAL_TEST_ARTIFACTS "/chat.png";
    std::remove(screenshot.c_str());
    std::string command =
        "/usr/bin/python3 " VIAL_CHAT_BROWSER_PATH " " + std::to_string(port()) + " " + screenshot;
    std::string output = command_output(command);
    EXPECT_NE(output.find("\"seen\": true"), std::string::npos) << output;
    EXPECT_NE(output.find("alice: hello from alice"), std::string::npos) << output;
    std::FILE* png = std::fopen(screenshot.c_str(), "rb");
    ASSERT_NE(png, nullptr) << "no screenshot at " << screenshot;
    char magic[4] = {};
    EXPECT_EQ(std::fread(magic, 1, 4, png), 4u);
    std::fclose(png);
    EXPECT_EQ(std::string(magic + 1, 3), "PNG");
}

}  // namespace
}  // namespace vial::testing

namespace vial::testing {
namespace {

TEST_F(WebSocketServer, AnIdlePeerIsPingedThenDropped) {
    WebSocketOptions options;
    options.idle_timeout = 400ms;
    start_ws(options);
    RawClient client(port(), 5s);
    handshake(client);
    ServerFrame ping = read_frame(client);  // at half the idle timeout
    EXPECT_EQ(ping.opcode, 9);
    auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.wait_closed());  // no pong: the server gives up
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(WebSocketServer, APeerThatAnswersPingsStaysConnected) {
    WebSocketOptions options;
    options.idle_timeout = 400ms;
    start_ws(options);
    RawClient client(port(), 5s);
    handshake(client);
    for (int i = 0; i < 3; ++i) {
        ServerFrame ping = read_frame(client);
        ASSERT_EQ(ping.opcode, 9);
        client.send(frame(10, ping.payload));  // pong
    }
    client.send(frame(1, "still here"));
    EXPECT_EQ(read_frame(client).payload, "still here");
}

}  // namespace
}  // namespace vial::testing

namespace vial::testing {
namespace {

// Messages a view has not taken are held by the server: they count against its
// buffered-bytes budget, as request bodies do, so a flood of them turns new request
// bodies away with 503 instead of growing without a ceiling.
TEST_F(WebSocketServer, QueuedMessagesCountAgainstTheBufferedBytesBudget) {
    auto p = probe;
    ConnectionLimits limits;
    limits.max_buffered_bytes = 100 * 1024;
    start(limits, 1, [p](App& app) {
        app.websocket("/ws/wait", [p](WebSocket& ws) { return wait_forever(p, ws); });
    });
    RawClient client(port());
    handshake(client, "/ws/wait");
    for (int i = 0; i < 6; ++i) client.send(frame(2, std::string(30 * 1024, 'q')));
    auto post = [&] {
        return roundtrip(port(),
                         "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         "Content-Length: 2\r\n\r\n{}")
            .status;
    };
    EXPECT_TRUE(eventually([&] { return post() == 503; }, 3s));
}

}  // namespace
}  // namespace vial::testing
