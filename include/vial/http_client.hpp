#pragma once
/// vial::HttpClient: an async HTTP client for views, with httpx.AsyncClient's shape, on
/// libcurl's multi-socket API driven by the event loop of the coroutine that awaits it.
///
///     vial::HttpClient http{{.base_url = "https://api.example.com", .timeout = 2s}};
///     auto r = co_await http.get("/prices", {.params = {{"symbol", "ab"}}});
///     double price = r.raise_for_status().json().at("price").as_double();
///
/// Threads and loops: a request runs on the loop of the coroutine that awaits it; each
/// loop has its own libcurl multi handle and connection pool, so requests from two loops
/// never share a handle across threads. One client may be used from every loop at once
/// (it holds its settings and cookie jar). DNS runs on curl's resolver thread: the loop
/// never blocks. Lifetime: destroying the client (from any thread) cancels the network
/// requests it has in flight on every loop: each throws vial::Cancelled, as when the
/// awaiting view is cancelled (its client left, a vial::timeout, shutdown), which aborts
/// the transfer at once and frees its handle.
/// From sync code: `vial::run_sync(http.get(url))` (also inside a to_thread worker).
#include <vial/client_error.hpp>
#include <vial/client_response.hpp>
#include <vial/client_stream.hpp>
#include <vial/headers.hpp>
#include <vial/json.hpp>
#include <vial/task.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vial {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// A cookie in a client's jar. `domain` is the host it is sent to (empty: the host of
/// the client's base_url).
struct Cookie {
    std::string name;
    std::string value;
    std::string domain{};
    std::string path = "/";
};

/// How many connections a client opens on one loop (httpx's `limits`). Counted per loop:
/// each loop has its own pool. A request past a limit waits for a slot, at most
/// ClientOptions::pool_timeout. Over HTTP/1.1 a request in flight holds one connection;
/// over HTTP/2 several share one, and the limits then count requests (a safe bound).
struct PoolLimits {
    std::size_t max_connections = 100;
    /// 0: only max_connections applies.
    std::size_t max_connections_per_host = 0;
};

class App;

namespace detail {
struct ClientState;
}

/// Client-level settings; each request may override the per-request ones.
struct ClientOptions {
    /// Prefix of relative URLs ("/prices" -> base_url + "/prices").
    std::string base_url{};
    /// Sent with every request (a request's own headers of the same name replace them).
    Headers headers{};
    /// The whole request, from sending to the last byte of the answer.
    std::chrono::milliseconds timeout{5000};
    /// Establishing the connection (TCP and TLS).
    std::chrono::milliseconds connect_timeout{5000};
    /// Once connected, the longest wait for the next byte of the answer (0: none beyond
    /// `timeout`), and for the server to take the next bytes of the request.
    std::chrono::milliseconds read_timeout{0};
    std::chrono::milliseconds write_timeout{0};
    /// The longest wait for a connection slot when `limits` are reached.
    std::chrono::milliseconds pool_timeout{5000};
    PoolLimits limits{};
    /// Keep the cookies servers set and send them back (a jar per client, as httpx),
    /// starting with `cookies`.
    bool cookie_jar = true;
    std::vector<Cookie> cookies{};
    bool follow_redirects = false;
    int max_redirects = 20;
    /// Offer HTTP/2 (over TLS, negotiated by ALPN); HTTP/1.1 otherwise.
    bool http2 = false;
    /// Verify the server's certificate (against the system store, or `ca_file`).
    bool verify = true;
    std::string ca_file{};
    /// A client certificate and its key (PEM files), for mutual TLS.
    std::string cert_file{};
    std::string key_file{};
    /// Send every request to this app in-process instead of over the network (httpx's
    /// ASGI transport): its dispatcher runs on the awaiting loop, no socket is opened.
    /// base_url defaults to "http://testserver". The app is frozen here and must outlive
    /// the client.
    App* app = nullptr;
};

