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
    /// Hooks registered by after_this_request, in order.
    static std::vector<AfterRequestHook>& pending_after_hooks(RequestContext& ctx) noexcept {
        return ctx.after_this_request_;
    }
    /// `name` must outlive the request (a compiled route's).
    static void set_blueprint(RequestContext& ctx, const std::string& name) {
        ctx.blueprint_ = &name;
    }
};

}  // namespace vial::detail
