#pragma once
// Transfer: one client request in flight, a libcurl easy handle and what it gathers.
// Built (and its URL checked) by make_transfer before any I/O; run by CurlLoop.
#include <vial/client_response.hpp>
#include <vial/http_client.hpp>

#include <curl/curl.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>

namespace vial::detail {

struct ClientState;
struct UploadSource;
class CurlLoop;
struct Transfer;

using TransferHandler =
    boost::asio::any_completion_handler<void(std::exception_ptr, ClientResponse)>;
using ChunkHandler = boost::asio::any_completion_handler<void(std::exception_ptr, std::string)>;

/// The body of a streamed response, between curl (which appends what arrives) and the
/// ClientStream that reads it; shared because either may end first.
struct StreamState {
    /// What is buffered past this is left with curl, which then stops reading the socket.
    static constexpr std::size_t kBufferLimit = 256 * 1024;

    CurlLoop* loop = nullptr;
    Transfer* transfer = nullptr;  // null once the transfer has ended
    bool head_sent = false;
    std::string pending;
    bool paused = false;
    bool done = false;
    std::exception_ptr error;
    // A read waiting for bytes.
    std::optional<ChunkHandler> reader;
    boost::asio::any_io_executor reader_executor;
    boost::asio::cancellation_slot reader_slot;
};

struct Transfer {
    /// With a handle of `client`'s (given back to it when the transfer is destroyed).
    explicit Transfer(std::shared_ptr<const ClientState> client);
    ~Transfer();
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    using Clock = std::chrono::steady_clock;

    CURL* easy = nullptr;
    curl_slist* header_list = nullptr;
    std::shared_ptr<const ClientState> client;
    std::string method;
    std::string url;
    /// scheme://host:port of `url`: the key of the per-host connection limit.
    std::string origin;
    std::string request_body;
    Clock::time_point started{};
    char error[CURL_ERROR_SIZE] = {};

    // Progress, tracked only when the client has a read or write timeout: set by curl's
    // callbacks, read by the loop's watchdog for this transfer.
    bool watch_progress = false;
    bool connected = false;
    bool upload_done = false;
    curl_off_t uploaded = 0;
    Clock::time_point last_read{};
    Clock::time_point last_write{};

    // Gathered while it runs (the header block of the last response only).
    bool follow_redirects = false;
    std::chrono::milliseconds timeout{0};
    int status = 0;
    std::string reason;
    Headers headers;
    std::string body;

    // Set while it runs on a CurlLoop: the handler, and the awaiting task's executor, on
    // which it is resumed (so the task keeps its stall-watchdog label).
    std::optional<TransferHandler> handler;
    boost::asio::any_io_executor resume_on;
    boost::asio::cancellation_slot slot;
    /// Unique on its loop: a late timer handler checks it is still looking at this one.
    std::uint64_t serial = 0;
    /// Added to curl's multi handle (false while it waits for a connection slot).
    bool added = false;
    Clock::time_point queued_at{};
    std::optional<boost::asio::steady_timer> watchdog;
    /// Set for a streamed response: the handler completes with the head, the body goes
    /// here. `timeout` then bounds the wait for the head, `read_timeout` the body.
    std::shared_ptr<StreamState> stream;
    // A body sent from a file or a producer (upload.hpp), or a multipart one.
    std::shared_ptr<UploadSource> upload;
    bool upload_streamed = false;
    bool upload_paused = false;  // waiting for the producer's next chunk
    curl_mime* mime = nullptr;
};

/// The easy handle for `method url` with the client's and the request's settings.
/// Throws InvalidUrl for a URL that is malformed, relative without a base_url, or not
/// http(s).
std::unique_ptr<Transfer> make_transfer(std::shared_ptr<const ClientState> client,
                                        std::string method, std::string url,
                                        const RequestOptions& options, bool streamed = false);

/// For a streamed transfer: completes the awaiting handler with the response's head.
void send_head(Transfer& transfer);

/// What the transfer ended with: the response, or the typed error for `code`.
std::exception_ptr transfer_error(Transfer& transfer, CURLcode code);
ClientResponse take_response(Transfer& transfer);

}  // namespace vial::detail
