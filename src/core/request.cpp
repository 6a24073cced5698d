#include <vial/error.hpp>
#include <vial/request.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>

#include "json_text.hpp"
#include "request_access.hpp"
#include "url_codec.hpp"

namespace vial {

Request::Request(std::string method, std::string target, Headers headers, std::string body)
    : target_(std::move(target)), headers_(std::move(headers)) {
    const auto& methods = detail::standard_methods();
    auto standard = std::find(methods.begin(), methods.end(), method);
    if (standard == methods.end())
        other_method_ = std::move(method);
    else
        method_index_ = static_cast<std::uint8_t>(standard - methods.begin());
    if (!body.empty()) body_ = std::move(body);
    if (target_.empty() || target_[0] != '/') {
        throw HttpError(400, "The request target must start with '/'.");
    }
    // The server's parser never lets these through; a Request built in-process (the test
    // client, the client's in-process transport) gets the same 400 instead of a target
    // that cannot be echoed in a header (a redirect's Location).
    for (unsigned char c : target_) {
        if (c <= 0x20 || c == 0x7f)
            throw HttpError(400, "The request target holds a space or a control character.");
    }
    if (target_.size() >= kNoQuery) throw HttpError(414, "The request target is too long.");
    std::size_t query = target_.find('?');
    if (query != std::string::npos) query_pos_ = static_cast<std::uint32_t>(query);
    std::string_view raw_path = std::string_view(target_).substr(0, query);
    auto decoded = detail::percent_decode(raw_path, false);
    if (!decoded) throw HttpError(400, "The request path has a malformed percent-escape.");
    path_ = std::move(*decoded);
    if (raw_path.find('%') != std::string_view::npos) {
        // Split before decoding, so "/api%2Fitems" is one segment, not "/api/items".
        auto routed = detail::routing_path(raw_path);
        if (routed && *routed != path_) route_path_ = std::move(*routed);
    }
}

std::string_view Request::query_string() const noexcept {
    if (query_pos_ == kNoQuery) return {};
    return std::string_view(target_).substr(query_pos_ + 1);
}

const MultiDict& Request::args() const {
    if (!args_) args_ = detail::parse_urlencoded(query_string());
    return *args_;
}

const std::map<std::string, std::string, std::less<>>& Request::cookies() const {
    if (cookies_) return *cookies_;
    cookies_.emplace();
    for (std::string_view header : headers_.get_all("Cookie")) {
        while (!header.empty()) {
            std::size_t semi = header.find(';');
            std::string_view pair = header.substr(0, semi);
            header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
            auto trim = [](std::string_view s) {
                while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
                while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
                return s;
            };
            std::size_t eq = pair.find('=');
            if (eq == std::string_view::npos) continue;
            std::string_view name = trim(pair.substr(0, eq));
            std::string_view value = trim(pair.substr(eq + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
                value = value.substr(1, value.size() - 2);
            }
            if (!name.empty()) cookies_->emplace(std::string(name), std::string(value));
        }
    }
    return *cookies_;
}

std::string Request::mimetype() const {
    std::string_view type = headers_.get_or("Content-Type", "");
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    std::string out(type);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool Request::is_json() const {
    std::string type = mimetype();
    return type == "application/json" ||
           (type.starts_with("application/") && type.ends_with("+json"));
}

namespace {
[[noreturn]] void body_is_streamed(const std::string& method, const std::string& path,
                                   const char* what) {
    throw Error(std::string("request ") + what + "(): the route of " + method + " " + path +
                " streams its body (stream_body = true); read it with body_stream()");
}
}  // namespace

const Json& Request::json() const {
    if (json_) return *json_;
    if (body_stream_.ptr) body_is_streamed(method(), path_, "json");
    if (!is_json()) {
        throw HttpError(415,
                        "Did not attempt to load JSON data because the request "
                        "Content-Type was not 'application/json'.");
    }
    boost::system::error_code ec;
    Json parsed = boost::json::parse(body(), ec);
    if (ec) throw HttpError(400, "Failed to decode JSON object: " + ec.message());
    if (detail::has_non_finite(parsed)) {
        throw HttpError(400,
                        "Failed to decode JSON object: a number is out of range (larger than a "
                        "double can hold)");
    }
    json_ = std::move(parsed);
    return *json_;
}

const MultiDict& Request::form() const {
    if (body_stream_.ptr) body_is_streamed(method(), path_, "form");
    if (!form_) {
        form_ = mimetype() == "application/x-www-form-urlencoded" ? detail::parse_urlencoded(body())
                                                                  : MultiDict{};
    }
    return *form_;
}

const std::string& Request::view_arg(std::string_view name) const {
    for (const auto& [n, v] : view_args_) {
        if (n == name) return v;
    }
    throw Error("the route of " + method() + " " + path_ + " has no view argument '" +
                std::string(name) + "'");
}

namespace detail {
void throw_bad_view_arg(std::string_view name, std::string_view value) {
    throw Error("view argument '" + std::string(name) + "' = '" + std::string(value) +
                "' does not convert to the requested type");
}
}  // namespace detail

}  // namespace vial

namespace vial {

namespace {

// A client's id goes into our logs and response headers: only a plain token is taken.
bool is_safe_request_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == ':' || c == '-';
    });
}

// 64 random-looking bits per call: splitmix64 over a per-thread counter seeded from the
// OS. No lock, no shared counter; a collision needs ~2^32 ids.
std::uint64_t next_request_id_bits() {
    thread_local std::uint64_t state = [] {
        std::random_device device;
        return (std::uint64_t{device()} << 32) ^ device();
    }();
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

}  // namespace

std::string detail::new_request_id() {
    // 12 characters of base64url: 72 bits, and short enough for std::string's inline
    // buffer (no allocation on the hot path).
    constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::uint64_t bits = next_request_id_bits();
    std::uint64_t more = next_request_id_bits();
    std::string id(12, 'A');
    for (std::size_t i = 0; i < 10; ++i, bits >>= 6) id[i] = kAlphabet[bits & 63];
    for (std::size_t i = 10; i < 12; ++i, more >>= 6) id[i] = kAlphabet[more & 63];
    return id;
}

const std::string& Request::id() const {
    if (id_.empty()) id_ = detail::new_request_id();
    return id_;
}

void detail::RequestAccess::adopt_id(Request& r, std::string_view header) {
    std::optional<std::string_view> given = r.headers().get(header);
    if (given && is_safe_request_id(*given)) r.id_ = std::string(*given);
}

}  // namespace vial
