#pragma once
/// vial::Response: status, headers and body of one HTTP response, plus the helpers that
/// build common ones (jsonify, redirect).
#include <vial/headers.hpp>
#include <vial/json.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace vial {

namespace detail {
struct StreamBody;  // a streamed body's producer (vial/stream.hpp)
struct ResponseAccess;
}  // namespace detail

/// Attributes of a Set-Cookie header. `max_age` and `expires` are both optional.
struct CookieOptions {
    std::optional<std::chrono::seconds> max_age;
    std::optional<std::chrono::system_clock::time_point> expires;
    std::string path = "/";
    std::string domain;
    bool secure = false;
    bool httponly = false;
    /// "Strict", "Lax", "None" or empty for none.
    std::string samesite;
};

class Response {
  public:
    /// 200 with an empty body.
    Response() = default;
    /// An empty response with `status` (e.g. `Response{204}`).
    explicit Response(int status) : status_(status) {}
    /// A body with a status and content type (HTML, as Flask, unless told otherwise).
    Response(std::string body, int status = 200,
             std::string_view content_type = "text/html; charset=utf-8");

    int status() const noexcept { return status_; }
    void set_status(int status) noexcept { status_ = status; }
    Headers& headers() noexcept { return headers_; }
    const Headers& headers() const noexcept { return headers_; }
    std::string& body() noexcept { return body_; }
    const std::string& body() const noexcept { return body_; }
    void set_body(std::string body) { body_ = std::move(body); }
    std::string_view content_type() const noexcept { return headers_.get_or("Content-Type", ""); }
    void set_content_type(std::string value) { headers_.set("Content-Type", std::move(value)); }

    /// Adds a Set-Cookie header. Throws vial::Error if the name or value holds characters
    /// a cookie cannot carry (control characters, ';', ',', whitespace, '"' or '\').
    void set_cookie(std::string_view name, std::string_view value,
                    const CookieOptions& options = {});
    /// Expires the cookie on the client (same path and domain as it was set with).
    void delete_cookie(std::string_view name, std::string_view path = "/",
                       std::string_view domain = {});

    /// True when the body is produced while it is sent (vial::stream, vial::event_stream):
    /// `body()` is then empty and the producer writes the bytes.
    bool is_streamed() const noexcept { return stream_ != nullptr; }
    /// The streamed body, for the drivers that send it (see vial/stream.hpp).
    const std::shared_ptr<detail::StreamBody>& stream_body() const noexcept { return stream_; }
    void set_stream_body(std::shared_ptr<detail::StreamBody> body) noexcept {
        stream_ = std::move(body);
    }

  private:
    friend struct detail::ResponseAccess;
    static constexpr std::size_t kNoHeadLength = static_cast<std::size_t>(-1);

    int status_ = 200;
    Headers headers_;
    std::string body_;
    std::shared_ptr<detail::StreamBody> stream_;
    // The answer to HEAD: the length its GET's body had, announced in Content-Length
    // while no body is sent (the dispatcher empties it).
    std::size_t head_length_ = kNoHeadLength;
};

/// A JSON response (application/json) of `value`, as Flask's `jsonify`.
Response jsonify(const Json& value, int status = 200);
/// A redirect to `location` (302 by default; 301, 303, 307 and 308 are allowed).
Response redirect(std::string_view location, int status = 302);

/// The reason phrase of an HTTP status ("Not Found"), or "Unknown" for unknown codes.
const char* status_reason(int status) noexcept;

}  // namespace vial