/// One field of a multipart/form-data body: a value, or a file's contents (read from disk
/// as it is sent) with the name the server sees.
struct MultipartField {
    std::string name;
    std::string value{};
    /// A file to send instead of `value`.
    std::string file_path{};
    /// The filename sent (default: file_path's last component).
    std::string filename{};
    std::string content_type{};
};

/// A request body produced while it is sent: each call returns the next bytes, an empty
/// string at the end. Called on the request's loop, one call at a time.
using BodyProducer = std::function<Task<std::string>()>;

/// Per-request settings (httpx's keyword arguments).
struct RequestOptions {
    /// Query parameters, percent-encoded and appended to the URL.
    QueryParams params{};
    Headers headers{};
    /// A JSON body (Content-Type: application/json).
    std::optional<Json> json{};
    /// A form body (application/x-www-form-urlencoded).
    std::optional<QueryParams> form{};
    /// Raw bytes, sent with `content_type` (application/octet-stream by default).
    std::optional<std::string> content{};
    std::string content_type{};
    /// multipart/form-data (httpx's `files=` with `data=`).
    std::vector<MultipartField> multipart{};
    /// The body streamed from a file (with its size as Content-Length).
    std::string body_file{};
    /// The body streamed from a producer: chunked, or `content_length` bytes if given.
    BodyProducer body_stream{};
    std::optional<std::uint64_t> content_length{};
    std::optional<std::chrono::milliseconds> timeout{};
    std::optional<bool> follow_redirects{};
    /// Basic auth (user, password), or a bearer token.
    std::optional<std::pair<std::string, std::string>> basic_auth{};
    std::string bearer_token{};
};

class HttpClient {
  public:
    explicit HttpClient(ClientOptions options = {});
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Sends `method` to `url` (absolute, or relative to base_url). A malformed URL
    /// throws InvalidUrl before any I/O; other failures throw the errors of
    /// client_error.hpp. An HTTP error status is a response, not an exception (see
    /// ClientResponse::raise_for_status).
    /// g++ 12: name a RequestOptions before the co_await that uses it
    /// (`RequestOptions opts{.timeout = 1s}; co_await http.get(url, opts);`): an
    /// aggregate built inside a co_await expression is destroyed twice (docs/async.md).
    /// Hence overloads, not a defaulted options argument.
    Task<ClientResponse> request(std::string method, std::string url);
    Task<ClientResponse> request(std::string method, std::string url, RequestOptions options);
    /// Sends the request and completes once the answer's head has arrived (within
    /// `timeout`); the body is then read chunk by chunk from the ClientStream, with
    /// bounded memory (client_stream.hpp).
    Task<ClientStream> stream(std::string method, std::string url);
    Task<ClientStream> stream(std::string method, std::string url, RequestOptions options);
    Task<ClientResponse> get(std::string url);
    Task<ClientResponse> get(std::string url, RequestOptions options);
    Task<ClientResponse> post(std::string url);
    Task<ClientResponse> post(std::string url, RequestOptions options);
    Task<ClientResponse> put(std::string url);
    Task<ClientResponse> put(std::string url, RequestOptions options);
    Task<ClientResponse> patch(std::string url);
    Task<ClientResponse> patch(std::string url, RequestOptions options);
    /// DELETE (`delete` is a C++ keyword).
    Task<ClientResponse> delete_(std::string url);
    Task<ClientResponse> delete_(std::string url, RequestOptions options);
    Task<ClientResponse> head(std::string url);
    Task<ClientResponse> head(std::string url, RequestOptions options);
    Task<ClientResponse> options(std::string url);
    Task<ClientResponse> options(std::string url, RequestOptions options);

    const ClientOptions& settings() const noexcept;
    /// What the cookie jar holds now (set by servers, or given in ClientOptions::cookies).
    std::vector<Cookie> cookies() const;

  private:
    std::shared_ptr<const detail::ClientState> state_;
};

}  // namespace vial
