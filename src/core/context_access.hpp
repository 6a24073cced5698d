#pragma once
// The dispatcher's access to a RequestContext's framework-only parts: users see g,
// session, url_for, after_this_request; the dispatcher also saves the session, runs the
// hooks after_this_request queued and names the matched blueprint.
#include <vial/request_context.hpp>

#include <string_view>
#include <vector>

namespace vial::detail {

struct ContextAccess {
    static bool session_loaded(const RequestContext& ctx) noexcept { return ctx.session_loaded(); }
    static void save_session(const RequestContext& ctx, Response& response) {
        ctx.save_session(response);
    }
    /// How many hooks after_this_request registered so far, and the `i`th, in order.
    static std::size_t pending_after_hooks(const RequestContext& ctx) noexcept {
        return ctx.extras_ ? ctx.extras_->after_this_request.size() : 0;
    }
    static const AfterRequestHook& pending_after_hook(const RequestContext& ctx,
                                                      std::size_t i) noexcept {
        return ctx.extras_->after_this_request[i];
    }
    /// `name` must outlive the request (a compiled route's).
    static void set_blueprint(RequestContext& ctx, const std::string& name) {
        ctx.blueprint_ = &name;
    }
};

}  // namespace vial::detail
