#pragma once
// The client's write access to a ClientResponse (users only read one).
#include <vial/client_response.hpp>

#include <utility>

namespace vial {

struct ClientResponseAccess {
    static void fill(ClientResponse& r, std::string method, int status, std::string reason,
                     Headers headers, std::string body, std::string url, std::string version,
                     std::chrono::microseconds elapsed) {
        r.method_ = std::move(method);
        r.status_ = status;
        r.reason_ = std::move(reason);
        r.headers_ = std::move(headers);
        r.body_ = std::move(body);
        r.url_ = std::move(url);
        r.http_version_ = std::move(version);
        r.elapsed_ = elapsed;
    }
    static std::string take_body(ClientResponse& r) { return std::exchange(r.body_, {}); }
};

}  // namespace vial
