#pragma once
// A deliberately dumb blocking HTTP/1.1 client over a real socket, so server tests can
// send exactly the bytes they mean (pipelined, chunked, malformed) and read raw replies.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace vial::testing {

struct RawResponse {
    int status = 0;
    std::string head;  // status line and headers
    std::string body;
    bool complete = true;
    /// Value of a header (case-insensitive name), empty if absent.
    std::string header(std::string_view name) const;
};

class RawClient {
  public:
    /// `receive_buffer` > 0 sets SO_RCVBUF before connecting (a small window makes a
    /// client that does not read stall the server's writes sooner).
    explicit RawClient(std::uint16_t port,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5),
                       int receive_buffer = 0);
    ~RawClient();
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    void send(std::string_view bytes);
    /// Reads one response (Content-Length framed, chunked, or to EOF). status 0 if the
    /// connection closed or timed out before a complete head. A chunked body is decoded;
    /// `complete` is false when it ended without its last chunk.
    RawResponse read_response(bool head_request = false);
    /// Reads raw bytes up to and including `marker`; empty on EOF or timeout first.
    std::string read_until(std::string_view marker);
    /// Reads exactly `n` bytes; fewer on EOF or timeout first.
    std::string read_exact(std::size_t n);
    /// True if the server closed the connection (EOF) within the timeout.
    bool wait_closed();
    /// Reads and discards up to `max` bytes (what one recv returns); 0 on EOF, error or
    /// timeout. Counts bytes already buffered by read_response first.
    std::size_t read_some(std::size_t max);
    /// Closes with RST instead of FIN.
    void reset();

  private:
    bool fill();  // one recv into buffer_; false on EOF/error/timeout
    int fd_ = -1;
    std::string buffer_;
};

/// One request/response on a fresh connection.
RawResponse roundtrip(std::uint16_t port, std::string_view request);

/// Polls `condition` every 10 ms until it holds or `limit` passes; returns its last value.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit);

}  // namespace vial::testing
