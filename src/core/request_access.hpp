#pragma once
// The framework's write access to a Request's private parts (server, dispatcher,
// test client). Users only read a Request.
#include <vial/request.hpp>

namespace vial::detail {

/// 12 random base64url characters: the id of a request that came without one.
std::string new_request_id();

struct RequestAccess {
    static void set_remote_addr(Request& r, std::string addr) {
        r.remote_addr_.own(std::move(addr));
    }
    /// Refers to `addr` (the connection's), which outlives the request.
    static void lend_remote_addr(Request& r, const std::string& addr) {
        r.remote_addr_.borrow(addr);
    }
    static void set_http_version(Request& r, int version) {
        r.http_version_ = static_cast<std::uint8_t>(version);
    }
    /// Refers to `endpoint` (the route's), which outlives the request.
    static void set_endpoint(Request& r, const std::string& endpoint) {
        r.endpoint_.borrow(endpoint);
    }
    static auto& view_args(Request& r) { return r.view_args_; }
    static void set_websocket(Request& r, WebSocketTransport* t) { r.websocket_.ptr = t; }
    static WebSocketTransport* websocket(const Request& r) { return r.websocket_.ptr; }
    static void set_body_stream(Request& r, BodyStream* s) { r.body_stream_.ptr = s; }
    static Headers& headers(Request& r) { return r.headers_; }
    static std::string take_body(Request& r) {
        std::string body = r.body_ ? std::move(*r.body_) : std::string();
        r.body_.reset();
        return body;
    }
    /// The path the router matches (see detail::routing_path); escaped() when it holds
    /// %25 / %2F escapes that matched values must shed.
    static const std::string& route_path(const Request& r) {
        return r.route_path_ ? *r.route_path_ : r.path_;
    }
    static bool route_path_escaped(const Request& r) { return bool(r.route_path_); }
    /// Takes the id from the `header` the request came with, when it is a safe one (see
    /// Request::id); otherwise id() generates one.
    static void adopt_id(Request& r, std::string_view header);
};

}  // namespace vial::detail
