#include "memory_body_stream.hpp"

#include <vial/error.hpp>

#include <algorithm>

#include "dispatcher.hpp"
#include "request_access.hpp"

namespace vial::detail {

namespace {
constexpr std::size_t kPiece = 64 * 1024;
}

Task<std::string> MemoryBodyStream::next() {
    if (offset_ >= body_.size()) co_return std::string();
    std::size_t n = std::min(kPiece, body_.size() - offset_);
    if (offset_ + n > limit_)
        throw HttpError(413, "The request body is larger than this URL accepts.");
    std::string piece = body_.substr(offset_, n);
    offset_ += n;
    co_return piece;
}

std::unique_ptr<MemoryBodyStream> attach_memory_body(const Dispatcher& dispatcher, Request& request,
                                                     std::size_t default_limit) {
    auto limit = dispatcher.streamed_body_limit(request.method(), request.target());
    if (!limit) return nullptr;
    auto stream = std::make_unique<MemoryBodyStream>(RequestAccess::take_body(request),
                                                     *limit ? *limit : default_limit);
    RequestAccess::set_body_stream(request, stream.get());
    return stream;
}

}  // namespace vial::detail
