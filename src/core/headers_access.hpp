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
    /// The fields' storage, emptied but with its capacity, for a later request's headers
    /// (the server keeps a pool of them per loop: a malloc or a few saved per request).
    static std::vector<Headers::Field> take_storage(Headers& headers) noexcept {
        std::vector<Headers::Field> storage = std::move(headers.fields_);
        headers.fields_.clear();  // a moved-from vector is valid but unspecified
        storage.clear();
        return storage;
    }
    /// Gives `headers`, which must be empty, storage from take_storage.
    static void adopt_storage(Headers& headers, std::vector<Headers::Field>&& storage) noexcept {
        if (headers.fields_.empty()) headers.fields_.swap(storage);
    }
};

/// Throws vial::Error when `value` holds CR, LF or NUL (what Headers::add checks).
void check_header_value(std::string_view name, std::string_view value);

}  // namespace vial::detail
