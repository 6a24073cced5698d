#include <vial/error.hpp>
#include <vial/run_sync.hpp>
#include <vial/server.hpp>
#include <vial/stream.hpp>
#include <vial/test_client.hpp>
#include <vial/to_thread.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "../core/dispatcher.hpp"
#include "../core/error_page.hpp"
#include "../core/json_text.hpp"
#include "../core/memory_body_stream.hpp"
#include "../core/request_access.hpp"
#include "../core/response_access.hpp"
#include "../runtime/background.hpp"
#include "../runtime/blocking_pool.hpp"
#include "test_stream_state.hpp"
#include "test_websocket_state.hpp"

namespace vial {

Json TestResponse::json() const {
    boost::system::error_code ec;
    Json value = boost::json::parse(response_.body(), ec);
    if (ec)
        throw Error("test response body is not JSON (" + ec.message() + "): " + response_.body());
    return value;
}

// One loop per client, kept between requests so background tasks spawned by a request
// can outlive it, as on the server.
struct TestClient::Loop {
    boost::asio::io_context context{1};
    // A to_thread job may still be posting its result here (its request was abandoned,
    // or a background task awaits it): wait before the context goes.
    ~Loop() { detail::wait_for_blocking_jobs(&context, std::chrono::seconds(30)); }
};

TestClient::TestClient(App& app, TestClientOptions options)
    : app_(app), options_(options), loop_(std::make_unique<Loop>()) {
    app_.freeze();
}

TestClient::~TestClient() = default;

bool TestClient::wait_background(std::chrono::milliseconds limit) {
    auto& context = loop_->context;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (detail::background_running(&context) > 0 &&
           std::chrono::steady_clock::now() < deadline) {
        context.restart();
        context.run_one_for(deadline - std::chrono::steady_clock::now());
    }
    return detail::background_running(&context) == 0;
}

std::variant<std::unique_ptr<Request>, Response> TestClient::make_request(std::string method,
                                                                          std::string target,
                                                                          TestRequest extra) {
    if (extra.json) {
        extra.body = detail::json_text(*extra.json);
        if (!extra.headers.contains("Content-Type"))
            extra.headers.add("Content-Type", "application/json");
    }
    std::unique_ptr<Request> request;
    try {
        request = std::make_unique<Request>(std::move(method), std::move(target),
                                            std::move(extra.headers), std::move(extra.body));
    } catch (const HttpError& e) {
        return detail::render_http_error(e, nullptr);  // as the server answers a bad target
    }
    detail::RequestAccess::set_remote_addr(*request, std::move(extra.remote_addr));
    return request;
}

Response TestClient::dispatch(Request& request, std::unique_ptr<BodyStream>& body) {
    const detail::Dispatcher& dispatcher = app_.dispatcher();
    // A route that streams its body reads the test's body in pieces, within its limit;
    // the caller keeps the stream for as long as a streamed response may read it.
    body = detail::attach_memory_body(dispatcher, request,
                                      server_options(app_.config()).limits.max_body_bytes);
    // Run the loop only until this request's response is ready; background work stays.
    auto& context = loop_->context;
    std::optional<Response> response;
    std::exception_ptr failure;
    bool done = false;
    boost::asio::co_spawn(context, dispatcher.full_dispatch(request, options_.propagate_exceptions),
                          [&](std::exception_ptr e, Response r) {
                              failure = e;
                              if (!e) response.emplace(std::move(r));
                              done = true;
                          });
    context.restart();
    while (!done && context.run_one() > 0) {
    }
    if (failure) std::rethrow_exception(failure);
    if (!done) throw Error("TestClient: the request's loop stopped before the response was ready");
    return std::move(*response);
}

TestResponse TestClient::open(std::string method, std::string target, TestRequest extra) {
    auto made = make_request(std::move(method), std::move(target), std::move(extra));
    if (auto* ready = std::get_if<Response>(&made)) return TestResponse(std::move(*ready));
    auto& request = std::get<std::unique_ptr<Request>>(made);
    std::unique_ptr<BodyStream> request_body;
    Response response = dispatch(*request, request_body);
    if (!response.is_streamed()) {
        detail::ResponseAccess::show_head_length(response);
        return TestResponse(std::move(response));
    }
    // A streamed body is read whole, as a client that waits for the end sees it.
    TestStream stream(std::make_unique<TestStream::State>(
        loop_->context, options_.propagate_exceptions, std::move(request), std::move(response)));
    stream.state_->body_stream = std::move(request_body);
    std::string body = stream.read_all(std::chrono::hours(24));
    Response whole(std::move(stream.state_->response));
    whole.set_stream_body(nullptr);
    whole.set_body(std::move(body));
    return TestResponse(std::move(whole));
}

TestStream TestClient::stream(std::string method, std::string target, TestRequest extra) {
    auto made = make_request(std::move(method), std::move(target), std::move(extra));
    if (auto* ready = std::get_if<Response>(&made)) {
        return TestStream(std::make_unique<TestStream::State>(
            loop_->context, options_.propagate_exceptions, nullptr, std::move(*ready)));
    }
    auto& request = std::get<std::unique_ptr<Request>>(made);
    std::unique_ptr<BodyStream> body;
    Response response = dispatch(*request, body);
    auto state = std::make_unique<TestStream::State>(loop_->context, options_.propagate_exceptions,
                                                     std::move(request), std::move(response));
    state->body_stream = std::move(body);
    return TestStream(std::move(state));
}

TestWebSocket TestClient::websocket(std::string target, TestRequest extra,
                                    std::vector<std::string> subprotocols) {
    extra.headers.set("Upgrade", "websocket");
    extra.headers.set("Connection", "Upgrade");
    extra.headers.set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
    extra.headers.set("Sec-WebSocket-Version", "13");
    if (!subprotocols.empty()) {
        std::string offered;
        for (const auto& name : subprotocols) offered += (offered.empty() ? "" : ", ") + name;
        extra.headers.set("Sec-WebSocket-Protocol", offered);
    }
    auto made = make_request("GET", std::move(target), std::move(extra));
    if (auto* ready = std::get_if<Response>(&made))
        throw TestWebSocketRejected(TestResponse(std::move(*ready)));
    auto& request = std::get<std::unique_ptr<Request>>(made);
    if (auto error = detail::upgrade_error(*request))  // a test's own headers broke it
        throw TestWebSocketRejected(TestResponse(detail::render_http_error(*error, nullptr)));
    auto state = std::make_unique<TestWebSocket::State>(
        loop_->context, options_.propagate_exceptions, std::move(request),
        server_options(app_.config()).websocket);
    state->start(app_.dispatcher());
    return TestWebSocket(std::move(state));
}

}  // namespace vial
