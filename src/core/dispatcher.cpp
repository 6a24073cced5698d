#include "dispatcher.hpp"

#include <vial/error.hpp>
#include <vial/request_context.hpp>

#include <algorithm>

#include "error_page.hpp"
#include "log.hpp"
#include "request_access.hpp"

namespace vial::detail {

namespace {

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out;
}

}  // namespace

Dispatcher::Dispatcher(const App& app, const std::vector<RouteRecord>& records) : app_(app) {
    for (const auto& record : records) {
        routes_.add(Route{RouteRule(record.rule), record.endpoint, record.methods, record.view});
    }
}

Task<Response> Dispatcher::full_dispatch(Request& request, bool propagate_exceptions) const {
    RequestContext ctx(app_, request);
    Response response;
    std::exception_ptr error;
    try {
        RouteMatch match = match_request(request);
        if (match.route) {
            response = co_await dispatch_request(ctx, *match.route);
        } else {
            response = no_route_response(request, match);
        }
    } catch (...) {
        error = std::current_exception();
    }
    if (error) response = handle_exception(request, error, propagate_exceptions);
    finalize_request(request, response);
    co_return response;
}

RouteMatch Dispatcher::match_request(Request& request) const {
    RouteMatch match = routes_.match(request.path(), request.method());
    if (match.route) {
        RequestAccess::set_endpoint(request, match.route->endpoint);
        auto& args = RequestAccess::view_args(request);
        std::size_t i = 0;
        for (const auto& segment : match.route->rule.segments()) {
            if (segment.kind != Converter::Static)
                args.emplace_back(segment.text, match.values[i++]);
        }
    }
    return match;
}

Response Dispatcher::no_route_response(const Request& request, const RouteMatch& match) const {
    if (match.allowed.empty()) {
        // Werkzeug's strict slashes: "/docs" reaches the rule "/docs/" by a redirect.
        const std::string& path = request.path();
        if (!path.ends_with('/')) {
            RouteMatch slashed = routes_.match(path + "/", request.method());
            if (slashed.route || !slashed.allowed.empty()) {
                std::string_view target = request.target();
                std::size_t query = std::min(target.find('?'), target.size());
                std::string location(target.substr(0, query));
                location += '/';
                location += target.substr(query);
                return redirect(location, 308);
            }
        }
        return render_http_error(HttpError(404), &request);
    }
    if (request.method() == "OPTIONS") {
        Response response(200);
        response.headers().add_unchecked("Allow", join(match.allowed));
        return response;
    }
    Response response = render_http_error(HttpError(405), &request);
    response.headers().add_unchecked("Allow", join(match.allowed));
    return response;
}

Task<Response> Dispatcher::dispatch_request(RequestContext& ctx, const Route& route) const {
    return route.view(ctx);
}

Response Dispatcher::handle_exception(const Request& request, std::exception_ptr error,
                                      bool propagate) const {
    try {
        std::rethrow_exception(error);
    } catch (const HttpError& e) {
        return render_http_error(e, &request);
    } catch (const std::exception& e) {
        if (propagate) throw;
        log::error("unhandled exception in " + request.method() + " " + request.path() +
                   " (endpoint '" + request.endpoint() + "'): " + e.what());
    } catch (...) {
        if (propagate) throw;
        log::error("unhandled non-standard exception in " + request.method() + " " +
                   request.path() + " (endpoint '" + request.endpoint() + "')");
    }
    return render_http_error(HttpError(500), &request);
}

void Dispatcher::finalize_request(const Request& request, Response& response) const {
    if (request.method() == "HEAD") {
        response.headers().set("Content-Length", std::to_string(response.body().size()));
        response.body().clear();
    }
}

}  // namespace vial::detail
