#include <vial/cancel.hpp>
#include <vial/error.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/json/serialize.hpp>

#include "../core/dispatcher.hpp"
#include "../core/json_text.hpp"
#include "../core/request_access.hpp"
#include "test_websocket_state.hpp"

namespace vial {

TestWebSocketRejected::TestWebSocketRejected(TestResponse response)
    : Error("the app refused the WebSocket with HTTP " + std::to_string(response.status()) + ": " +
            response.text().substr(0, 200)),
      response_(std::move(response)) {}

TestWebSocket::State::State(boost::asio::io_context& ctx, bool propagate_exceptions,
                            std::unique_ptr<Request> req, const WebSocketOptions& options)
    : WebSocketTransport(ctx.get_executor(), options),
      context(ctx),
      propagate(propagate_exceptions),
      request(std::move(req)),
      client_sent(ctx.get_executor()) {
    detail::RequestAccess::set_websocket(*request, this);
}

TestWebSocket::State::~State() = default;

void TestWebSocket::State::start(const detail::Dispatcher& dispatcher) {
    boost::asio::co_spawn(context, dispatcher.full_dispatch(*request, propagate),
                          boost::asio::bind_cancellation_slot(
                              cancel.slot(), [this](std::exception_ptr e, Response r) {
                                  failure = e;
                                  if (!e) response.emplace(std::move(r));
                                  done = true;
                              }));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!accepted() && !done && run_one(deadline)) {
    }
    if (accepted()) return;
    if (!done) throw Error("TestClient: the WebSocket view neither accepted nor answered in 10 s");
    if (failure) std::rethrow_exception(std::exchange(failure, nullptr));
    throw TestWebSocketRejected(TestResponse(std::move(*response)));
}

bool TestWebSocket::State::run_one(std::chrono::steady_clock::time_point deadline) {
    context.restart();
    return context.run_one_until(deadline) > 0;
}

void TestWebSocket::State::rethrow_failure() {
    if (failure && propagate) std::rethrow_exception(std::exchange(failure, nullptr));
}

Task<WebSocketMessage> TestWebSocket::State::receive() {
    ++view_in_receive;
    struct Leave {
        int& n;
        ~Leave() { --n; }
    } leave{view_in_receive};
    while (to_view.empty() && !closed()) co_await client_sent.wait();
    if (to_view.empty()) throw_closed();
    WebSocketMessage message = std::move(to_view.front());
    to_view.pop_front();
    co_return message;
}

Task<void> TestWebSocket::State::do_accept(const AcceptOptions& options) {
    subprotocol = options.subprotocol;
    accept_headers = options.headers;
    co_return;
}

Task<void> TestWebSocket::State::do_send(std::string_view data, bool binary) {
    to_client.push_back({std::string(data), binary});
    co_return;
}

Task<void> TestWebSocket::State::do_close(int code, std::string_view reason) {
    view_close.emplace(code, std::string(reason));
    co_return;
}

void TestWebSocket::State::close_from_client(int code, std::string reason) {
    // A view that waits on something other than receive() learns it as a server view
    // does when its peer leaves: cancelled. (Decided before the close wakes a receiving
    // view: once it returned, its after and teardown hooks run and are not cancelled.)
    bool cancel_view = !closed() && view_in_receive == 0 && !view_returned();
    if (!closed()) mark_closed(code, std::move(reason));
    if (cancel_view && !done) cancel.emit(boost::asio::cancellation_type::terminal);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done && run_one(deadline)) {
    }
}

TestWebSocket::TestWebSocket(std::unique_ptr<State> state) : state_(std::move(state)) {}
TestWebSocket::TestWebSocket(TestWebSocket&&) noexcept = default;
TestWebSocket& TestWebSocket::operator=(TestWebSocket&&) noexcept = default;

TestWebSocket::~TestWebSocket() {
    if (!state_) return;
    state_->close_from_client(close_code::normal, {});
    // A view that ignores cancellation still points at the state: leak it rather than
    // leave the view a dangling reference.
    if (!state_->done) (void)state_.release();
}

const std::string& TestWebSocket::subprotocol() const noexcept {
    return state_->subprotocol;
}

const Headers& TestWebSocket::headers() const noexcept {
    return state_->accept_headers;
}

namespace {

void send_to_view(TestWebSocket::State& s, std::string data, bool binary) {
    s.rethrow_failure();
    if (s.closed()) throw *s.close_state();
    if (data.size() > s.options().max_message_bytes) {
        // As the server does: the socket closes with 1009 and the view learns it.
        s.view_close.emplace(close_code::message_too_big, "message too big");
        s.close_from_client(close_code::message_too_big, "message too big");
        return;
    }
    s.to_view.push_back({std::move(data), binary});
    s.client_sent.notify_all();
    s.context.restart();
    s.context.poll();  // let the view take it now, as far as it can without waiting
}

}  // namespace

void TestWebSocket::send(std::string_view text) {
    send_to_view(*state_, std::string(text), false);
}

void TestWebSocket::send_bytes(std::string_view bytes) {
    send_to_view(*state_, std::string(bytes), true);
}

void TestWebSocket::send_json(const Json& value) {
    send_to_view(*state_, detail::json_text(value), false);
}

WebSocketMessage TestWebSocket::receive(std::chrono::milliseconds limit) {
    State& s = *state_;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (s.to_client.empty() && !s.done && !s.view_close) {
        if (!s.run_one(deadline)) {
            throw Error("TestWebSocket: no message within " + std::to_string(limit.count()) +
                        " ms (the view is still waiting)");
        }
    }
    if (!s.to_client.empty()) {
        WebSocketMessage message = std::move(s.to_client.front());
        s.to_client.pop_front();
        return message;
    }
    // Closed: let the view finish, so what it threw surfaces here.
    while (!s.done && s.run_one(deadline)) {
    }
    s.rethrow_failure();
    if (s.view_close) throw *s.view_close;
    if (s.closed()) throw *s.close_state();
    throw WebSocketClosed(close_code::abnormal, "the view ended without closing");
}

std::string TestWebSocket::receive_text(std::chrono::milliseconds limit) {
    WebSocketMessage message = receive(limit);
    if (message.binary) throw Error("TestWebSocket: expected a text message, got binary");
    return std::move(message.data);
}

std::string TestWebSocket::receive_bytes(std::chrono::milliseconds limit) {
    WebSocketMessage message = receive(limit);
    if (!message.binary) throw Error("TestWebSocket: expected a binary message, got text");
    return std::move(message.data);
}

Json TestWebSocket::receive_json(std::chrono::milliseconds limit) {
    return receive(limit).json();
}

void TestWebSocket::close(int code, std::string_view reason) {
    state_->close_from_client(code, std::string(reason));
    state_->rethrow_failure();
}

}  // namespace vial
