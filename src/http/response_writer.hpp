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
};

/// Appends the serialized response to `out`. Returns false if the response asked to
/// close the connection (a "Connection: close" header set by the view).
bool write_response(const Response& response, const ResponseFraming& framing, std::string& out);

}  // namespace vial::detail
