#pragma once
// The framework's write access to a Request's private parts (server, dispatcher,
// test client). Users only read a Request.
#include <vial/request.hpp>

namespace vial::detail {

struct RequestAccess {
    static void set_remote_addr(Request& r, std::string addr) { r.remote_addr_ = std::move(addr); }
    static void set_http_version(Request& r, int version) { r.http_version_ = version; }
    static void set_endpoint(Request& r, const std::string& endpoint) { r.endpoint_ = endpoint; }
    static auto& view_args(Request& r) { return r.view_args_; }
};

}  // namespace vial::detail
