#pragma once
/// vial::ClientResponse: what vial::HttpClient returns (httpx.Response's shape).
#include <vial/headers.hpp>
#include <vial/json.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace vial {

class ClientResponse {
  public:
    int status() const noexcept { return status_; }
    /// The reason phrase the server sent ("OK"; empty over HTTP/2).
    const std::string& reason() const noexcept { return reason_; }
    /// Case-insensitive and multi-valued, in the order received (of the final response
    /// when redirects were followed).
    const Headers& headers() const noexcept { return headers_; }
    /// The body as received, after gzip, deflate or br were decoded.
    const std::string& content() const noexcept { return body_; }
    /// The body as UTF-8 text, decoded from the charset the server declared (httpx's
    /// `r.text`): ISO-8859-1, windows-1252, Shift_JIS... through iconv; a UTF-8 (or
    /// undeclared, or unknown) charset leaves the bytes as they are. A byte the declared
    /// charset cannot decode becomes U+FFFD.
    std::string text() const;
    /// The charset the server declared in Content-Type ("utf-8" when it declared none).
    std::string charset() const;
    /// The body parsed as JSON; throws vial::Error naming the URL and the parse error.
    Json json() const;
    /// The final URL, after redirects.
    const std::string& url() const noexcept { return url_; }
    /// "HTTP/1.0", "HTTP/1.1", "HTTP/2".
    const std::string& http_version() const noexcept { return http_version_; }
    /// From sending the request to the end of the body.
    std::chrono::microseconds elapsed() const noexcept { return elapsed_; }
    bool is_success() const noexcept { return status_ >= 200 && status_ < 300; }
    /// Throws vial::HttpStatusError for a 4xx or 5xx status; returns *this otherwise.
    const ClientResponse& raise_for_status() const;

  private:
    friend struct ClientResponseAccess;
    std::string method_;
    int status_ = 0;
    std::string reason_;
    Headers headers_;
    std::string body_;
    std::string url_;
    std::string http_version_;
    std::chrono::microseconds elapsed_{0};
};

}  // namespace vial
