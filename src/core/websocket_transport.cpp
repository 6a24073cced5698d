#include "websocket_transport.hpp"

#include <vial/cancel.hpp>

#include <exception>

namespace vial::detail {

WebSocketTransport::WebSocketTransport(boost::asio::any_io_executor executor,
                                       WebSocketOptions options)
    : executor_(std::move(executor)), options_(options), turn_(executor_) {}

WebSocketTransport::~WebSocketTransport() {
    if (hub_link_) hub_link_->transport = nullptr;
}

Task<void> WebSocketTransport::accept(const AcceptOptions& options) {
    if (accepted_) co_return;
    if (closed_) throw_closed();
    accepted_ = true;
    co_await do_accept(options);
}

Task<bool> WebSocketTransport::take_turn() {
    while (writing_ && !closed_) co_await turn_.wait();
    if (closed_) co_return false;
    writing_ = true;
    co_return true;
}

void WebSocketTransport::release_turn() {
    writing_ = false;
    turn_.notify_all();
}

Task<void> WebSocketTransport::send(std::string_view data, bool binary) {
    if (!co_await take_turn()) throw_closed();
    std::exception_ptr failure;
    try {
        co_await do_send(data, binary);
    } catch (...) {
        failure = std::current_exception();
    }
    release_turn();
    if (failure) std::rethrow_exception(failure);
}

Task<void> WebSocketTransport::close(int code, std::string_view reason) {
    if (!co_await take_turn()) co_return;
    std::exception_ptr failure;
    try {
        co_await do_close(code, reason);
    } catch (...) {
        failure = std::current_exception();
    }
    release_turn();
    mark_closed(code, std::string(reason));
    if (failure && is_cancellation(failure)) std::rethrow_exception(failure);
}

void WebSocketTransport::abort(int code, std::string reason) {
    if (closed_) return;
    mark_closed(code, std::move(reason));
    do_abort();
}

const std::shared_ptr<HubLink>& WebSocketTransport::hub_link() {
    if (!hub_link_) {
        hub_link_ = std::make_shared<HubLink>(executor_, this);
        hub_link_->open = !closed_;
    }
    return hub_link_;
}

void WebSocketTransport::mark_closed(int code, std::string reason) {
    turn_.notify_all();
    if (closed_) return;
    closed_.emplace(code, std::move(reason));
    if (hub_link_) hub_link_->open = false;
    on_closed();
}

void WebSocketTransport::throw_closed() const {
    throw *closed_;
}

namespace {

bool has_token(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        std::size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (iequals(item, token)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

bool any_header_has_token(const Request& request, std::string_view name, std::string_view token) {
    for (std::string_view value : request.headers().get_all(name)) {
        if (has_token(value, token)) return true;
    }
    return false;
}

// A Sec-WebSocket-Key is the base64 form of 16 bytes: 22 characters and "==".
bool valid_key(std::string_view key) {
    if (key.size() != 24 || !key.ends_with("==")) return false;
    for (char c : key.substr(0, 22)) {
        bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '+' && c != '/') return false;
    }
    return true;
}

}  // namespace

bool wants_websocket(const Request& request) {
    return any_header_has_token(request, "Upgrade", "websocket");
}

std::optional<HttpError> upgrade_error(const Request& request) {
    if (request.method() != "GET")
        return HttpError(400, "A WebSocket upgrade must be a GET request.");
    if (request.http_version() != 11) return HttpError(400, "A WebSocket upgrade needs HTTP/1.1.");
    if (!any_header_has_token(request, "Connection", "upgrade"))
        return HttpError(400, "A WebSocket upgrade needs 'Connection: Upgrade'.");
    auto keys = request.headers().get_all("Sec-WebSocket-Key");
    if (keys.size() != 1 || !valid_key(keys.front()))
        return HttpError(400, "A WebSocket upgrade needs one valid Sec-WebSocket-Key.");
    auto versions = request.headers().get_all("Sec-WebSocket-Version");
    if (versions.size() != 1 || versions.front() != "13") {
        HttpError error(426, "This server speaks WebSocket version 13 only.");
        error.headers().add("Sec-WebSocket-Version", "13");
        return error;
    }
    return std::nullopt;
}

}  // namespace vial::detail
