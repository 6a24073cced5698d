#pragma once
// Renders an HttpError as the short page a client gets: HTML by default, JSON when the
// request is JSON or asks for it.
#include <vial/error.hpp>
#include <vial/request.hpp>
#include <vial/response.hpp>

namespace vial::detail {

Response render_http_error(const HttpError& error, const Request* request);
/// Whether an error page for `request` should be JSON: a JSON request, or an Accept that
/// asks for JSON and not HTML.
bool wants_json(const Request* request);

}  // namespace vial::detail
