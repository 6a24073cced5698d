#pragma once
// DEBUG's 500 page: what an unhandled exception was, where it was thrown, and the request
// that met it; HTML, or JSON for a client that asks for JSON. Shown only when the app's
// DEBUG is on: it reveals code paths and request headers.
#include <vial/request.hpp>
#include <vial/response.hpp>

#include <exception>
#include <string_view>

namespace vial::detail {

Response render_debug_page(const Request& request, const std::exception_ptr& error,
                           std::string_view rule);

}  // namespace vial::detail
