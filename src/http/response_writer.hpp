#pragma once
// Serializes a Response into the connection's output buffer: head and body together so
// they leave in one write (Nagle plus delayed ACK would otherwise add ~40 ms).
#include <vial/response.hpp>

#include <string>
#include <string_view>

namespace vial::detail {

struct ResponseFraming {
    bool keep_alive = true;
    bool head_request = false;
    int http_version = 11;
    /// IMF-fixdate of now, 29 chars.
    std::string_view date;
    /// Bodies larger than this are not copied into `out`: the caller writes them from the
    /// Response, after `out`, in the same gather write.
    std::size_t max_copied_body = static_cast<std::size_t>(-1);
};

struct WrittenResponse {
    /// The body still to be written after `out` (a view of the Response's body), empty
    /// when it was copied into `out` or none is sent.
    std::string_view body{};
    /// False if the response asked to close the connection ("Connection: close").
    bool keep_alive = true;
    /// A streamed response whose producer must now run; `chunked` says how its bytes are
    /// framed (else a Content-Length was declared, or HTTP/1.0 ends it by closing).
    bool run_stream = false;
    bool chunked = false;
};

/// Appends `value` in decimal (no allocation).
void append_decimal(std::string& out, std::size_t value);

/// Appends the serialized response (head, and its body unless larger than
/// framing.max_copied_body) to `out`. For a streamed response only the head is written.
WrittenResponse write_response(const Response& response, const ResponseFraming& framing,
                               std::string& out);

}  // namespace vial::detail
