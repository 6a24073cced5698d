#include <vial/websocket.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "json_text.hpp"
#include "websocket_transport.hpp"

namespace vial {

Json WebSocketMessage::json() const {
    boost::system::error_code ec;
    Json value = boost::json::parse(data, ec);
    if (ec) throw Error("WebSocket message is not JSON (" + ec.message() + ")");
    return value;
}

WebSocketClosed::WebSocketClosed(int code, std::string reason)
    : Error("the WebSocket is closed (" + std::to_string(code) +
            (reason.empty() ? std::string() : " " + reason) + ")"),
      code_(code),
      reason_(std::move(reason)) {}

std::vector<std::string> WebSocket::requested_subprotocols() const {
    std::vector<std::string> out;
    for (std::string_view value : ctx_.request().headers().get_all("Sec-WebSocket-Protocol")) {
        while (!value.empty()) {
            std::size_t comma = value.find(',');
            std::string_view item = value.substr(0, comma);
            while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
            while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
            if (!item.empty()) out.emplace_back(item);
            if (comma == std::string_view::npos) break;
            value.remove_prefix(comma + 1);
        }
    }
    return out;
}

Task<void> WebSocket::accept() {
    AcceptOptions none;
    co_await transport_.accept(none);
}

Task<void> WebSocket::accept(const AcceptOptions& options) {
    if (transport_.accepted()) co_return;
    if (!options.subprotocol.empty()) {
        auto offered = requested_subprotocols();
        if (std::find(offered.begin(), offered.end(), options.subprotocol) == offered.end()) {
            throw Error("WebSocket accept: subprotocol '" + options.subprotocol +
                        "' was not offered by the client");
        }
    }
    co_await transport_.accept(options);
}

bool WebSocket::accepted() const noexcept {
    return transport_.accepted();
}

bool WebSocket::closed() const noexcept {
    return transport_.closed();
}

Task<WebSocketMessage> WebSocket::receive() {
    if (!transport_.accepted()) co_await accept();
    co_return co_await transport_.receive();
}

namespace {

Task<std::string> receive_kind(WebSocket& ws, detail::WebSocketTransport& transport, bool binary) {
    WebSocketMessage message = co_await ws.receive();
    if (message.binary != binary) {
        const char* why = binary ? "expected a binary message" : "expected a text message";
        co_await transport.close(close_code::unsupported_data, why);
        throw WebSocketClosed(close_code::unsupported_data, why);
    }
    co_return std::move(message.data);
}

}  // namespace

Task<std::string> WebSocket::receive_text() {
    return receive_kind(*this, transport_, false);
}

Task<std::string> WebSocket::receive_bytes() {
    return receive_kind(*this, transport_, true);
}

Task<Json> WebSocket::receive_json() {
    std::string text = co_await receive_text();
    boost::system::error_code ec;
    Json value = boost::json::parse(text, ec);
    if (ec) {
        std::string why = "invalid JSON: " + ec.message();
        co_await transport_.close(close_code::invalid_payload, why);
        throw WebSocketClosed(close_code::invalid_payload, why);
    }
    co_return value;
}

Task<void> WebSocket::send(std::string_view text) {
    if (!transport_.accepted()) co_await accept();
    co_await transport_.send(text, false);
}

Task<void> WebSocket::send_bytes(std::string_view bytes) {
    if (!transport_.accepted()) co_await accept();
    co_await transport_.send(bytes, true);
}

Task<void> WebSocket::send_json(const Json& value) {
    std::string text = detail::json_text(value);
    co_await send(text);
}

Task<void> WebSocket::send(const WebSocketMessage& message) {
    if (!transport_.accepted()) co_await accept();
    co_await transport_.send(message.data, message.binary);
}

namespace {

// RFC 6455 7.4: what an endpoint may put in a close frame. 1005, 1006 and 1015 only
// report what happened locally; 1004 and 1016-2999 are reserved or unassigned.
bool sendable_close_code(int code) {
    if (code >= 3000 && code <= 4999) return true;
    return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

// At most 123 bytes (a control frame's 125 minus the code), cut on a UTF-8 boundary.
std::string_view close_reason(std::string_view reason) {
    if (reason.size() <= 123) return reason;
    std::size_t end = 123;
    while (end > 0 && (static_cast<unsigned char>(reason[end]) & 0xC0) == 0x80) --end;
    return reason.substr(0, end);
}

}  // namespace

Task<void> WebSocket::close(int code, std::string_view reason) {
    if (!sendable_close_code(code)) {
        throw Error("WebSocket close: " + std::to_string(code) +
                    " cannot be sent (use 1000-1003, 1007-1014 or 3000-4999)");
    }
    reason = close_reason(reason);
    if (!transport_.accepted()) {
        // Closing before the handshake is refusing it: the app answers 403 instead.
        throw HttpError(403, "The WebSocket was closed before it was accepted.");
    }
    co_await transport_.close(code, reason);
}

}  // namespace vial
