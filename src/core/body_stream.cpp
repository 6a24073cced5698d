#include <vial/body_stream.hpp>
#include <vial/error.hpp>
#include <vial/request.hpp>

#include "request_access.hpp"

namespace vial {

Task<std::string> BodyStream::read() {
    if (finished_) co_return std::string();
    std::string piece = co_await next();
    if (piece.empty()) finished_ = true;
    bytes_read_ += piece.size();
    co_return piece;
}

BodyStream& Request::body_stream() const {
    if (!body_stream_.ptr) {
        throw Error("request body streaming: the route of " + method() + " " + path_ +
                    " was not registered with {.stream_body = true}; use body() instead");
    }
    return *body_stream_.ptr;
}

}  // namespace vial
