#pragma once
// ServerWebSocket: a WebSocket on one of the server's connections, on Beast's websocket
// stream over the connection's own socket. A reader task reads all the time (Beast
// answers pings and close frames only while reading), queueing messages for the view up
// to max_queued_messages; when the peer goes it wakes the view's receive() or, if the
// view waits on something else, cancels it.
#include <boost/beast/websocket/stream.hpp>

#include <vector>

#include "../core/websocket_transport.hpp"
#include "../runtime/launch.hpp"
#include "loop_socket.hpp"

namespace vial::detail {

struct Connection;

class ServerWebSocket final : public WebSocketTransport {
  public:
    ServerWebSocket(Connection& c, const Request& request, const WebSocketOptions& options);
    ~ServerWebSocket() override;

    Task<WebSocketMessage> receive() override;
    /// After the view: closes (1001 when the server is stopping, else 1000) unless
    /// closed, then waits for the reader to end.
    Task<void> finish();
    /// Shutdown: the view is cancelled and the socket then closed with 1001.
    void going_away();
    /// Cuts the TCP connection under Beast (pending reads and writes end).
    void cut();

  protected:
    Task<void> do_accept(const AcceptOptions& options) override;
    Task<void> do_send(std::string_view data, bool binary) override;
    Task<void> do_close(int code, std::string_view reason) override;
    void on_closed() override { inbox_changed_.notify_all(); }
    void do_abort() override;

  private:
    ThreadTask read_loop();
    void record_error(const boost::system::error_code& ec);
    /// Cancels the view's pending await, unless it is in receive() (which learns it
    /// there) or has returned (the hooks then run, and must not be cancelled).
    void cancel_view();
    /// Back to the Upgraded phase, without a deadline, after a write.
    void idle_phase();

    Connection& c_;
    const Request& request_;
    boost::beast::websocket::stream<LoopSocket&> ws_;
    // Messages read and not yet received: a vector and its head (a std::deque allocates
    // ~0.6 KB even while empty, which every idle socket would hold).
    std::vector<WebSocketMessage> inbox_;
    std::size_t inbox_head_ = 0;
    std::size_t inbox_count() const noexcept { return inbox_.size() - inbox_head_; }
    std::size_t inbox_bytes_ = 0;
    Wakeup inbox_changed_;
    bool reader_running_ = false;
    bool going_away_ = false;
    /// This side started the closing handshake (or cut the connection): the reader
    /// ending is then no reason to cancel the view.
    bool closing_ = false;
    /// The view is inside receive(): the peer leaving reaches it there.
    int view_in_receive_ = 0;
};

}  // namespace vial::detail
