#include <vial/error.hpp>
#include <vial/request.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>

#include "json_text.hpp"
#include "url_codec.hpp"

namespace vial {

Request::Request(std::string method, std::string target, Headers headers, std::string body)
    : method_(std::move(method)),
      target_(std::move(target)),
      headers_(std::move(headers)),
      body_(std::move(body)) {
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
    query_pos_ = target_.find('?');
    std::string_view raw_path = std::string_view(target_).substr(0, query_pos_);
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
    if (query_pos_ == std::string::npos) return {};
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
    if (body_stream_.ptr) body_is_streamed(method_, path_, "json");
    if (!is_json()) {
        throw HttpError(415,
                        "Did not attempt to load JSON data because the request "
                        "Content-Type was not 'application/json'.");
    }
    boost::system::error_code ec;
    Json parsed = boost::json::parse(body_, ec);
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
    if (body_stream_.ptr) body_is_streamed(method_, path_, "form");
    if (!form_) {
        form_ = mimetype() == "application/x-www-form-urlencoded" ? detail::parse_urlencoded(body_)
                                                                  : MultiDict{};
    }
    return *form_;
}

const std::string& Request::view_arg(std::string_view name) const {
    for (const auto& [n, v] : view_args_) {
        if (n == name) return v;
    }
    throw Error("the route of " + method_ + " " + path_ + " has no view argument '" +
                std::string(name) + "'");
}

namespace detail {
void throw_bad_view_arg(std::string_view name, std::string_view value) {
    throw Error("view argument '" + std::string(name) + "' = '" + std::string(value) +
                "' does not convert to the requested type");
}
}  // namespace detail

}  // namespace vial
