#pragma once
// TestStream's state: the request and response of one test request, and the queue its
// producer writes into while the test reads.
#include <vial/body_stream.hpp>
#include <vial/request.hpp>
#include <vial/response.hpp>
#include <vial/stream.hpp>
#include <vial/test_client.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include <deque>
#include <exception>
#include <memory>
#include <string>

#include "../runtime/wakeup.hpp"

namespace vial {

struct TestStream::State final : detail::StreamSink {
    /// Starts the producer of a streamed `response` on `context` (it runs only while the
    /// test runs the loop); any other response is one chunk, already complete.
    State(boost::asio::io_context& context, bool propagate, std::unique_ptr<Request> request,
          Response response);
    ~State() override;

    /// Queues the chunk and waits until the test took it.
    Task<void> send(std::string_view chunk) override;
    /// Runs the loop once, until `deadline`; false if nothing ran.
    bool run_one(std::chrono::steady_clock::time_point deadline);

    boost::asio::io_context& context;
    bool propagate;
    std::unique_ptr<Request> request;
    /// A streamed request body the producer may still read.
    std::unique_ptr<BodyStream> body_stream;
    Response response;
    std::deque<std::string> chunks;
    bool done = true;
    std::exception_ptr failure;
    boost::asio::cancellation_signal cancel;
    detail::Wakeup taken;
};

}  // namespace vial
