#pragma once
/// The exceptions vial throws, and `abort()` for views.
#include <vial/headers.hpp>

#include <stdexcept>
#include <string>

namespace vial {

/// Base of every exception vial throws. The message names what was wrong.
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// An HTTP error response raised from a view or hook (`vial::abort(404)`). The
/// dispatcher renders it as a short HTML page, or JSON when the client asked for JSON.
class HttpError : public Error {
  public:
    explicit HttpError(int status, std::string description = {});

    int status() const noexcept { return status_; }
    /// The standard reason phrase, e.g. "Not Found".
    const char* name() const noexcept;
    /// Human-readable detail; defaults to a sentence about the status.
    const std::string& description() const noexcept { return description_; }
    /// Headers the error page carries (405 carries Allow).
    Headers& headers() noexcept { return headers_; }
    const Headers& headers() const noexcept { return headers_; }

  private:
    int status_;
    std::string description_;
    Headers headers_;
};

/// Stops the current view with an HTTP error, as Flask's `abort(status)`.
[[noreturn]] void abort(int status, std::string description = {});

}  // namespace vial
