#include "error_page.hpp"

#include <vial/escape.hpp>

#include "json_text.hpp"

namespace vial::detail {

bool wants_json(const Request* request) {
    if (!request) return false;
    if (request->is_json()) return true;
    std::string_view accept = request->headers().get_or("Accept", "");
    return accept.find("application/json") != std::string_view::npos &&
           accept.find("text/html") == std::string_view::npos;
}

Response render_http_error(const HttpError& error, const Request* request) {
    Response response;
    if (wants_json(request)) {
        Json body = {
            {"code", error.status()}, {"name", error.name()}, {"description", error.description()}};
        response = Response(json_text(body), error.status(), "application/json");
    } else {
        std::string title = std::to_string(error.status()) + " " + error.name();
        std::string body = "<!doctype html>\n<html lang=en>\n<title>" + title + "</title>\n<h1>" +
                           error.name() + "</h1>\n<p>" + escape(error.description()) + "</p>\n";
        response = Response(std::move(body), error.status());
    }
    for (const auto& [name, value] : error.headers()) response.headers().add(name, value);
    return response;
}

}  // namespace vial::detail
