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

/// The path as the router matches it: each '/'-separated segment percent-decoded on its
/// own, with any '%' or '/' the decoding produced written back as %25 and %2F, so an
/// encoded slash stays inside its segment (as Go's RawPath and nginx route). Null on a
/// malformed escape.
std::optional<std::string> routing_path(std::string_view raw_path);

/// Writes `text` as routing_path writes decoded text ('%' -> %25, '/' -> %2F unless kept).
std::string escape_for_routing(std::string_view text, bool keep_slash);

/// True if a routing-form segment holds an encoded slash. Unambiguous: a '%' of the
/// decoded text is always written %25, so "%2F" appears only for a slash.
inline bool has_encoded_slash(std::string_view segment) noexcept {
    return segment.find("%2F") != std::string_view::npos;
}

/// Undoes routing_path's two escapes in one matched value.
std::string unescape_routing(std::string_view value);

/// Percent-encodes everything but RFC 3986 unreserved characters (and '/' if asked).
/// A rule's static segment as it goes into a URL: what a path segment may hold as is
/// (RFC 3986 pchar: unreserved, sub-delims, ':' and '@') stays, the rest ('%', '?', '#',
/// spaces, controls, non-ASCII) is escaped, so the URL decodes back to the segment.
std::string encode_path_segment(std::string_view text);
std::string percent_encode(std::string_view text, bool keep_slash);

}  // namespace vial::detail
