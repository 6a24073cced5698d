#include <vial/http_client.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/this_coro.hpp>

#include "../runtime/deferred_op.hpp"
#include "app_transport.hpp"
#include "client_response_access.hpp"
#include "client_state.hpp"
#include "client_stream_access.hpp"
#include "curl_loop.hpp"

namespace vial {

namespace asio = boost::asio;

namespace {

// Runs `transfer` on the awaiting coroutine's loop; completes with the response (for a
// streamed transfer, its head).
Task<ClientResponse> run(std::unique_ptr<detail::Transfer> transfer) {
    auto executor = co_await asio::this_coro::executor;
    detail::CurlLoop& loop = detail::CurlLoop::of(executor);
    // Named, not a temporary inside the co_await expression (g++ 12, docs/async.md).
    auto initiation = [&loop, &transfer, &executor](auto handler) {
        loop.start(std::move(transfer), detail::TransferHandler(std::move(handler)), executor);
    };
    auto operation =
        detail::deferred_operation<void(std::exception_ptr, ClientResponse)>(initiation);
    ClientResponse response = detail::value_or_rethrow(co_await std::move(operation));
    co_return response;
}

// Holds the client's state by shared_ptr: the client may go while its requests run.
Task<ClientResponse> send(std::shared_ptr<const detail::ClientState> client, std::string method,
                          std::string url, RequestOptions options) {
    if (client->options.app)
        co_return co_await detail::send_to_app(std::move(client), std::move(method), std::move(url),
                                               std::move(options));
    co_return co_await run(
        detail::make_transfer(std::move(client), std::move(method), std::move(url), options));
}

Task<ClientStream> open_stream(std::shared_ptr<const detail::ClientState> client,
                               std::string method, std::string url, RequestOptions options) {
    if (client->options.app) {  // the whole body is there already
        ClientResponse response = co_await detail::send_to_app(std::move(client), std::move(method),
                                                               std::move(url), std::move(options));
        auto state = std::make_shared<detail::StreamState>();
        state->head_sent = state->done = true;
        state->pending = ClientResponseAccess::take_body(response);
        co_return detail::ClientStreamAccess::make(std::move(response), std::move(state));
    }
    auto transfer = detail::make_transfer(std::move(client), std::move(method), std::move(url),
                                          options, /*streamed=*/true);
    std::shared_ptr<detail::StreamState> state = transfer->stream;
    ClientResponse head = co_await run(std::move(transfer));
    co_return detail::ClientStreamAccess::make(std::move(head), std::move(state));
}

}  // namespace

HttpClient::HttpClient(ClientOptions options)
    : state_(std::make_shared<const detail::ClientState>(std::move(options))) {}

HttpClient::~HttpClient() {
    state_->close(state_);
}

const ClientOptions& HttpClient::settings() const noexcept {
    return state_->options;
}

std::vector<Cookie> HttpClient::cookies() const {
    return state_->cookies();
}

Task<ClientResponse> HttpClient::request(std::string method, std::string url) {
    return send(state_, std::move(method), std::move(url), RequestOptions{});
}
Task<ClientResponse> HttpClient::request(std::string method, std::string url,
                                         RequestOptions options) {
    return send(state_, std::move(method), std::move(url), std::move(options));
}
Task<ClientStream> HttpClient::stream(std::string method, std::string url) {
    return open_stream(state_, std::move(method), std::move(url), RequestOptions{});
}
Task<ClientStream> HttpClient::stream(std::string method, std::string url, RequestOptions options) {
    return open_stream(state_, std::move(method), std::move(url), std::move(options));
}
Task<ClientResponse> HttpClient::get(std::string url) {
    return request("GET", std::move(url));
}
Task<ClientResponse> HttpClient::get(std::string url, RequestOptions options) {
    return request("GET", std::move(url), std::move(options));
}
Task<ClientResponse> HttpClient::post(std::string url) {
    return request("POST", std::move(url));
}
Task<ClientResponse> HttpClient::post(std::string url, RequestOptions options) {
    return request("POST", std::move(url), std::move(options));
}
Task<ClientResponse> HttpClient::put(std::string url) {
    return request("PUT", std::move(url));
}
Task<ClientResponse> HttpClient::put(std::string url, RequestOptions options) {
    return request("PUT", std::move(url), std::move(options));
}
Task<ClientResponse> HttpClient::patch(std::string url) {
    return request("PATCH", std::move(url));
}
Task<ClientResponse> HttpClient::patch(std::string url, RequestOptions options) {
    return request("PATCH", std::move(url), std::move(options));
}
Task<ClientResponse> HttpClient::delete_(std::string url) {
    return request("DELETE", std::move(url));
}
Task<ClientResponse> HttpClient::delete_(std::string url, RequestOptions options) {
    return request("DELETE", std::move(url), std::move(options));
}
Task<ClientResponse> HttpClient::head(std::string url) {
    return request("HEAD", std::move(url));
}
Task<ClientResponse> HttpClient::head(std::string url, RequestOptions options) {
    return request("HEAD", std::move(url), std::move(options));
}
Task<ClientResponse> HttpClient::options(std::string url) {
    return request("OPTIONS", std::move(url));
}
Task<ClientResponse> HttpClient::options(std::string url, RequestOptions options) {
    return request("OPTIONS", std::move(url), std::move(options));
}

}  // namespace vial
