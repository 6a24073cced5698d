#include <vial/client_stream.hpp>
#include <vial/error.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/this_coro.hpp>

#include "../runtime/deferred_op.hpp"
#include "client_stream_access.hpp"
#include "curl_loop.hpp"

namespace vial {

namespace asio = boost::asio;

ClientStream::ClientStream(ClientResponse head, std::shared_ptr<detail::StreamState> state)
    : head_(std::move(head)), state_(std::move(state)) {}

ClientStream::ClientStream(ClientStream&& other) noexcept = default;

ClientStream& ClientStream::operator=(ClientStream&& other) noexcept {
    if (this != &other) {
        close();
        head_ = std::move(other.head_);
        state_ = std::move(other.state_);
    }
    return *this;
}

ClientStream::~ClientStream() {
    close();
}

void ClientStream::close() noexcept {
    if (state_ && state_->transfer) state_->loop->abandon(*state_);
    state_.reset();
}

Task<std::string> ClientStream::read() {
    if (!state_) throw Error("read() on a moved-from ClientStream");
    if (!state_->transfer) {  // ended: what is left, then the end (or why it failed)
        if (!state_->pending.empty()) co_return std::exchange(state_->pending, std::string());
        if (state_->error) std::rethrow_exception(state_->error);
        co_return std::string();
    }
    auto executor = co_await asio::this_coro::executor;
    std::shared_ptr<detail::StreamState> state = state_;
    // Named, not a temporary inside the co_await expression (g++ 12, docs/async.md).
    auto initiation = [&state, &executor](auto handler) {
        state->loop->read_stream(state, detail::ChunkHandler(std::move(handler)), executor);
    };
    auto operation = detail::deferred_operation<void(std::exception_ptr, std::string)>(initiation);
    std::string chunk = detail::value_or_rethrow(co_await std::move(operation));
    co_return chunk;
}

Task<std::string> ClientStream::read_all(std::size_t limit) {
    std::string body;
    for (;;) {
        std::string chunk = co_await read();
        if (chunk.empty()) co_return body;
        if (body.size() + chunk.size() > limit)
            throw Error("the body of " + head_.url() + " is larger than read_all's limit of " +
                        std::to_string(limit) + " bytes");
        body += chunk;
    }
}

}  // namespace vial
