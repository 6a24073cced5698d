#pragma once
// Dispatcher: the compiled, immutable form of an App. Every driver (the HTTP server,
// the test client, the fuzzers) hands it a parsed Request and gets a Response back.
// Read concurrently by every event loop without locks. docs/lifecycle.md numbers
// its steps; there is one member function per step.
#include <vial/app.hpp>
#include <vial/request.hpp>
#include <vial/request_context.hpp>
#include <vial/response.hpp>
#include <vial/task.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "app_compiler.hpp"
#include "hook_chain.hpp"
#include "route_table.hpp"

namespace vial::detail {

/// One request's way through the dispatcher, step by step: for a driver that awaits the
/// view itself (the server, so that no dispatcher frame is kept while the view waits).
/// It lives as long as the request, and the context is released (Dispatcher::end) once
/// the request is finished.
struct Dispatch {
    /// What the driver awaits after Dispatcher::begin.
    enum class Next : std::uint8_t {
        view,    // only the view: the driver may run its DirectView (or await run)
        run,     // before_request hooks or a per-route timeout: `co_await dispatcher.run(...)`
        finish,  // nothing: no route answers (the answer or its error is already set)
    };
    std::optional<RequestContext> ctx;
    const HookChain* chain = nullptr;
    const Route* route = nullptr;
    /// What the steps so far threw (or the routing error), for the error handlers.
    std::exception_ptr error;
};

class Dispatcher {
  public:
    explicit Dispatcher(const App& app);

    /// Runs every step for one request. Never throws, except that with
    /// `propagate_exceptions` an unhandled exception escaping the view is rethrown
    /// (test client), after the teardown hooks ran.
    Task<Response> full_dispatch(Request& request, bool propagate_exceptions) const;
    /// The same, the answer put in `response` (a server connection's, which outlives the
    /// request: its frames, which live while the view waits, then hold no copy).
    Task<void> full_dispatch(Request& request, Response& response, bool propagate_exceptions) const;

    /// full_dispatch in steps, for a driver that runs the view itself:
    ///
    ///     Dispatch::Next next = dispatcher.begin(d, request, response);
    ///     try {  // what the view or run throws goes to d.error
    ///         if (next == Dispatch::Next::view && d.route->direct.sync)
    ///             response = d.route->direct.sync(*d.ctx);  // or .text, .json: awaited
    ///         else if (next != Dispatch::Next::finish)
    ///             co_await dispatcher.run(d, response);
    ///     } catch (...) { d.error = std::current_exception(); }
    ///     if (!dispatcher.finish_now(d, response)) co_await dispatcher.finish(d, response, p);
    ///     dispatcher.end(d);
    ///
    /// (finish awaits hooks: a cancelled driver clears its cancellation state first.)
    /// Step 1 (the request id, the route) and the context.
    Dispatch::Next begin(Dispatch& d, Request& request, Response& response) const;
    /// Steps 2 and 3: before_request hooks, then (unless one answered) the view.
    Task<void> run(Dispatch& d, Response& response) const;
    /// Steps 4 to 7 when none awaits (no error, no after_request or teardown hooks): true
    /// when done. Otherwise nothing is done and `finish` does them.
    bool finish_now(Dispatch& d, Response& response) const;
    Task<void> finish(Dispatch& d, Response& response, bool propagate_exceptions) const;
    /// Releases the request's context (its `g`, session and after_this_request hooks).
    static void end(Dispatch& d) noexcept { d.ctx.reset(); }

    const RouteTable& route_table() const noexcept { return routes_; }

    /// For drivers, from the request line alone: if the request goes to a route that
    /// streams its body, that route's body limit (0: the server's); else nothing. Free
    /// for apps without such routes.
    std::optional<std::size_t> streamed_body_limit(std::string_view method,
                                                   std::string_view target) const;
    bool has_streamed_bodies() const noexcept { return !streamed_methods_.empty(); }
    /// Whether a route that streams its body takes `method`: most requests' methods (a GET,
    /// when uploads are POSTs) need no probe of the route table.
    bool may_stream(std::string_view method) const noexcept {
        return std::find(streamed_methods_.begin(), streamed_methods_.end(), method) !=
               streamed_methods_.end();
    }
    /// REQUEST_ID_HEADER ("X-Request-ID"), empty when ids are not echoed.
    const std::string& request_id_header() const noexcept { return request_id_header_; }

    /// See App::url_for; `request_host` serves `external` when options name no host.
    std::string url_for(std::string_view endpoint, const std::vector<UrlParam>& params,
                        const UrlForOptions& options, std::string_view request_host) const;

  private:
    // 1. Find the route; bind endpoint and view arguments onto the request. Null when
    //    none answers: then `response` holds its answer (a 308, the automatic OPTIONS
    //    one) or `routing_error` its error (404, 405), as Flask keeps a routing exception
    //    until the before_request hooks have run.
    const Route* route_request(Request& request, Response& response,
                               std::exception_ptr& routing_error) const;
    RouteMatch match_request(Request& request) const;
    // 2. before_request hooks, app first; a returned response (put in `early`, and true
    //    returned) skips the view.
    Task<bool> preprocess_request(RequestContext& ctx, const HookChain& chain,
                                  Response& early) const;
    // 3a. No route answers: throws HttpError 404 or 405 (with Allow), or returns a 308 to
    //     the slash-terminated rule or the automatic OPTIONS response.
    Response no_route_response(const Request& request, const RouteMatch& match) const;
    // 3b. Run the view.
    Task<Response> dispatch_request(RequestContext& ctx, const Route& route) const;
    Task<Response> dispatch_with_timeout(RequestContext& ctx, const Route& route) const;
    // 4. Turn an exception into a response through the error handlers.
    Task<Response> handle_exception(RequestContext& ctx, const HookChain& chain,
                                    std::exception_ptr error, bool propagate) const;
    // 5. after_this_request, then after_request hooks.
    Task<Response> process_response(RequestContext& ctx, const HookChain& chain,
                                    Response response) const;
    // 5b. A session a view or hook changed goes back as a signed cookie.
    void save_session(RequestContext& ctx, Response& response) const;
    // 6. HEAD drops the body but keeps its length.
    void finalize_request(const Request& request, Response& response) const;
    // 7. teardown_request hooks; each failure is logged and the others still run.
    Task<void> do_teardown_request(RequestContext& ctx, const HookChain& chain,
                                   std::exception_ptr error) const;

    const App& app_;
    // Where a request's id comes from and is echoed ("X-Request-ID"); empty: neither.
    std::string request_id_header_;
    // DEBUG: unhandled exceptions answer with the debug page (debug_page.hpp).
    bool debug_ = false;
    CompiledApp compiled_;
    RouteTable routes_;
    std::unordered_map<std::string, std::vector<const Route*>> by_endpoint_;
    /// The methods of the routes that stream their bodies (few: a linear scan).
    std::vector<std::string> streamed_methods_;
};

/// "what()" of an exception, for logs.
/// `error`'s message for a log line, without Boost's source locations.
std::string describe(const std::exception_ptr& error);
/// "connect: Connection refused [system:111 at /usr/include/...]" ->
/// "connect: Connection refused [system:111]".
std::string without_source_location(std::string text);

}  // namespace vial::detail
