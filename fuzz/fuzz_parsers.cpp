// Fuzzes the parsers a client's bytes reach directly: query strings, urlencoded forms,
// cookies, JSON bodies and the signed session cookie. Input: four fields separated by
// NUL bytes (query, cookie header, body, session cookie); missing fields are empty.
#include <vial/vial.hpp>

#include <cstdint>
#include <string>

#include "core/headers_access.hpp"
#include "core/session_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace vial;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string_view fields[4];
    for (auto& field : fields) {
        std::size_t nul = input.find('\0');
        field = input.substr(0, nul);
        input = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
    }
    auto [query, cookie, body, session] = fields;

    for (const char* type : {"application/x-www-form-urlencoded", "application/json"}) {
        Headers headers;
        detail::HeadersAccess::add_unchecked(headers, "Cookie", cookie);
        detail::HeadersAccess::add_unchecked(headers, "Content-Type", type);
        try {
            Request request("POST", "/?" + std::string(query), std::move(headers),
                            std::string(body));
            for (const auto& [key, value] : request.args()) (void)(key.size() + value.size());
            (void)request.cookies().size();
            (void)request.form().size();
            if (request.is_json()) (void)request.json();
        } catch (const HttpError&) {
            // a malformed target or body: the client's 4xx
        }
    }
    (void)detail::verify_session(session, "fuzzing secret");
    (void)detail::base64url_decode(session);
    return 0;
}
