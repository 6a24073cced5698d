#pragma once
// WebSocketTransport: the I/O under a vial::WebSocket. The server implements it on a
// Beast websocket stream (src/http/websocket_session), the test client in memory
// (src/testing). What is common lives here: the accept-once rule, writers taking turns
// (a view and a hub may send at once; a stream allows one write at a time), the closed
// state, and the link a WebSocketHub holds.
#include <vial/websocket.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "../runtime/wakeup.hpp"

namespace vial::detail {

class WebSocketTransport;

/// What a hub holds of a member: the member's loop, and the transport while it lives.
/// The transport pointer is read and cleared only on that loop.
struct HubLink {
    struct Outgoing {
        std::shared_ptr<const std::string> data;
        bool binary;
    };
    HubLink(boost::asio::any_io_executor e, WebSocketTransport* t)
        : executor(std::move(e)), transport(t) {}
    boost::asio::any_io_executor executor;
    WebSocketTransport* transport = nullptr;
    /// Hub messages for this member, sent in order by one writer task.
    std::deque<Outgoing> queue;
    /// Hub tasks (the writer, a drop) running for this member: the transport waits for
    /// them before it goes.
    int busy = 0;
    bool writer = false;
    bool dropping = false;
    /// Cleared when the socket closes; read by the hub from any thread.
    std::atomic<bool> open{true};
    /// Copies posted to the member's loop and not yet handed over: bounds what a loop
    /// that does not turn (stalled) can pile up.
    std::atomic<std::size_t> posted{0};
};

class WebSocketTransport {
  public:
    WebSocketTransport(boost::asio::any_io_executor executor, WebSocketOptions options);
    virtual ~WebSocketTransport();
    WebSocketTransport(const WebSocketTransport&) = delete;
    WebSocketTransport& operator=(const WebSocketTransport&) = delete;

    const WebSocketOptions& options() const noexcept { return options_; }
    const boost::asio::any_io_executor& executor() const noexcept { return executor_; }

    bool accepted() const noexcept { return accepted_; }
    bool closed() const noexcept { return closed_.has_value(); }
    /// Why it closed (code and reason), once closed.
    const std::optional<WebSocketClosed>& close_state() const noexcept { return closed_; }

    /// Accepts once; later calls do nothing.
    Task<void> accept(const AcceptOptions& options);
    /// Writes one message, after any write in progress. Throws WebSocketClosed.
    Task<void> send(std::string_view data, bool binary);
    /// Sends a close frame (after any write in progress) unless closed already.
    Task<void> close(int code, std::string_view reason);
    /// The next received message. Throws WebSocketClosed once closed.
    virtual Task<WebSocketMessage> receive() = 0;
    /// Ends the socket now with `code`, without waiting for a write in progress (a peer
    /// that does not read would make a close frame wait forever): pending sends and
    /// receives fail, and the connection is cut.
    void abort(int code, std::string reason);
    /// A write is in progress (the peer may be slow to take it).
    bool writing() const noexcept { return writing_; }
    /// The view returned (or threw): from then on nothing may cancel on its account, as
    /// the after and teardown hooks run.
    void mark_view_returned() noexcept { view_returned_ = true; }
    bool view_returned() const noexcept { return view_returned_; }

    /// The hub's link to this socket, made on first join.
    const std::shared_ptr<HubLink>& hub_link();

  protected:
    virtual Task<void> do_accept(const AcceptOptions& options) = 0;
    virtual Task<void> do_send(std::string_view data, bool binary) = 0;
    virtual Task<void> do_close(int code, std::string_view reason) = 0;
    /// Cuts the transport (after the state was marked closed).
    virtual void do_abort() {}
    /// Records why the connection ended (the first reason wins) and wakes writers.
    void mark_closed(int code, std::string reason);
    /// Called once, when the connection becomes closed.
    virtual void on_closed() {}
    [[noreturn]] void throw_closed() const;
    /// Hub messages handed to this socket and not yet through send(): the transport must
    /// not be destroyed before they are (they point at it).
    bool hub_busy() const noexcept { return hub_link_ && hub_link_->busy > 0; }

  private:
    /// Waits until no write is in progress and takes the turn; false if the socket
    /// closed meanwhile. release_turn() hands it to the next writer.
    Task<bool> take_turn();
    void release_turn();

    boost::asio::any_io_executor executor_;
    WebSocketOptions options_;
    bool accepted_ = false;
    bool writing_ = false;
    bool view_returned_ = false;
    std::optional<WebSocketClosed> closed_;
    Wakeup turn_;
    std::shared_ptr<HubLink> hub_link_;
};

/// The framework's access to a WebSocket's transport (the hub).
struct WebSocketAccess {
    static WebSocketTransport& transport(WebSocket& ws) { return ws.transport_; }
};

/// Checks a request that asks for a WebSocket (RFC 6455 4.2.1): an HttpError (400, or
/// 426 with the versions we speak) when it is malformed; nothing for a valid one.
std::optional<HttpError> upgrade_error(const Request& request);
/// True when the request asks to upgrade to a WebSocket (valid or not).
bool wants_websocket(const Request& request);

}  // namespace vial::detail
