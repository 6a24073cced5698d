#pragma once
// Renders an HttpError as the short page a client gets: HTML by default, JSON when the
// request is JSON or asks for it.
#include <vial/error.hpp>
#include <vial/request.hpp>
#include <vial/response.hpp>

namespace vial::detail {

Response render_http_error(const HttpError& error, const Request* request);

}  // namespace vial::detail
