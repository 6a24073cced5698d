#include <vial/error.hpp>
#include <vial/response.hpp>

namespace vial {

const char* status_reason(int status) noexcept {
    switch (status) {
        case 100:
            return "Continue";
        case 101:
            return "Switching Protocols";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 203:
            return "Non-Authoritative Information";
        case 204:
            return "No Content";
        case 205:
            return "Reset Content";
        case 206:
            return "Partial Content";
        case 300:
            return "Multiple Choices";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 304:
            return "Not Modified";
        case 307:
            return "Temporary Redirect";
        case 308:
            return "Permanent Redirect";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 402:
            return "Payment Required";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 411:
            return "Length Required";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 416:
            return "Range Not Satisfiable";
        case 417:
            return "Expectation Failed";
        case 418:
            return "I'm a teapot";
        case 422:
            return "Unprocessable Content";
        case 423:
            return "Locked";
        case 428:
            return "Precondition Required";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 451:
            return "Unavailable For Legal Reasons";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

namespace {

std::string default_description(int status) {
    switch (status) {
        case 400:
            return "The browser (or proxy) sent a request that this server could not understand.";
        case 401:
            return "The server could not verify that you are authorized to access the URL "
                   "requested.";
        case 403:
            return "You don't have the permission to access the requested resource.";
        case 404:
            return "The requested URL was not found on the server.";
        case 405:
            return "The method is not allowed for the requested URL.";
        case 408:
            return "The server closed the connection because the request took too long to arrive.";
        case 413:
            return "The data value transmitted exceeds the capacity limit.";
        case 414:
            return "The length of the requested URL exceeds the capacity limit for this server.";
        case 415:
            return "The server does not support the media type transmitted in the request.";
        case 431:
            return "One or more header fields exceeds the maximum size.";
        case 500:
            return "The server encountered an internal error and was unable to complete your "
                   "request.";
        case 503:
            return "The server is temporarily unable to service your request.";
        default:
            return status_reason(status);
    }
}

}  // namespace

HttpError::HttpError(int status, std::string description)
    : Error(std::to_string(status) + " " + status_reason(status) +
            (description.empty() ? "" : ": " + description)),
      status_(status),
      description_(description.empty() ? default_description(status) : std::move(description)) {
    if (status < 400 || status > 599) {
        throw Error("vial::abort/HttpError needs a 4xx or 5xx status, got " +
                    std::to_string(status));
    }
}

const char* HttpError::name() const noexcept {
    return status_reason(status_);
}

void abort(int status, std::string description) {
    throw HttpError(status, std::move(description));
}

}  // namespace vial
