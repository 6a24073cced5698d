#include "stream_sender.hpp"

#include <vial/cancel.hpp>

#include <charconv>
#include <exception>

#include "../core/dispatcher.hpp"
#include "../core/log.hpp"
#include "connection.hpp"
#include "loop.hpp"

namespace vial::detail {

namespace {

// Chunks up to this size are copied next to their framing and leave in one write; larger
// ones are written from the producer's buffer.
constexpr std::size_t kCopiedChunk = 16 * 1024;

class SocketSink final : public StreamSink {
  public:
    SocketSink(Connection& c, std::string& out, bool chunked)
        : c_(c), out_(out), chunked_(chunked) {}

    std::size_t sent = 0;
    bool broken = false;

    Task<void> send(std::string_view chunk) override {
        // After a failed or cancelled write the framing is unknown: nothing more may go.
        if (broken) throw Cancelled("the connection broke during an earlier write");
        bool ok = true;
        if (chunked_) {
            char digits[20];
            auto [end, ec] = std::to_chars(digits, digits + sizeof digits, chunk.size(), 16);
            out_.append(digits, end).append("\r\n");
            if (chunk.size() <= kCopiedChunk) {
                out_.append(chunk).append("\r\n");
                ok = co_await flush(c_, out_);
            } else {
                ok = co_await flush(c_, out_, chunk);
                if (ok) {
                    sent += c_.written;
                    out_ = "\r\n";
                    ok = co_await flush(c_, out_);
                }
            }
        } else {
            ok = co_await flush(c_, out_, chunk);
        }
        sent += c_.written;
        waiting();
        if (!ok) {
            broken = true;
            throw Cancelled("the client closed the connection");
        }
    }

    // While the producer works between writes the connection counts as dispatching: the
    // sweeper then notices a client that left and cancels the producer.
    void waiting() {
        c_.phase = Connection::Phase::Dispatch;
        c_.dispatch_started = c_.loop.now;
    }

  private:
    Connection& c_;
    std::string& out_;
    bool chunked_;
};

}  // namespace

Task<StreamSent> send_stream(Connection& c, const StreamBody& body, bool chunked, std::string& out,
                             const std::string& where) {
    SocketSink sink(c, out, chunked);
    sink.waiting();
    std::exception_ptr failure;
    try {
        co_await run_stream(body, sink);
    } catch (...) {
        failure = std::current_exception();
    }
    if (c.abandoned || sink.broken) co_return StreamSent{false, sink.sent};
    if (failure) {
        // The head is gone with its status: all that is left is to cut the body short,
        // which the client sees as an incomplete response.
        if (!is_cancellation(failure))
            log::error("streamed response failed in " + where + ": " + describe(failure));
        out.clear();
        co_return StreamSent{false, sink.sent};
    }
    if (!chunked) co_return StreamSent{true, sink.sent};
    out += "0\r\n\r\n";
    bool ok = co_await flush(c, out);
    co_return StreamSent{ok, sink.sent + c.written};
}

}  // namespace vial::detail
