#pragma once
// MemoryBodyStream: a streamed body that is already in memory (the test client's, an
// in-process HttpClient call's), handed out in pieces as a socket would, with the
// route's size limit enforced the same way.
#include <vial/body_stream.hpp>
#include <vial/request.hpp>

#include <memory>
#include <string>

namespace vial::detail {

class Dispatcher;

class MemoryBodyStream final : public BodyStream {
  public:
    MemoryBodyStream(std::string body, std::size_t limit) : body_(std::move(body)), limit_(limit) {}

  protected:
    Task<std::string> next() override;

  private:
    std::string body_;
    std::size_t limit_;
    std::size_t offset_ = 0;
};

/// If `request` goes to a route that streams its body, moves its body into a
/// MemoryBodyStream attached to it (`default_limit` unless the route sets one); the
/// caller keeps the stream alive for the request.
std::unique_ptr<MemoryBodyStream> attach_memory_body(const Dispatcher& dispatcher, Request& request,
                                                     std::size_t default_limit);

}  // namespace vial::detail
