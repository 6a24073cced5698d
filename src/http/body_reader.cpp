#include "body_reader.hpp"

#include <vial/cancel.hpp>
#include <vial/error.hpp>

#include <boost/beast/http/error.hpp>

#include <algorithm>

#include "request_parser.hpp"
#include "socket_io.hpp"

namespace vial::detail {

namespace http = boost::beast::http;

namespace {

constexpr std::size_t kReadChunk = BlockPool::kBlockSize;

[[noreturn]] void refuse(const RequestParser& parser, const boost::beast::error_code& ec) {
    if (parser.rejection) throw HttpError(parser.rejection_status, parser.rejection);
    if (ec == http::error::body_limit)
        throw HttpError(413, "The request body is larger than this URL accepts.");
    throw HttpError(400, "Malformed request body: " + ec.message());
}

}  // namespace

Task<std::string> ServerBodyStream::next() {
    if (continue_due_) {
        // The view wants the body: now the client may send it.
        continue_due_ = false;
        out_ += "HTTP/1.1 100 Continue\r\n\r\n";
        if (!co_await flush(c_, out_)) throw Cancelled("the client closed the connection");
        c_.phase = Connection::Phase::Dispatch;
    }
    for (;;) {
        if (buffer_.size() > 0 && !parser_.is_done()) {
            boost::beast::error_code ec;
            std::size_t used =
                parser_.feed({static_cast<const char*>(buffer_.data().data()), buffer_.size()}, ec);
            buffer_.consume(used);
            if (ec && ec != http::error::need_more) refuse(parser_, ec);
        }
        if (!parser_.body.empty()) co_return std::exchange(parser_.body, std::string());
        if (parser_.is_done()) co_return std::string();
        // Wait for more, as for a buffered body: an idle timeout, not a total one.
        c_.phase = Connection::Phase::Body;
        c_.deadline = c_.loop.now + c_.loop.options.limits.body_timeout;
        c_.timed_out = false;
        std::size_t room = read_room(buffer_);
        auto [ec, n] = co_await c_.socket.async_read_some(buffer_.prepare(room), on_loop(c_));
        c_.deadline = Connection::TimePoint::max();
        c_.phase = Connection::Phase::Dispatch;
        if (ec) {
            if (c_.timed_out) throw HttpError(408, "The request body stopped arriving.");
            throw Cancelled("the client closed the connection");
        }
        buffer_.commit(n);
    }
}

}  // namespace vial::detail
