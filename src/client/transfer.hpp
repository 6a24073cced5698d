#pragma once
// Transfer: one client request in flight, a libcurl easy handle and what it gathers.
// Built (and its URL checked) by make_transfer before any I/O; run by CurlLoop.
#include <vial/client_response.hpp>
#include <vial/http_client.hpp>

#include <curl/curl.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>

namespace vial::detail {

using TransferHandler =
    boost::asio::any_completion_handler<void(std::exception_ptr, ClientResponse)>;

struct Transfer {
    Transfer();
    ~Transfer();
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    CURL* easy = nullptr;
    curl_slist* header_list = nullptr;
    std::string method;
    std::string url;
    std::string request_body;
    std::chrono::steady_clock::time_point started{};
    char error[CURL_ERROR_SIZE] = {};

    // Gathered while it runs (the header block of the last response only).
    int status = 0;
    std::string reason;
    Headers headers;
    std::string body;

    // Set while it runs on a CurlLoop: the handler, and the awaiting task's executor, on
    // which it is resumed (so the task keeps its stall-watchdog label).
    std::optional<TransferHandler> handler;
    boost::asio::any_io_executor resume_on;
    boost::asio::cancellation_slot slot;
};

/// The easy handle for `method url` with the client's and the request's settings.
/// Throws InvalidUrl for a URL that is malformed, relative without a base_url, or not
/// http(s).
std::unique_ptr<Transfer> make_transfer(const ClientOptions& client, std::string method,
                                        std::string url, const RequestOptions& options);

/// What the transfer ended with: the response, or the typed error for `code`.
std::exception_ptr transfer_error(Transfer& transfer, CURLcode code);
ClientResponse take_response(Transfer& transfer);

}  // namespace vial::detail
