#include <vial/cancel.hpp>
#include <vial/error.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>

#include "test_stream_state.hpp"

namespace vial {

namespace {

Task<void> produce(TestStream::State& state) {
    co_await detail::run_stream(*state.response.stream_body(), state);
}

}  // namespace

TestStream::State::State(boost::asio::io_context& ctx, bool propagate_exceptions,
                         std::unique_ptr<Request> req, Response res)
    : context(ctx),
      propagate(propagate_exceptions),
      request(std::move(req)),
      response(std::move(res)),
      taken(ctx.get_executor()) {
    bool head = request && request->method() == "HEAD";
    if (!response.is_streamed() || head) {
        if (!response.body().empty()) chunks.push_back(response.body());
        return;
    }
    done = false;
    boost::asio::co_spawn(
        context, produce(*this),
        boost::asio::bind_cancellation_slot(cancel.slot(), [this](std::exception_ptr e) {
            failure = e;
            done = true;
        }));
}

TestStream::State::~State() = default;

Task<void> TestStream::State::send(std::string_view chunk) {
    chunks.emplace_back(chunk);
    while (!chunks.empty()) co_await taken.wait();
}

bool TestStream::State::run_one(std::chrono::steady_clock::time_point deadline) {
    context.restart();
    return context.run_one_until(deadline) > 0;
}

TestStream::TestStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
TestStream::TestStream(TestStream&&) noexcept = default;
TestStream& TestStream::operator=(TestStream&&) noexcept = default;

TestStream::~TestStream() {
    if (!state_) return;
    close();
    // A producer that ignores cancellation still points at the state: leak it rather
    // than leave the producer a dangling reference.
    if (!state_->done) (void)state_.release();
}

int TestStream::status() const noexcept {
    return state_->response.status();
}

const Headers& TestStream::headers() const noexcept {
    return state_->response.headers();
}

std::optional<std::string> TestStream::next_chunk(std::chrono::milliseconds limit) {
    State& s = *state_;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (s.chunks.empty() && !s.done) {
        if (!s.run_one(deadline)) {
            throw Error("TestStream: no chunk within " + std::to_string(limit.count()) +
                        " ms (the producer is still waiting)");
        }
    }
    if (!s.chunks.empty()) {
        std::string chunk = std::move(s.chunks.front());
        s.chunks.pop_front();
        s.taken.notify_all();
        return chunk;
    }
    if (s.failure && s.propagate) std::rethrow_exception(std::exchange(s.failure, nullptr));
    return std::nullopt;
}

std::string TestStream::read_all(std::chrono::milliseconds limit) {
    std::string body;
    while (auto chunk = next_chunk(limit)) body += *chunk;
    return body;
}

void TestStream::close() {
    State& s = *state_;
    s.chunks.clear();
    if (s.done) return;
    s.cancel.emit(boost::asio::cancellation_type::terminal);
    s.taken.notify_all();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!s.done && s.run_one(deadline)) {
    }
}

}  // namespace vial
