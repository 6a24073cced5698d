#include "websocket_session.hpp"

#include <vial/cancel.hpp>
#include <vial/version.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/error.hpp>

#include <algorithm>
#include <array>
#include <string>

#include "../runtime/launch.hpp"
#include "admission.hpp"
#include "connection.hpp"
#include "loop.hpp"

namespace vial::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace http = boost::beast::http;

namespace {

const std::string kServer = std::string("vial/") + kVersion;

auto as_result() {
    return asio::as_tuple(asio::deferred);
}

// Counts the view as being inside receive/send for the scope.
struct InIo {
    explicit InIo(int& n) : n(n) { ++n; }
    ~InIo() { --n; }
    int& n;
};

}  // namespace

ServerWebSocket::ServerWebSocket(Connection& c, const Request& request,
                                 const WebSocketOptions& options)
    : WebSocketTransport(c.socket.get_executor(), options),
      c_(c),
      request_(request),
      ws_(c.socket),
      inbox_changed_(c.socket.get_executor()) {}

ServerWebSocket::~ServerWebSocket() {
    if (inbox_bytes_ > 0) c_.loop.admission.release(inbox_bytes_);  // never taken by the view
}

Task<void> ServerWebSocket::do_accept(const AcceptOptions& accept) {
    const WebSocketOptions& o = options();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout =
        o.idle_timeout.count() > 0
            ? std::chrono::duration_cast<websocket::stream_base::duration>(o.idle_timeout)
            : websocket::stream_base::none();
    timeouts.keep_alive_pings = o.idle_timeout.count() > 0;
    ws_.set_option(timeouts);
    ws_.read_message_max(o.max_message_bytes);
    ws_.auto_fragment(false);
    websocket::permessage_deflate deflate;
    deflate.server_enable = o.compression;
    ws_.set_option(deflate);
    // The decorator lives as long as the socket: capture nothing unless there is
    // something to add (a captureless one costs no allocation).
    if (accept.subprotocol.empty() && accept.headers.empty()) {
        ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
            response.set(http::field::server, kServer);
        }));
    } else {
        std::string subprotocol = accept.subprotocol;
        Headers extra = accept.headers;
        ws_.set_option(websocket::stream_base::decorator(
            [subprotocol, extra](websocket::response_type& response) {
                response.set(http::field::server, kServer);
                if (!subprotocol.empty())
                    response.set(http::field::sec_websocket_protocol, subprotocol);
                for (const auto& [name, value] : extra) response.insert(name, value);
            }));
    }

    http::request<http::empty_body> upgrade;
    upgrade.method(http::verb::get);
    upgrade.target(request_.target());
    upgrade.version(11);
    for (const auto& [name, value] : request_.headers()) upgrade.insert(name, value);

    auto [ec] = co_await ws_.async_accept(upgrade, as_result());
    if (ec) {
        record_error(ec);
        throw_closed();
    }
    reader_running_ = true;
    idle_phase();
    // Launched as a connection is (no co_spawn work guard or entry frame): the loop's
    // sweeper keeps the context running.
    launch_thread(c_.loop.context.get_executor(), read_loop(), asio::cancellation_slot());
}

ThreadTask ServerWebSocket::read_loop() {
    // The bottom of its own thread of execution: nothing may escape.
    try {
        // An idle socket waits with its next message's first bytes bound for this small
        // array in the frame, not for a buffer prepared on the heap (Beast's async_read into
        // a dynamic buffer prepares ~1.5 KB before it waits); a longer message continues into
        // its own string.
        std::array<char, 128> first;
        for (;;) {
            // Backpressure: while the view lags, stop reading (the peer's sends then wait).
            // Queued bytes stay under one maximal message, whatever the count allows.
            // Past the server's buffered-bytes budget (MAX_BUFFERED_BYTES, shared with HTTP
            // bodies and unsent responses), a socket that already holds messages reads no more.
            while (!closed() && (inbox_count() >= options().max_queued_messages ||
                                 inbox_bytes_ >= options().max_message_bytes ||
                                 (inbox_bytes_ > 0 && c_.loop.admission.over_budget())))
                co_await inbox_changed_.wait();
            auto [ec, n] = co_await ws_.async_read_some(asio::buffer(first), as_result());
            std::string message(first.data(), n);
            while (!ec && !ws_.is_message_done()) {
                // Read_message_max bounds the whole (Beast checks each frame against it).
                std::size_t had = message.size();
                std::size_t chunk = std::clamp<std::size_t>(had, 4096, 64 * 1024);
                message.resize(had + chunk);
                auto [more_ec, more] = co_await ws_.async_read_some(
                    asio::buffer(message.data() + had, chunk), as_result());
                message.resize(had + more);
                ec = more_ec;
            }
            if (ec) {
                record_error(ec);
                break;
            }
            std::size_t size = message.size();
            inbox_.push_back({std::move(message), !ws_.got_text()});
            inbox_bytes_ += size;
            c_.loop.admission.charge(size);
            inbox_changed_.notify_all();
        }
    } catch (...) {
        // A failure (out of memory) ends the reader as a peer that leaves does.
    }
    reader_running_ = false;
    inbox_changed_.notify_all();
    // The peer left (or broke the protocol) while the view awaits something else: cancel
    // it, as a client that goes away cancels an HTTP view.
    if (!closing_) cancel_view();
}

