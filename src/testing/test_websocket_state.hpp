#pragma once
// TestWebSocket's state: an in-memory WebSocketTransport between a test and a view on
// the test client's loop. Messages are queued both ways; the test runs the loop to make
// the view progress.
#include <vial/test_client.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include <deque>
#include <exception>
#include <memory>
#include <optional>

#include "../core/websocket_transport.hpp"

namespace vial {

struct TestWebSocket::State final : detail::WebSocketTransport {
    State(boost::asio::io_context& context, bool propagate, std::unique_ptr<Request> request,
          const WebSocketOptions& options);
    ~State() override;

    /// Starts the app on the upgrade request; runs the loop until the view accepted or
    /// the app answered over HTTP (then throws TestWebSocketRejected).
    void start(const detail::Dispatcher& dispatcher);
    /// Runs the loop once, until `deadline`; false if nothing ran.
    bool run_one(std::chrono::steady_clock::time_point deadline);
    /// The test's side closing; then waits (bounded) for the view to end.
    void close_from_client(int code, std::string reason);
    /// Rethrows the view's failure, once, when the test client propagates exceptions.
    void rethrow_failure();

    Task<WebSocketMessage> receive() override;

    boost::asio::io_context& context;
    bool propagate;
    std::unique_ptr<Request> request;
    std::deque<WebSocketMessage> to_view;
    std::deque<WebSocketMessage> to_client;
    detail::Wakeup client_sent;
    std::string subprotocol;
    Headers accept_headers;
    /// The view's close frame, once it sent one.
    std::optional<WebSocketClosed> view_close;
    bool done = false;
    std::exception_ptr failure;
    std::optional<Response> response;
    boost::asio::cancellation_signal cancel;
    int view_in_receive = 0;

  protected:
    Task<void> do_accept(const AcceptOptions& options) override;
    Task<void> do_send(std::string_view data, bool binary) override;
    Task<void> do_close(int code, std::string_view reason) override;
    void on_closed() override { client_sent.notify_all(); }
};

}  // namespace vial
