#pragma once
/// vial::Middleware: code around a view, for the app, a blueprint or one route.
///
/// A middleware is a coroutine `(RequestContext& | Request&, vial::Next next) ->
/// Task<Response>` that calls `co_await next()` to run what it wraps (or does not, to
/// answer itself). It wraps the adapted Handler, so it wraps sync views, async views,
/// class-based views and blueprint routes alike. Order: the app's middleware is the
/// outermost, then each blueprint's from outer to inner, then the route's own; within
/// one list, the first registered is the outermost.
#include <vial/handler.hpp>

#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

namespace vial {

/// Runs the rest of the chain (inner middleware, then the view) for this request.
using Next = std::function<Task<Response>()>;
using Middleware = std::function<Task<Response>(RequestContext&, Next)>;

/// Adapts a middleware callable to the stored Middleware type.
template <class F>
Middleware middleware(F f) {
    constexpr bool with_ctx = std::is_invocable_r_v<Task<Response>, F&, RequestContext&, Next>;
    constexpr bool with_req = std::is_invocable_r_v<Task<Response>, F&, Request&, Next>;
    static_assert(with_ctx || with_req,
                  "a vial middleware is (vial::RequestContext& or vial::Request&, vial::Next) -> "
                  "vial::Task<vial::Response>, and calls co_await next()");
    if constexpr (with_ctx) {
        return Middleware(std::move(f));
    } else {
        return [f = std::move(f)](RequestContext& ctx, Next next) mutable {
            return f(ctx.request(), std::move(next));
        };
    }
}

/// `view` wrapped by `outer` (first = outermost). Each layer's Next runs the next layer.
Handler wrap_handler(Handler view, const std::vector<Middleware>& outer);

}  // namespace vial
