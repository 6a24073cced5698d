#pragma once
/// Streamed responses: a body produced while it is sent (Flask's `Response(generate())`).
///
///     app.get("/numbers", [](vial::Request&) {
///         return vial::stream([](vial::ResponseStream& out) -> vial::Task<void> {
///             for (int i = 0; i < 10; ++i) {
///                 co_await out.write(std::to_string(i) + "\n");
///                 co_await vial::sleep(std::chrono::milliseconds(100));
///             }
///         }, {.content_type = "text/plain; charset=utf-8"});
///     });
///
/// The head (status, headers, after_request changes, cookies) leaves first; then the
/// producer runs and each `write` completes once the connection took the chunk, so a slow
/// client slows the producer instead of filling memory. The body goes out with chunked
/// transfer encoding, or with a Content-Length when one is declared. When the client
/// leaves, the producer's pending await throws vial::Cancelled.
///
/// Lifetime: the producer runs after the view returned and after the teardown hooks; the
/// Request stays valid until the stream ends, the RequestContext (`g`) does not. Capture
/// by value what the producer needs.
#include <vial/response.hpp>
#include <vial/task.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace vial {

class ResponseStream;
/// The coroutine that writes a streamed body.
using StreamProducer = std::function<Task<void>(ResponseStream&)>;

namespace detail {

/// Where a stream's bytes go: the connection's socket, or a test client's queue.
class StreamSink {
  public:
    virtual ~StreamSink() = default;
    /// Sends one non-empty chunk; completes when the receiver took it.
    virtual Task<void> send(std::string_view chunk) = 0;
};

/// What a streamed Response carries.
struct StreamBody {
    StreamProducer producer;
    /// Declared Content-Length; without it the body is chunked.
    std::optional<std::size_t> length;
};

/// Runs `body`'s producer into `sink`. Throws vial::Error when a declared length is
/// overrun or not reached, and whatever the producer throws.
Task<void> run_stream(const StreamBody& body, StreamSink& sink);

/// Runs `response`'s producer to its end and makes its output the body (in-process
/// clients, which hand over whole responses). Other responses are left as they are.
Task<void> collect_stream(Response& response);

}  // namespace detail

/// The producer's side of a streamed body.
///
/// Thread note: used only from the coroutine (and tasks it starts on the same loop) that
/// the framework hands it to. Writes from several such tasks are sent one after another,
/// never interleaved.
class ResponseStream {
  public:
    explicit ResponseStream(detail::StreamSink& sink);
    ~ResponseStream();
    ResponseStream(const ResponseStream&) = delete;
    ResponseStream& operator=(const ResponseStream&) = delete;

    /// Sends `chunk` (an empty one is skipped) and completes when the connection took it.
    /// Throws vial::Cancelled when the client has gone, and vial::Error when the chunk
    /// would overrun a declared Content-Length.
    Task<void> write(std::string_view chunk);
    /// Bytes written so far.
    std::size_t bytes_written() const noexcept { return written_; }

  private:
    friend Task<void> detail::run_stream(const detail::StreamBody&, detail::StreamSink&);
    struct Turn;

    detail::StreamSink& sink_;
    std::optional<std::size_t> limit_;
    std::size_t written_ = 0;
    std::unique_ptr<Turn> turn_;  // serializes concurrent writers; made on first contention
    bool writing_ = false;
};

/// How a streamed response is framed.
struct StreamOptions {
    /// Flask's default, as for any Response.
    std::string content_type = "text/html; charset=utf-8";
    /// When set, sent as Content-Length and the producer must write exactly this many
    /// bytes (more throws at the write that overruns; fewer closes the connection).
    std::optional<std::size_t> content_length{};
    int status = 200;
};

/// A response whose body `producer` writes while it is sent.
Response stream(StreamProducer producer, StreamOptions options = {});

}  // namespace vial
