#pragma once
/// Streamed request bodies: a view reads the body as it arrives instead of after it was
/// buffered whole (Quart's `async for data in request.body`).
///
///     app.post("/upload", [](vial::Request& req) -> vial::Task<vial::Json> {
///         std::size_t total = 0;
///         for (;;) {
///             std::string piece = co_await req.body_stream().read();
///             if (piece.empty()) break;   // the body ended
///             total += piece.size();
///         }
///         co_return vial::Json{{"bytes", total}};
///     }, {.methods = {"POST"}, .stream_body = true, .max_body_bytes = 1 << 30});
///
/// Only routes registered with `stream_body = true` stream; the route is known from the
/// request line, before the body is read. The size limit (the route's `max_body_bytes`,
/// else MAX_CONTENT_LENGTH) is enforced as the body arrives: a declared length over it is
/// refused before the view runs, a chunked body that grows past it makes read() throw
/// HttpError(413). `Expect: 100-continue` is answered when the view first reads, so a
/// view that refuses first (a 401, say) never makes the client send the body.
#include <vial/task.hpp>

#include <cstddef>
#include <string>

namespace vial {

class BodyStream {
  public:
    virtual ~BodyStream() = default;

    /// The next piece of the body, as it arrived (at most 64 KiB); empty once the body
    /// ended. Throws HttpError 413 past the size limit, 400 for malformed framing, 408
    /// when the client pauses longer than BODY_TIMEOUT_MS, and vial::Cancelled when it
    /// goes away.
    Task<std::string> read();
    /// Bytes read so far.
    std::size_t bytes_read() const noexcept { return bytes_read_; }
    /// True once read() returned the end.
    bool finished() const noexcept { return finished_; }

  protected:
    /// The next piece from the transport; empty at the end.
    virtual Task<std::string> next() = 0;

  private:
    std::size_t bytes_read_ = 0;
    bool finished_ = false;
};

}  // namespace vial
