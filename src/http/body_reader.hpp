#pragma once
// ServerBodyStream: a streamed request body, read from the connection as the view asks.
#include <vial/body_stream.hpp>

#include <string>

#include "read_buffer.hpp"

namespace vial::detail {

struct Connection;
class RequestParser;

class ServerBodyStream final : public BodyStream {
  public:
    /// `parser` has the request's head (and may hold the body's first bytes); `buffer`
    /// holds bytes read but not parsed; `out` is the connection's pending output (the
    /// 100 Continue goes there when `continue_expected`).
    ServerBodyStream(Connection& c, ReadBuffer& buffer, std::string& out, RequestParser& parser,
                     bool continue_expected)
        : c_(c), buffer_(buffer), out_(out), parser_(parser), continue_due_(continue_expected) {}

    /// The response head is leaving: a 100 Continue can no longer precede it.
    void forget_continue() noexcept { continue_due_ = false; }

  protected:
    Task<std::string> next() override;

  private:
    Connection& c_;
    ReadBuffer& buffer_;
    std::string& out_;
    RequestParser& parser_;
    bool continue_due_;
};

}  // namespace vial::detail
