#include "dispatcher.hpp"

#include <vial/cancel.hpp>
#include <vial/error.hpp>
#include <vial/request_context.hpp>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

#include "../runtime/throw_trace.hpp"
#include "activity_note.hpp"
#include "context_access.hpp"
#include "debug_page.hpp"
#include "error_page.hpp"
#include "headers_access.hpp"
#include "log.hpp"
#include "request_access.hpp"
#include "response_access.hpp"
#include "url_codec.hpp"

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

// "GET /items/3 (endpoint 'item') from 10.0.0.7": enough for an operator to find the
// request in the access log.
std::string where(const Request& request) {
    std::string out =
        request.method() + " " + request.path() + " (endpoint '" + request.endpoint() + "')";
    if (!request.remote_addr().empty()) out += " from " + request.remote_addr();
    return out;
}

Response plain_500(const Request& request) {
    return render_http_error(HttpError(500), &request);
}

}  // namespace

std::string without_source_location(std::string text) {
    // Boost.System's what() ends "[system:111 at /usr/include/boost/...:97:37 in function
    // '...']": the category and code help an operator, the header's path does not.
    std::size_t open = text.rfind(" [");
    if (open == std::string::npos || !text.ends_with(']')) return text;
    std::size_t at = text.find(" at ", open);
    if (at != std::string::npos) text.erase(at, text.size() - 1 - at);
    return text;
}

std::string describe(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
        return without_source_location(e.what());
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "non-standard exception";
    }
}

