#include "request_shape.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include "../core/headers_access.hpp"
#include "../core/json_text.hpp"
#include "../core/url_codec.hpp"

namespace vial::detail {

std::string resolve_url(const ClientOptions& client, const std::string& method, std::string url,
                        const QueryParams& params) {
    auto invalid = [&](const std::string& why) { return InvalidUrl(method, url, why); };
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
        if (url.find("://") != std::string::npos)
            throw invalid("only http and https URLs are supported");
        if (client.base_url.empty()) throw invalid("a relative URL needs the client's base_url");
        std::string base = client.base_url;
        while (base.ends_with('/')) base.pop_back();
        url = base + (url.starts_with('/') ? "" : "/") + url;
    }
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) throw InvalidUrl(method, url, "malformed URL: " + parsed.error().message());
    if (parsed->scheme() != "http" && parsed->scheme() != "https")
        throw InvalidUrl(method, url, "only http and https URLs are supported");
    if (parsed->encoded_host().empty()) throw InvalidUrl(method, url, "the URL has no host");
    if (!params.empty()) {
        std::size_t fragment = url.find('#');
        std::string tail = fragment == std::string::npos ? "" : url.substr(fragment);
        url.resize(std::min(fragment, url.size()));
        char separator = parsed->has_query() && !parsed->encoded_query().empty() ? '&' : '?';
        if (url.ends_with('?')) separator = '\0';
        for (const auto& [name, value] : params) {
            if (separator) url += separator;
            separator = '&';
            url += percent_encode(name, false) + "=" + percent_encode(value, false);
        }
        url += tail;
    }
    return url;
}

std::string urlencode(const QueryParams& fields) {
    std::string out;
    for (const auto& [name, value] : fields) {
        if (!out.empty()) out += '&';
        out += percent_encode(name, false) + "=" + percent_encode(value, false);
    }
    return out;
}

Headers merged_headers(const ClientOptions& client, const RequestOptions& options) {
    Headers merged;
    for (const auto& [name, value] : client.headers) {
        if (!options.headers.contains(name))
            detail::HeadersAccess::add_unchecked(merged, name, value);
    }
    for (const auto& [name, value] : options.headers)
        detail::HeadersAccess::add_unchecked(merged, name, value);
    return merged;
}

bool has_content_type(const ClientOptions& client, const RequestOptions& options) {
    return options.headers.contains("Content-Type") || client.headers.contains("Content-Type");
}

std::optional<InMemoryBody> in_memory_body(const RequestOptions& options) {
    if (options.json) return InMemoryBody{detail::json_text(*options.json), "application/json"};
    if (options.form)
        return InMemoryBody{urlencode(*options.form), "application/x-www-form-urlencoded"};
    if (options.content)
        return InMemoryBody{*options.content, options.content_type.empty()
                                                  ? "application/octet-stream"
                                                  : options.content_type};
    return std::nullopt;
}

}  // namespace vial::detail
