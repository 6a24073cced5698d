#pragma once
// The framework's side of a Response: the length a HEAD answer announces. The dispatcher
// sets it when it empties a HEAD answer's body; the drivers read it.
#include <vial/response.hpp>

#include <cstddef>
#include <string>

namespace vial::detail {

struct ResponseAccess {
    /// Turns a buffered answer into the answer to HEAD: no body, and the length the body
    /// had to announce.
    static void make_head_answer(Response& response) {
        response.head_length_ = response.body_.size();
        response.body_.clear();
    }
    /// The Content-Length to announce for a buffered response: its body's size, or for a
    /// HEAD answer the length its body had.
    static std::size_t content_length(const Response& response) noexcept {
        return response.head_length_ != Response::kNoHeadLength ? response.head_length_
                                                                : response.body_.size();
    }
    /// For in-process clients, which show the response as a client would receive it: a
    /// HEAD answer carries the Content-Length a server sends (whatever the view set).
    static void show_head_length(Response& response) {
        if (response.head_length_ == Response::kNoHeadLength) return;
        response.headers_.set("Content-Length", std::to_string(response.head_length_));
    }
};

}  // namespace vial::detail
