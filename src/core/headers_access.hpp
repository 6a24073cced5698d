#pragma once
// The framework's unchecked appends to Headers: fields the parser already validated, or
// that the framework made itself (a request id, a Content-Length). Users go through
// Headers::add, which refuses CR, LF and NUL.
#include <vial/headers.hpp>

#include <string_view>

namespace vial::detail {

struct HeadersAccess {
    static void add_unchecked(Headers& headers, std::string_view name, std::string_view value) {
        headers.add_unchecked(name, value);
    }
    static void reserve(Headers& headers, std::size_t fields) { headers.reserve(fields); }
};

/// Throws vial::Error when `value` holds CR, LF or NUL (what Headers::add checks).
void check_header_value(std::string_view name, std::string_view value);

}  // namespace vial::detail
