#pragma once
// Dispatcher: the compiled, immutable form of an App. Every driver (the HTTP server,
// the test client, the fuzzers) hands it a parsed Request and gets a Response back.
// Read concurrently by every event loop without locks. docs/lifecycle.md numbers
// its steps; there is one member function per step.
#include <vial/app.hpp>
#include <vial/request.hpp>
#include <vial/response.hpp>
#include <vial/task.hpp>

#include <exception>

#include "route_table.hpp"

namespace vial::detail {

class Dispatcher {
  public:
    Dispatcher(const App& app, const std::vector<RouteRecord>& records);

    /// Runs every step for one request. Never throws, except that with
    /// `propagate_exceptions` an exception escaping the view is rethrown (test client).
    Task<Response> full_dispatch(Request& request, bool propagate_exceptions) const;

    const RouteTable& route_table() const noexcept { return routes_; }

  private:
    // 1. Find the route; bind endpoint and view arguments onto the request.
    RouteMatch match_request(Request& request) const;
    // 2a. No route answers: 404 (or 308 to the slash-terminated rule), 405 with Allow,
    //     or the automatic OPTIONS response.
    Response no_route_response(const Request& request, const RouteMatch& match) const;
    // 2b. Run the view.
    Task<Response> dispatch_request(RequestContext& ctx, const Route& route) const;
    // 3. Turn an exception into a response: HttpError -> its page, anything else -> 500.
    Response handle_exception(const Request& request, std::exception_ptr error,
                              bool propagate) const;
    // 4. Last touches: HEAD drops the body but keeps its length.
    void finalize_request(const Request& request, Response& response) const;

    const App& app_;
    RouteTable routes_;
};

}  // namespace vial::detail
