#pragma once
// CurlLoop: one libcurl multi handle per event loop, driven by that loop. curl tells us
// which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to wake it
// (CURLMOPT_TIMERFUNCTION); we watch them with Asio waits and a timer and hand readiness
// back with curl_multi_socket_action. No second event loop, no thread per request (DNS
// runs on curl's resolver thread). An io_context service, so every loop, the test
// client's and run_sync's included, gets its own, and its transfers never leave it.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "transfer.hpp"

namespace vial::detail {

class CurlLoop : public boost::asio::execution_context::service {
  public:
    static boost::asio::execution_context::id id;

    explicit CurlLoop(boost::asio::execution_context& context);
    ~CurlLoop() override;

    /// The CurlLoop of the loop `executor` runs on.
    static CurlLoop& of(const boost::asio::any_io_executor& executor);

    /// Runs `transfer`; `handler` gets the response or the typed error. Cancelling the
    /// handler's slot removes the transfer at once and completes with vial::Cancelled.
    void start(std::unique_ptr<Transfer> transfer, TransferHandler handler,
               boost::asio::any_io_executor resume_on);

    /// The next bytes of a streamed body (empty at its end), to `handler` on `resume_on`.
    void read_stream(const std::shared_ptr<StreamState>& stream, ChunkHandler handler,
                     boost::asio::any_io_executor resume_on);
    /// Ends a stream's transfer if it still runs (its reader went away).
    void abandon(StreamState& stream);

    /// Ends every transfer `client` has on this loop with vial::Cancelled (its
    /// HttpClient was destroyed).
    void cancel_client(const ClientState& client);

    /// Transfers in flight on this loop (for tests: none may leak).
    std::size_t in_flight() const noexcept { return transfers_.size(); }

  private:
    struct Watch;
    // A client's connection slots on this loop (ConnectionLimits), and the transfers
    // waiting for one, oldest first.
    struct Gate {
        std::size_t active = 0;
        std::unordered_map<std::string, std::size_t> per_host;
        std::deque<Transfer*> waiting;
    };

    void shutdown() override;
    static int on_socket(CURL* easy, curl_socket_t socket, int what, void* self, void*);
    static int on_timer(CURLM* multi, long timeout_ms, void* self);
    void arm_timer();
    void wake_if_due();
    void arm(curl_socket_t socket, const std::shared_ptr<Watch>& watch);
    void forget(curl_socket_t socket);
    void act(curl_socket_t socket, int events);
    void finish(Transfer* transfer, std::exception_ptr error);
    void end_stream(StreamState& stream, std::exception_ptr error);
    void resume_stream(StreamState& stream);
    bool admits(const Gate& gate, const Transfer& transfer) const;
    void launch(Gate& gate, Transfer* transfer);
    void release(Transfer* transfer);
    void admit_waiting(const ClientState* client);
    void arm_watchdog(Transfer* transfer);
    void check_deadlines(Transfer* transfer);

    CURLM* multi_ = nullptr;
    boost::asio::any_io_executor executor_;
    std::optional<boost::asio::steady_timer> timer_;
    // When curl wants to be woken (unset: never), whether the timer waits, whether a
    // zero-timeout wake-up is already queued.
    std::optional<std::chrono::steady_clock::time_point> wake_at_;
    bool timer_armed_ = false;
    bool wake_posted_ = false;
    std::unordered_map<curl_socket_t, std::shared_ptr<Watch>> watches_;
    std::unordered_map<Transfer*, std::unique_ptr<Transfer>> transfers_;
    // Keyed by the client's state, which its transfers keep alive.
    std::unordered_map<const ClientState*, Gate> gates_;
    std::uint64_t next_serial_ = 0;
};

}  // namespace vial::detail
