#pragma once
// IMF-fixdate (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
#include <ctime>
#include <string>

namespace vial::detail {

/// Writes the 29-character date into `out` (which must hold 29 chars).
void format_http_date(std::time_t when, char* out) noexcept;
std::string format_http_date(std::time_t when);

}  // namespace vial::detail
