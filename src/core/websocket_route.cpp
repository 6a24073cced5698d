#include "websocket_route.hpp"

#include <vial/cancel.hpp>

#include <exception>

#include "request_access.hpp"
#include "websocket_transport.hpp"

namespace vial::detail {

namespace {

[[noreturn]] void refuse_plain_request(const Request& request) {
    if (wants_websocket(request)) {
        if (auto error = upgrade_error(request)) throw *error;
    }
    HttpError error(426, "This URL speaks WebSocket: connect with a WebSocket client.");
    error.headers().add("Upgrade", "websocket");
    error.headers().add("Connection", "Upgrade");
    throw error;
}

bool is_closed_error(const std::exception_ptr& error) {
    return exception_as<WebSocketClosed>(error) != nullptr;
}

Task<Response> run_view(const WebSocketView& view, RequestContext& ctx) {
    WebSocketTransport* transport = RequestAccess::websocket(ctx.request());
    if (!transport) refuse_plain_request(ctx.request());
    WebSocket ws(ctx, *transport);
    std::exception_ptr failure;
    try {
        co_await view(ws);
    } catch (...) {
        failure = std::current_exception();
    }
    transport->mark_view_returned();
    // The peer closing (or the connection dropping) is how most sockets end: not an
    // error. Anything else after the handshake closes with 1011 and goes on to the
    // error handlers and the log; before it, the error is the HTTP answer.
    if (failure && is_closed_error(failure)) failure = nullptr;
    if (!transport->accepted()) {
        if (failure) std::rethrow_exception(failure);
        throw HttpError(403, "The WebSocket view returned without accepting the connection.");
    }
    if (!failure) {
        co_await transport->close(close_code::normal, {});
    } else if (!is_cancellation(failure)) {
        co_await transport->close(close_code::internal_error, "internal error");
    }
    if (failure) std::rethrow_exception(failure);
    co_return Response(101);
}

}  // namespace

Handler websocket_handler(WebSocketView view) {
    if (!view) throw Error("a WebSocket route needs a view (got an empty function)");
    return [view = std::move(view)](RequestContext& ctx) { return run_view(view, ctx); };
}

}  // namespace vial::detail
