#pragma once
/// vial::ClientStream: a response whose body is read as it arrives (httpx's
/// `client.stream(...)` with `aiter_bytes()`), so a large download needs bounded memory.
///
///     vial::ClientStream download = co_await http.stream("GET", url);
///     download.head().raise_for_status();
///     for (std::string chunk; !(chunk = co_await download.read()).empty();)
///         out.write(chunk);
///
/// At most 256 KiB wait unread: past that, the client stops reading the socket until the
/// reader catches up (TCP then slows the server down). Read it on the loop that opened
/// it. Destroying it before the end closes the connection.
#include <vial/client_response.hpp>
#include <vial/task.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace vial {

namespace detail {
struct StreamState;
struct ClientStreamAccess;
}  // namespace detail

class ClientStream {
  public:
    ClientStream(ClientStream&& other) noexcept;
    ClientStream& operator=(ClientStream&& other) noexcept;
    ~ClientStream();

    /// Status, reason, headers, final URL and version (content() is empty).
    const ClientResponse& head() const noexcept { return head_; }
    int status() const noexcept { return head_.status(); }
    const Headers& headers() const noexcept { return head_.headers(); }

    /// The next bytes of the body as they arrive (decoded if the server compressed them);
    /// an empty string once the body is complete. Throws the client's errors
    /// (TransportError, ReadTimeout: `read_timeout`, or else the client's `timeout`, is
    /// the longest wait for more bytes), or vial::Cancelled if the awaiting task is
    /// cancelled, which also ends the transfer.
    Task<std::string> read();
    /// The rest of the body in one string; throws vial::Error past `limit` bytes.
    Task<std::string> read_all(std::size_t limit = 64 * 1024 * 1024);

  private:
    friend struct detail::ClientStreamAccess;
    ClientStream(ClientResponse head, std::shared_ptr<detail::StreamState> state);
    void close() noexcept;

    ClientResponse head_;
    std::shared_ptr<detail::StreamState> state_;
};

}  // namespace vial
