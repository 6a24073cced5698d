#pragma once
// What a request is before any transport sends it: its absolute URL, its headers and an
// in-memory body. Shared by the curl transport and the in-process one.
#include <vial/http_client.hpp>

#include <optional>
#include <string>

namespace vial::detail {

/// `url` made absolute against the client's base_url, with `params` appended. Throws
/// InvalidUrl for a URL that is malformed, relative without a base_url, or not http(s).
std::string resolve_url(const ClientOptions& client, const std::string& method, std::string url,
                        const QueryParams& params);

/// name=value&... with both percent-encoded.
std::string urlencode(const QueryParams& fields);

/// The client's headers, replaced by the request's of the same name, then the request's.
Headers merged_headers(const ClientOptions& client, const RequestOptions& options);
bool has_content_type(const ClientOptions& client, const RequestOptions& options);

struct InMemoryBody {
    std::string bytes;
    std::string content_type;
};
/// The body given as `json`, `form` or `content`; nullopt for none of them.
std::optional<InMemoryBody> in_memory_body(const RequestOptions& options);

}  // namespace vial::detail