Dispatcher::Dispatcher(const App& app)
    : app_(app),
      compiled_(compile_app(app.records(), std::chrono::milliseconds(app.config().get<std::int64_t>(
                                               "VIEW_TIMEOUT_MS", 0)))) {
    debug_ = app.config().get<bool>("DEBUG", false);
    if (debug_) enable_throw_traces(true);
    request_id_header_ = app.config().get<std::string>("REQUEST_ID_HEADER", "X-Request-ID");
    bool token = std::all_of(request_id_header_.begin(), request_id_header_.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
    for (const char* framing : {"Content-Length", "Transfer-Encoding", "Connection", "Upgrade",
                                "Content-Type", "Date", "Server", "Set-Cookie"}) {
        if (iequals(request_id_header_, framing)) token = false;
    }
    if (!token) {
        throw Error(
            "config key 'REQUEST_ID_HEADER' must be a header name (letters, digits, "
            "'-') other than a framing one, or empty for none: '" +
            request_id_header_ + "'");
    }
    for (auto& route : compiled_.routes) routes_.add(std::move(route));
    compiled_.routes.clear();
    // A rule answering one method twice: the second registration would never run.
    std::map<std::pair<std::string_view, std::string_view>, const Route*> answering;
    for (const auto& route : routes_.routes()) {
        for (const auto& method : route->methods) {
            auto [at, fresh] = answering.try_emplace({route->rule.source(), method}, route.get());
            if (!fresh) {
                throw Error("route '" + route->rule.source() + "' is registered twice for " +
                            method + ": endpoints '" + at->second->endpoint + "' and '" +
                            route->endpoint + "'; the second would never run");
            }
        }
        // One endpoint, two rules: url_for would build one of them and silently never the
        // other. (One rule under several methods is one resource: allowed.)
        auto& bound = by_endpoint_[route->endpoint];
        if (!bound.empty() && bound.front()->rule.source() != route->rule.source()) {
            throw Error("endpoint '" + route->endpoint + "' is bound to two views: route '" +
                        bound.front()->rule.source() + "' and route '" + route->rule.source() +
                        "'; give one of them its own endpoint ({.endpoint = \"...\"})");
        }
        bound.push_back(route.get());
        if (route->stream_body) {
            for (const auto& method : route->methods) {
                if (std::find(streamed_methods_.begin(), streamed_methods_.end(), method) ==
                    streamed_methods_.end())
                    streamed_methods_.push_back(method);
            }
        }
    }
}

std::optional<std::size_t> Dispatcher::streamed_body_limit(std::string_view method,
                                                           std::string_view target) const {
    if (!may_stream(method)) return std::nullopt;
    try {
        Request probe{std::string(method), std::string(target)};
        RouteMatch match = routes_.match(RequestAccess::route_path(probe), probe.method());
        if (match.route && match.route->stream_body) return match.route->max_body_bytes;
    } catch (const HttpError&) {
        // A malformed target: the ordinary path refuses it.
    }
    return std::nullopt;
}

Task<Response> Dispatcher::full_dispatch(Request& request, bool propagate_exceptions) const {
    Response response;
    co_await full_dispatch(request, response, propagate_exceptions);
    co_return response;
}

const Route* Dispatcher::route_request(Request& request, Response& response,
                                       std::exception_ptr& routing_error) const {
    RouteMatch match = match_request(request);
    note_activity(match.route, request.method());
    if (match.route) return match.route;
    try {
        response = no_route_response(request, match);
    } catch (...) {
        routing_error = std::current_exception();
    }
    return nullptr;
}

Dispatch::Next Dispatcher::begin(Dispatch& d, Request& request, Response& response) const {
    d.ctx.emplace(app_, request);
    d.chain = compiled_.app_chain;
    try {
        if (!request_id_header_.empty()) RequestAccess::adopt_id(request, request_id_header_);
        d.route = route_request(request, response, d.error);
        if (d.route) {
            d.chain = d.route->chain;
            if (!d.chain->blueprint.empty())
                ContextAccess::set_blueprint(*d.ctx, d.chain->blueprint);
        }
    } catch (...) {
        d.error = std::current_exception();
        d.route = nullptr;
        return Dispatch::Next::finish;
    }
    // Flask keeps a routing error until the before_request hooks have run.
    if (!d.chain->before.empty()) return Dispatch::Next::run;
    if (!d.route) return Dispatch::Next::finish;
    return d.route->timeout.count() == 0 ? Dispatch::Next::view : Dispatch::Next::run;
}

Task<void> Dispatcher::run(Dispatch& d, Response& response) const {
    if (!d.chain->before.empty()) {
        std::exception_ptr routing_error = std::exchange(d.error, nullptr);
        bool answered = co_await preprocess_request(*d.ctx, *d.chain, response);
        if (answered) co_return;  // a before_request hook answered: the view does not run
        d.error = routing_error;
    }
    // Without a route, `response` holds the no-route answer, or d.error its error.
    if (d.route) response = co_await dispatch_request(*d.ctx, *d.route);
}

Task<void> Dispatcher::full_dispatch(Request& request, Response& response,
                                     bool propagate_exceptions) const {
    Dispatch d;
    Dispatch::Next next = begin(d, request, response);
    try {
        if (next != Dispatch::Next::finish) co_await run(d, response);
    } catch (...) {
        d.error = std::current_exception();
    }
    if (!finish_now(d, response)) {
        // Cancelled (client gone, shutdown), whatever the view then threw or returned: let
        // the cleanup steps await again (the await of finish itself would throw while the
        // cancellation stands). Reading the state never suspends.
        auto state = co_await boost::asio::this_coro::cancellation_state;
        if (state.cancelled() != boost::asio::cancellation_type::none)
            co_await clear_cancellation();
        co_await finish(d, response, propagate_exceptions);
    }
}

bool Dispatcher::finish_now(Dispatch& d, Response& response) const {
    RequestContext& ctx = *d.ctx;
    if (d.error || !d.chain->after.empty() || ContextAccess::pending_after_hooks(ctx) > 0 ||
        !d.chain->teardown.empty())
        return false;
    if (ContextAccess::session_loaded(ctx)) save_session(ctx, response);
    finalize_request(ctx.request(), response);
    return true;
}

// Steps 4 to 7 when any of them has work (an error, after-request hooks, teardown hooks):
// in a frame of their own, so that the common request's frames stay small.
Task<void> Dispatcher::finish(Dispatch& d, Response& response, bool propagate) const {
    RequestContext& ctx = *d.ctx;
    const HookChain& chain = *d.chain;
    std::exception_ptr error = d.error;
    std::exception_ptr escaped;
    if (error) {
        try {
            response = co_await handle_exception(ctx, chain, error, propagate);
        } catch (...) {
            escaped = std::current_exception();
        }
    }
    if (!escaped) {
        if (!chain.after.empty() || ContextAccess::pending_after_hooks(ctx) > 0) {
            response = co_await process_response(ctx, chain, std::move(response));
        }
        if (ContextAccess::session_loaded(ctx)) save_session(ctx, response);
        finalize_request(ctx.request(), response);
    }
    if (!chain.teardown.empty()) co_await do_teardown_request(ctx, chain, error);
    if (escaped) std::rethrow_exception(escaped);
}

RouteMatch Dispatcher::match_request(Request& request) const {
    RouteMatch match = routes_.match(RequestAccess::route_path(request), request.method());
    if (match.route) {
        RequestAccess::set_endpoint(request, match.route->endpoint);
        auto& args = RequestAccess::view_args(request);
        bool escaped = RequestAccess::route_path_escaped(request);
        std::size_t i = 0;
        for (const auto& segment : match.route->rule.segments()) {
            if (segment.kind == Converter::Static) continue;
            std::string_view value = match.values[i++];
            args.emplace_back(segment.text, escaped ? unescape_routing(value) : std::string(value));
        }
    }
    return match;
}

Task<bool> Dispatcher::preprocess_request(RequestContext& ctx, const HookChain& chain,
                                          Response& early) const {
    for (const BeforeRequestHook* hook : chain.before) {
        std::optional<Response> answer = co_await (*hook)(ctx);
        if (answer) {
            early = std::move(*answer);
            co_return true;
        }
    }
    co_return false;
}

Response Dispatcher::no_route_response(const Request& request, const RouteMatch& match) const {
    if (match.allowed.empty()) {
        // Werkzeug's strict slashes: "/docs" reaches the rule "/docs/" by a redirect.
        const std::string& path = RequestAccess::route_path(request);
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
        throw HttpError(404);
    }
    if (request.method() == "OPTIONS") {
        Response response(200);
        response.headers().add("Allow", join(match.allowed));
        return response;
    }
    HttpError error(405);
    error.headers().add("Allow", join(match.allowed));
    throw error;
}

Task<Response> Dispatcher::dispatch_request(RequestContext& ctx, const Route& route) const {
    if (route.timeout.count() == 0) return route.view(ctx);
    return dispatch_with_timeout(ctx, route);
}

Task<Response> Dispatcher::dispatch_with_timeout(RequestContext& ctx, const Route& route) const {
    std::optional<Response> response;
    try {
        response = co_await vial::timeout(route.timeout, route.view(ctx));
    } catch (const TimeoutError&) {
        throw HttpError(
            503, "The request took longer than " + std::to_string(route.timeout.count()) + " ms.");
    }
    co_return std::move(*response);
}

Task<Response> Dispatcher::handle_exception(RequestContext& ctx, const HookChain& chain,
                                            std::exception_ptr error, bool propagate) const {
    const Request& request = ctx.request();
    const HttpError* http = exception_as<HttpError>(error);
    auto find_status = [&](int status) -> const ErrorHandlerRecord* {
        for (const auto* record : chain.status_handlers) {
            if (record->status == status) return record;
        }
        return nullptr;
    };
    const ErrorHandlerRecord* handler = http ? find_status(http->status()) : nullptr;
    for (std::size_t i = 0; !handler && i < chain.type_handlers.size(); ++i) {
        if (chain.type_handlers[i]->matches(error)) handler = chain.type_handlers[i];
    }
    std::exception_ptr handled = error;
    if (!handler && !http && is_cancellation(error)) {
        log::info("request cancelled: " + where(request) + ": " + describe(error), request.id());
        co_return render_http_error(HttpError(503, "The request was cancelled."), &request);
    }
    if (!handler && !http) {
        if (propagate) std::rethrow_exception(error);
        log::error("unhandled exception in " + where(request) + ": " + describe(error),
                   request.id());
        if (debug_) {
            // As Flask's debugger: the exception itself, even over an errorhandler(500).
            auto bound = by_endpoint_.find(request.endpoint());
            std::string rule =
                bound == by_endpoint_.end() ? "" : bound->second.front()->rule.source();
            try {
                co_return render_debug_page(request, error, rule);
            } catch (const std::exception& e) {
                log::error(std::string("the debug page failed: ") + e.what(), request.id());
            }
        }
        handler = find_status(500);
        handled = std::make_exception_ptr(HttpError(500));
    }
    if (!handler) co_return http ? render_http_error(*http, &request) : plain_500(request);

    Response response;
    std::exception_ptr failure;
    try {
        response = co_await handler->handle(ctx, handled);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        log::error("error handler failed in " + where(request) + ": " + describe(failure),
                   request.id());
        co_return plain_500(request);
    }
    co_return response;
}

Task<Response> Dispatcher::process_response(RequestContext& ctx, const HookChain& chain,
                                            Response response) const {
    std::exception_ptr failure;
    try {
        // A hook may add more (reallocating the list): the count is read each time, and
        // each hook copied before it runs.
        for (std::size_t i = 0; i < ContextAccess::pending_after_hooks(ctx); ++i) {
            AfterRequestHook hook = ContextAccess::pending_after_hook(ctx, i);
            response = co_await hook(ctx, std::move(response));
        }
        for (const AfterRequestHook* hook : chain.after)
            response = co_await (*hook)(ctx, std::move(response));
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        log::error(
            "after_request hook failed in " + where(ctx.request()) + ": " + describe(failure),
            ctx.request().id());
        co_return plain_500(ctx.request());
    }
    co_return response;
}

void Dispatcher::save_session(RequestContext& ctx, Response& response) const {
    try {
        ContextAccess::save_session(ctx, response);
    } catch (const std::exception& e) {
        log::error("saving the session failed in " + where(ctx.request()) + ": " + e.what(),
                   ctx.request().id());
        response = plain_500(ctx.request());
    }
}

void Dispatcher::finalize_request(const Request& request, Response& response) const {
    // The name was checked at start-up and an id is a safe token by construction.
    if (!request_id_header_.empty() && !response.headers().contains(request_id_header_))
        detail::HeadersAccess::add_unchecked(response.headers(), request_id_header_, request.id());
    // A streamed HEAD answer keeps its framing headers; its producer never runs.
    if (request.method() == "HEAD" && !response.is_streamed()) {
        ResponseAccess::make_head_answer(response);
    }
}

Task<void> Dispatcher::do_teardown_request(RequestContext& ctx, const HookChain& chain,
                                           std::exception_ptr error) const {
    for (const TeardownHook* hook : chain.teardown) {
        std::exception_ptr failure;
        try {
            co_await (*hook)(ctx, error);
        } catch (...) {
            failure = std::current_exception();
        }
        if (failure) {
            log::error("teardown_request hook failed in " + where(ctx.request()) + ": " +
                           describe(failure),
                       ctx.request().id());
        }
    }
}

}  // namespace vial::detail
