#include <vial/error.hpp>
#include <vial/make_response.hpp>
#include <vial/response.hpp>

#include <algorithm>

#include "headers_access.hpp"
#include "http_date.hpp"
#include "json_text.hpp"

namespace vial {

namespace {

bool is_cookie_name_char(unsigned char c) {
    return c > 0x20 && c < 0x7f &&
           std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
}

bool is_cookie_value_char(unsigned char c) {
    // RFC 6265 cookie-octet.
    return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
           (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

void check_attribute(std::string_view what, std::string_view value) {
    if (std::any_of(value.begin(), value.end(),
                    [](unsigned char c) { return c < 0x20 || c == ';' || c == 0x7f; })) {
        throw Error("cookie " + std::string(what) + " '" + std::string(value) +
                    "' holds ';' or a control character");
    }
}

}  // namespace

Response::Response(std::string body, int status, std::string_view content_type)
    : status_(status), body_(std::move(body)) {
    // As every header: a content type built from input must not split the head.
    detail::check_header_value("Content-Type", content_type);
    // Room for the request id the dispatcher adds (X-Request-ID): one allocation, not two.
    detail::HeadersAccess::reserve(headers_, 2);
    detail::HeadersAccess::add_unchecked(headers_, "Content-Type", content_type);
}

void Response::set_cookie(std::string_view name, std::string_view value,
                          const CookieOptions& options) {
    if (name.empty() || !std::all_of(name.begin(), name.end(),
                                     [](unsigned char c) { return is_cookie_name_char(c); })) {
        throw Error("invalid cookie name '" + std::string(name) + "'");
    }
    if (!std::all_of(value.begin(), value.end(),
                     [](unsigned char c) { return is_cookie_value_char(c); })) {
        throw Error("invalid value for cookie '" + std::string(name) +
                    "': use only RFC 6265 cookie characters (encode it first)");
    }
    check_attribute("path", options.path);
    check_attribute("domain", options.domain);
    std::string header;
    header.append(name).append("=").append(value);
    if (options.expires) {
        header += "; Expires=";
        header += detail::format_http_date(std::chrono::system_clock::to_time_t(*options.expires));
    }
    if (options.max_age) header += "; Max-Age=" + std::to_string(options.max_age->count());
    if (!options.domain.empty()) header += "; Domain=" + options.domain;
    if (!options.path.empty()) header += "; Path=" + options.path;
    if (options.secure) header += "; Secure";
    if (options.httponly) header += "; HttpOnly";
    if (!options.samesite.empty()) {
        std::string s = options.samesite;
        if (!iequals(s, "Strict") && !iequals(s, "Lax") && !iequals(s, "None")) {
            throw Error("cookie samesite must be Strict, Lax or None, got '" + s + "'");
        }
        header += "; SameSite=" + s;
    }
    headers_.add("Set-Cookie", std::move(header));
}

void Response::delete_cookie(std::string_view name, std::string_view path,
                             std::string_view domain) {
    CookieOptions options;
    options.max_age = std::chrono::seconds(0);
    options.expires = std::chrono::system_clock::time_point{};
    options.path = std::string(path);
    options.domain = std::string(domain);
    set_cookie(name, "", options);
}

Response jsonify(const Json& value, int status) {
    return Response(detail::json_text(value), status, "application/json");
}

Response redirect(std::string_view location, int status) {
    if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
        throw Error("redirect status must be 301, 302, 303, 307 or 308, got " +
                    std::to_string(status));
    }
    Response response(std::string{}, status);
    response.headers().set("Location", std::string(location));
    response.body() =
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n<p>You should be redirected automatically.</p>\n";
    return response;
}

namespace detail {

Response body_response(std::string_view text, int status) {
    return Response(std::string(text), status);
}

Response body_response(const Json& json, int status) {
    return jsonify(json, status);
}

}  // namespace detail

}  // namespace vial
