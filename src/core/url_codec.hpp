#pragma once
// Percent-decoding and application/x-www-form-urlencoded parsing, on Boost.URL.
#include <vial/multi_dict.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace vial::detail {

/// Decodes %XX escapes (and '+' as space when asked); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space);

/// Parses "a=1&b=x+y&a=2". Malformed escapes make the pair keep its raw text, as
/// Werkzeug does rather than failing the request.
MultiDict parse_urlencoded(std::string_view text);

/// Percent-encodes everything but RFC 3986 unreserved characters (and '/' if asked).
std::string percent_encode(std::string_view text, bool keep_slash);

}  // namespace vial::detail
