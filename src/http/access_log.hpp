#pragma once
// One line per request, in the format ACCESS_LOG / --access-log chose (server.hpp):
//   clf       127.0.0.1 - - [30/Nov/2026:02:45:29 +0000] "GET / HTTP/1.1" 200 151 request_id=…
//   duration_us=87 combined  the same, with "referer" "user-agent" before request_id json
//   {"time":"2026-11-30T02:45:29.123Z","remote":"127.0.0.1","method":"GET",…}
// The bytes are those sent for the response, head included. A refused request adds
// rejected="reason" (json: "rejected").
#include <vial/server.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace vial::detail {

struct AccessEntry {
    std::string_view remote{};
    std::string_view method{};
    std::string_view target{};
    int version = 11;
    int status = 0;
    std::size_t bytes = 0;
    std::chrono::steady_clock::time_point started{};
    std::string_view request_id{};
    std::string_view referer{};
    std::string_view user_agent{};
    std::string_view rejected{};  // why the server refused it, empty for an answered request
};

std::string format_access_line(AccessLogFormat format, const AccessEntry& entry);
/// Formats and writes the line (to the sink, else stderr); nothing when `format` is off.
void write_access_line(AccessLogFormat format, const AccessEntry& entry);

}  // namespace vial::detail
