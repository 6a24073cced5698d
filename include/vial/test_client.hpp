#pragma once
/// vial::TestClient: drive an App in-process, synchronously, without sockets.
///
/// `vial::TestClient client{app}; auto r = client.get("/prices");` builds a Request and
/// runs the same dispatcher the server runs, to completion, on a private event loop on
/// the calling thread. Exceptions escaping a view are rethrown into the test (Flask's
/// PROPAGATE_EXCEPTIONS in testing) unless `propagate_exceptions` is false, in which case
/// the client returns the 500 a real client would get.
#include <vial/app.hpp>
#include <vial/body_stream.hpp>
#include <vial/headers.hpp>
#include <vial/json.hpp>
#include <vial/websocket.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace vial {

/// The response as a test sees it.
class TestResponse {
  public:
    explicit TestResponse(Response response) : response_(std::move(response)) {}

    int status() const noexcept { return response_.status(); }
    const Headers& headers() const noexcept { return response_.headers(); }
    const std::string& text() const noexcept { return response_.body(); }
    /// The body parsed as JSON; throws vial::Error if it is not JSON.
    Json json() const;
    const Response& response() const noexcept { return response_; }

  private:
    Response response_;
};

/// Extras of one test request.
struct TestRequest {
    Headers headers{};
    /// Raw body; ignored when `json` is set.
    std::string body{};
    /// A JSON body; sets Content-Type: application/json.
    std::optional<Json> json{};
    /// The peer address the view sees.
    std::string remote_addr = "127.0.0.1";
};

/// A response read as it is produced (TestClient::stream): a streamed body chunk by
/// chunk, in the pieces its producer wrote. Each producer write waits until the test took
/// the chunk, as a socket's would for a slow reader.
///
/// Lifetime: must not outlive the TestClient that made it. Destroying it before the body
/// ended cancels the producer, as a client that goes away does.
class TestStream {
  public:
    int status() const noexcept;
    const Headers& headers() const noexcept;
    /// The next chunk, or nullopt once the body ended. Runs the client's loop until one is
    /// ready; rethrows what the producer threw (unless the client was built with
    /// `propagate_exceptions = false`), and throws vial::Error when `limit` passes first.
    std::optional<std::string> next_chunk(
        std::chrono::milliseconds limit = std::chrono::seconds(10));
    /// The rest of the body, until the producer ends.
    std::string read_all(std::chrono::milliseconds limit = std::chrono::seconds(10));
    /// Cancels the producer (its pending await throws vial::Cancelled) and waits for it.
    void close();

    struct State;  // internal
    explicit TestStream(std::unique_ptr<State> state);
    TestStream(TestStream&&) noexcept;
    TestStream& operator=(TestStream&&) noexcept;
    ~TestStream();

  private:
    friend class TestClient;
    std::unique_ptr<State> state_;
};

/// A WebSocket connected in-process to the app (TestClient::websocket), used
/// synchronously as Starlette's test client does. Lifetime: must not outlive its
/// TestClient; destroying it open closes it (1000) and waits for the view to end.
class TestWebSocket {
  public:
    /// The subprotocol the view accepted (empty for none), and the 101's extra headers.
    const std::string& subprotocol() const noexcept;
    const Headers& headers() const noexcept;

    /// Sends a message to the view; throws WebSocketClosed once the socket is closed.
    void send(std::string_view text);
    void send_bytes(std::string_view bytes);
    void send_json(const Json& value);
    /// The view's next message, running the app until it sends one. Throws
    /// WebSocketClosed (with the view's close code) once it closed and nothing is left,
    /// rethrows what the view threw (unless `propagate_exceptions` is false), and throws
    /// vial::Error when `limit` passes first.
    WebSocketMessage receive(std::chrono::milliseconds limit = std::chrono::seconds(10));
    std::string receive_text(std::chrono::milliseconds limit = std::chrono::seconds(10));
    std::string receive_bytes(std::chrono::milliseconds limit = std::chrono::seconds(10));
    Json receive_json(std::chrono::milliseconds limit = std::chrono::seconds(10));
    /// Closes from the client's side and waits for the view to end (its receive()
    /// throws WebSocketClosed with `code`; a view awaiting something else is cancelled).
    /// Rethrows what the view threw, as receive does.
    void close(int code = close_code::normal, std::string_view reason = {});

    struct State;  // internal
    explicit TestWebSocket(std::unique_ptr<State> state);
    TestWebSocket(TestWebSocket&&) noexcept;
    TestWebSocket& operator=(TestWebSocket&&) noexcept;
    ~TestWebSocket();

  private:
    std::unique_ptr<State> state_;
};

/// Thrown by TestClient::websocket when the app answered the upgrade over HTTP (a
/// refusal: 403 from a hook, 404 for no route, 426 for an HTTP route...).
class TestWebSocketRejected : public Error {
  public:
    explicit TestWebSocketRejected(TestResponse response);
    int status() const noexcept { return response_.status(); }
    const TestResponse& response() const noexcept { return response_; }

  private:
    TestResponse response_;
};

struct TestClientOptions {
    bool propagate_exceptions = true;
};

class TestClient {
  public:
    explicit TestClient(App& app, TestClientOptions options = {});

    TestResponse open(std::string method, std::string target, TestRequest request = {});
    TestResponse get(std::string target, TestRequest request = {}) {
        return open("GET", std::move(target), std::move(request));
    }
    TestResponse head(std::string target, TestRequest request = {}) {
        return open("HEAD", std::move(target), std::move(request));
    }
    TestResponse options(std::string target, TestRequest request = {}) {
        return open("OPTIONS", std::move(target), std::move(request));
    }
    TestResponse post(std::string target, TestRequest request = {}) {
        return open("POST", std::move(target), std::move(request));
    }
    TestResponse put(std::string target, TestRequest request = {}) {
        return open("PUT", std::move(target), std::move(request));
    }
    TestResponse patch(std::string target, TestRequest request = {}) {
        return open("PATCH", std::move(target), std::move(request));
    }
    TestResponse delete_(std::string target, TestRequest request = {}) {
        return open("DELETE", std::move(target), std::move(request));
    }

    /// Sends a request and returns as soon as its head is ready; a streamed body is then
    /// read chunk by chunk. (`open` and the verbs also accept streamed responses: they
    /// wait for the whole body, so an endless stream needs this instead.)
    TestStream stream(std::string method, std::string target, TestRequest request = {});

    /// Opens a WebSocket to `target` (the upgrade request carries `request`'s headers,
    /// and `subprotocols` as Sec-WebSocket-Protocol) and returns once the view accepted.
    /// Throws TestWebSocketRejected when the app answers over HTTP instead.
    TestWebSocket websocket(std::string target, TestRequest request = {},
                            std::vector<std::string> subprotocols = {});

    /// Runs the client's loop until the background tasks spawned by its requests have
    /// finished, or `limit` passed; returns true if they all finished. Background tasks
    /// only make progress while the client runs its loop (during requests and here).
    bool wait_background(std::chrono::milliseconds limit = std::chrono::seconds(10));

    ~TestClient();
    TestClient(const TestClient&) = delete;
    TestClient& operator=(const TestClient&) = delete;

  private:
    struct Loop;
    // The request built from the test's parts, or a ready response when they are invalid.
    std::variant<std::unique_ptr<Request>, Response> make_request(std::string method,
                                                                  std::string target,
                                                                  TestRequest extra);
    Response dispatch(Request& request, std::unique_ptr<BodyStream>& body);
    App& app_;
    TestClientOptions options_;
    std::unique_ptr<Loop> loop_;
};

}  // namespace vial
