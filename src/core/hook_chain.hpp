#pragma once
// HookChain: the hooks and error handlers that apply to the routes of one scope (the
// app, or one registration of a blueprint), resolved at freeze in the order they run.
#include <vial/scaffold.hpp>

#include <string>
#include <vector>

namespace vial::detail {

struct HookChain {
    /// Dotted name of the innermost blueprint ("api.users"); empty for the app.
    std::string blueprint;
    /// App first, then outer to inner blueprint, each in registration order.
    std::vector<const BeforeRequestHook*> before;
    /// Inner blueprint to app, each in reverse registration order (as Flask).
    std::vector<const AfterRequestHook*> after;
    std::vector<const TeardownHook*> teardown;
    /// Lookup order: inner blueprint to app, registration order within each.
    std::vector<const ErrorHandlerRecord*> status_handlers;
    std::vector<const ErrorHandlerRecord*> type_handlers;
};

}  // namespace vial::detail
