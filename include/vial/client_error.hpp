#pragma once
/// The errors of vial::HttpClient, as httpx names them. Each message names the method,
/// the URL and the cause: "GET http://127.0.0.1:9/ failed to connect: Connection refused".
///
///   HttpClientError            any failure of a request (catch this for all of them)
///   ├─ InvalidUrl               malformed or unsupported URL, raised before any I/O
///   ├─ ConnectError             refused, unreachable, DNS failure
///   ├─ TlsError                 handshake or certificate verification failed
///   ├─ TooManyRedirects         past max_redirects, or a redirect loop
///   ├─ TransportError           the server reset, lied about lengths, sent garbage
///   └─ HttpStatusError          from raise_for_status(): a 4xx or 5xx answer
///   RequestTimeout (also a vial::TimeoutError)
///   ├─ ConnectTimeout           no connection within connect_timeout
///   ├─ ReadTimeout              no byte for read_timeout, or no complete answer within
///   │                           the request's (total) timeout
///   ├─ WriteTimeout             the server took no request byte for write_timeout
///   └─ PoolTimeout              no free connection slot (limits) within pool_timeout
#include <vial/cancel.hpp>
#include <vial/error.hpp>

#include <string>

namespace vial {

class HttpClientError : public Error {
  public:
    HttpClientError(std::string method, std::string url, const std::string& cause);
    const std::string& method() const noexcept { return method_; }
    const std::string& url() const noexcept { return url_; }

  private:
    std::string method_;
    std::string url_;
};

class InvalidUrl : public HttpClientError {
    using HttpClientError::HttpClientError;
};
class ConnectError : public HttpClientError {
    using HttpClientError::HttpClientError;
};
class TlsError : public HttpClientError {
    using HttpClientError::HttpClientError;
};
class TooManyRedirects : public HttpClientError {
    using HttpClientError::HttpClientError;
};
class TransportError : public HttpClientError {
    using HttpClientError::HttpClientError;
};

class HttpStatusError : public HttpClientError {
  public:
    HttpStatusError(std::string method, std::string url, int status);
    int status() const noexcept { return status_; }

  private:
    int status_;
};

/// A request that ran out of time. Catch vial::TimeoutError to handle these together with
/// vial::timeout's.
class RequestTimeout : public TimeoutError {
  public:
    RequestTimeout(std::string method, std::string url, const std::string& cause);
    const std::string& method() const noexcept { return method_; }
    const std::string& url() const noexcept { return url_; }

  private:
    std::string method_;
    std::string url_;
};
class ConnectTimeout : public RequestTimeout {
    using RequestTimeout::RequestTimeout;
};
class ReadTimeout : public RequestTimeout {
    using RequestTimeout::RequestTimeout;
};
class WriteTimeout : public RequestTimeout {
    using RequestTimeout::RequestTimeout;
};
class PoolTimeout : public RequestTimeout {
    using RequestTimeout::RequestTimeout;
};

}  // namespace vial
