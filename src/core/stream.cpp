#include <vial/cancel.hpp>
#include <vial/error.hpp>
#include <vial/stream.hpp>

#include <boost/asio/this_coro.hpp>

#include <exception>

#include "../runtime/wakeup.hpp"

namespace vial {

struct ResponseStream::Turn {
    explicit Turn(const boost::asio::any_io_executor& executor) : free(executor) {}
    detail::Wakeup free;
};

ResponseStream::ResponseStream(detail::StreamSink& sink) : sink_(sink) {}

ResponseStream::~ResponseStream() = default;

Task<void> ResponseStream::write(std::string_view chunk) {
    if (chunk.empty()) co_return;
    while (writing_) {
        if (!turn_) turn_ = std::make_unique<Turn>(co_await boost::asio::this_coro::executor);
        co_await turn_->free.wait();
    }
    if (limit_ && chunk.size() > *limit_ - written_) {
        throw Error("streamed body overruns its Content-Length of " + std::to_string(*limit_) +
                    " bytes (" + std::to_string(written_) + " written, then a chunk of " +
                    std::to_string(chunk.size()) + ")");
    }
    writing_ = true;
    std::exception_ptr failure;
    try {
        co_await sink_.send(chunk);
        written_ += chunk.size();
    } catch (...) {
        failure = std::current_exception();
    }
    writing_ = false;
    if (turn_) turn_->free.notify_all();
    if (failure) std::rethrow_exception(failure);
}

namespace detail {

Task<void> run_stream(const StreamBody& body, StreamSink& sink) {
    ResponseStream out(sink);
    out.limit_ = body.length;
    co_await body.producer(out);
    if (body.length && out.written_ != *body.length) {
        throw Error("streamed body ended after " + std::to_string(out.written_) +
                    " bytes of its declared Content-Length of " + std::to_string(*body.length));
    }
}

namespace {

class CollectingSink final : public StreamSink {
  public:
    Task<void> send(std::string_view chunk) override {
        body.append(chunk);
        co_return;
    }
    std::string body;
};

}  // namespace

Task<void> collect_stream(Response& response) {
    if (!response.is_streamed()) co_return;
    auto body = response.stream_body();  // keeps the producer alive while it runs
    CollectingSink sink;
    co_await run_stream(*body, sink);
    response.set_stream_body(nullptr);
    response.set_body(std::move(sink.body));
}

}  // namespace detail

Response stream(StreamProducer producer, StreamOptions options) {
    if (!producer) throw Error("vial::stream needs a producer (got an empty function)");
    Response response(options.status);
    response.set_content_type(std::move(options.content_type));
    response.set_stream_body(std::make_shared<detail::StreamBody>(
        detail::StreamBody{std::move(producer), options.content_length}));
    return response;
}

}  // namespace vial