void ServerWebSocket::cancel_view() {
    if (view_in_receive_ == 0 && !view_returned() && !c_.abandoned) c_.cancel_view();
}

void ServerWebSocket::idle_phase() {
    c_.phase = Connection::Phase::Upgraded;
    c_.deadline = Connection::TimePoint::max();
}

void ServerWebSocket::cut() {
    closing_ = true;
    boost::system::error_code ignored;
    c_.socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    c_.socket.cancel(ignored);
}

void ServerWebSocket::record_error(const boost::system::error_code& ec) {
    if (ec == websocket::error::closed) {
        const websocket::close_reason& reason = ws_.reason();
        int code = reason.code == websocket::close_code::none ? close_code::no_status
                                                              : static_cast<int>(reason.code);
        mark_closed(code, std::string(reason.reason.data(), reason.reason.size()));
    } else if (ec == websocket::error::message_too_big || ec == websocket::error::buffer_overflow) {
        mark_closed(close_code::message_too_big, "message too big");
    } else if (ec == websocket::error::bad_frame_payload ||
               ec == websocket::error::bad_close_payload) {
        mark_closed(close_code::invalid_payload, "invalid UTF-8");
    } else if (ec == websocket::condition::protocol_violation) {
        mark_closed(close_code::protocol_error, "protocol error: " + ec.message());
    } else if (ec == beast::error::timeout) {
        mark_closed(close_code::abnormal, "timed out");
    } else {
        mark_closed(close_code::abnormal, "connection lost: " + ec.message());
    }
}

Task<WebSocketMessage> ServerWebSocket::receive() {
    InIo in_receive(view_in_receive_);
    while (inbox_count() == 0 && reader_running_) co_await inbox_changed_.wait();
    if (inbox_count() == 0) throw_closed();
    WebSocketMessage message = std::move(inbox_[inbox_head_++]);
    // The consumed front goes once it is half the vector (amortized O(1) per message).
    if (inbox_head_ * 2 >= inbox_.size()) {
        inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(inbox_head_));
        inbox_head_ = 0;
    }
    inbox_bytes_ -= message.data.size();
    c_.loop.admission.release(message.data.size());
    inbox_changed_.notify_all();  // the reader may wait for room
    co_return message;
}

Task<void> ServerWebSocket::do_send(std::string_view data, bool binary) {
    // A peer that takes nothing for WRITE_TIMEOUT_MS is cut, as an HTTP client is (the
    // sweeper enforces the deadline; Beast's own timer only watches reads).
    c_.phase = Connection::Phase::Write;
    c_.write_started = c_.last_progress = c_.loop.now;
    c_.written = c_.written_at_sweep = 0;
    c_.deadline = c_.loop.now + c_.loop.options.limits.write_timeout;
    c_.timed_out = false;
    ws_.binary(binary);
    auto [ec, n] = co_await ws_.async_write(asio::buffer(data.data(), data.size()), as_result());
    idle_phase();
    if (!ec) co_return;
    auto state = co_await asio::this_coro::cancellation_state;
    if (ec == asio::error::operation_aborted &&
        state.cancelled() != asio::cancellation_type::none) {
        // The sender was cancelled mid-frame: the stream cannot carry another frame.
        abort(close_code::abnormal, "a send was cancelled");
        throw Cancelled("the WebSocket send was cancelled");
    }
    if (c_.timed_out) {
        mark_closed(close_code::abnormal, "the peer took nothing for WRITE_TIMEOUT_MS");
    } else {
        record_error(ec);
    }
    cut();  // the reader, too, must end: the connection is unusable
    throw_closed();
}

Task<void> ServerWebSocket::do_close(int code, std::string_view reason) {
    closing_ = true;
    websocket::close_reason why(static_cast<websocket::close_code>(code),
                                beast::string_view(reason.data(), reason.size()));
    auto [ec] = co_await ws_.async_close(why, as_result());
    (void)ec;  // the peer may be gone already: closed either way
}

void ServerWebSocket::do_abort() {
    cut();
    // The view learns it at its next receive or send; if it waits elsewhere, cancel it.
    cancel_view();
}

void ServerWebSocket::going_away() {
    if (going_away_) return;
    going_away_ = true;
    // Even a view in receive() is cancelled: finish() then closes with 1001.
    if (!view_returned() && !c_.abandoned) c_.cancel_view();
}

Task<void> ServerWebSocket::finish() {
    // Nothing may cancel this any more (a sweeper, shutdown): the reader and the hub's
    // tasks point at this object, which must outlive them. Each wait is bounded by
    // Beast's close timeout or by the socket being cut.
    co_await asio::this_coro::reset_cancellation_state(
        [](asio::cancellation_type) { return asio::cancellation_type::none; });
    if (closed() && reader_running_) cut();  // closed without a handshake: end the reader
    if (!closed()) {
        if (going_away_) {
            co_await close(close_code::going_away, "server shutting down");
        } else {
            co_await close(close_code::normal, {});
        }
    }
    while (reader_running_) co_await inbox_changed_.wait();
    // Hub deliveries still in send() fail fast now that the socket is closed.
    while (hub_busy()) co_await sleep(std::chrono::milliseconds(1));
}

}  // namespace vial::detail
