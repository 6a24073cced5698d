#pragma once
/// The single handler type every view is adapted to, once, at registration.
///
/// A view is a callable taking `vial::Request&` (or `vial::RequestContext&`) that returns
/// a ViewResult (see make_response.hpp) or a `vial::Task` of one. `ensure_async` adapts
/// either kind to `Handler`, so code that wraps views (middleware, decorators) handles
/// sync and async views alike: the C++ answer to Flask's `ensure_sync`.
#include <vial/make_response.hpp>
#include <vial/request_context.hpp>
#include <vial/task.hpp>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace vial {

using Handler = std::function<Task<Response>(RequestContext&)>;

namespace detail {

template <class T>
struct task_traits {
    static constexpr bool is_task = false;
};
template <class T>
struct task_traits<Task<T>> {
    static constexpr bool is_task = true;
    using value_type = T;
};

template <class F>
decltype(auto) call_view(F& f, RequestContext& ctx) {
    if constexpr (std::is_invocable_v<F&, RequestContext&>) {
        return f(ctx);
    } else {
        return f(ctx.request());
    }
}

template <class F>
constexpr bool takes_request_v =
    std::is_invocable_v<F&, RequestContext&> || std::is_invocable_v<F&, Request&>;

template <class F>
struct view_result {
    using type = decltype(call_view(std::declval<F&>(), std::declval<RequestContext&>()));
};

template <class F>
constexpr bool returns_view_result() {
    using R = typename view_result<F>::type;
    if constexpr (task_traits<R>::is_task) {
        return ViewResult<typename task_traits<R>::value_type>;
    } else {
        return ViewResult<R>;
    }
}

}  // namespace detail

namespace detail {

/// A sync view, its result already made a Response.
using SyncView = std::function<Response(RequestContext&)>;

/// The Handler of a sync view: one coroutine compiled in the library for every sync view,
/// so registering one instantiates no coroutine in the caller's translation unit.
Handler sync_handler(SyncView view);

/// The Task<Response> of an async view's Task<R>: one coroutine per result type R, not
/// per view. The common result types are compiled in the library (extern below).
template <class R>
Task<Response> response_of(Task<R> result) {
    // Two statements: the Response is made after the last suspension, so the frame (which
    // lives while the view waits) keeps no room for it.
    R value = co_await std::move(result);
    co_return make_response(std::move(value));
}

}  // namespace detail

extern template Task<Response> detail::response_of<Json>(Task<Json>);
extern template Task<Response> detail::response_of<std::string>(Task<std::string>);

namespace detail {

/// A view as the server runs it itself: a sync view called with no coroutine, an async
/// view's string or JSON awaited without the Task<Response> frame that adapts it
/// (response_of), so that a waiting request holds one coroutine frame fewer. At most one
/// is set, at registration, for views of those result types; other views (and any view
/// that middleware wraps) run through their Handler.
struct DirectView {
    SyncView sync;
    std::function<Task<std::string>(RequestContext&)> text;
    std::function<Task<Json>(RequestContext&)> json;
};

/// A view adapted: its Handler (what every driver and middleware may call) and, for the
/// result types above, its DirectView. Both call one shared copy of `view`.
template <class F>
std::pair<Handler, DirectView> adapt_view(F view) {
    static_assert(takes_request_v<F>,
                  "a vial view must be callable with vial::Request& or vial::RequestContext&");
    if constexpr (takes_request_v<F>) {
        static_assert(returns_view_result<F>(),
                      "a vial view must return vial::Response, a string, vial::Json, "
                      "std::pair<body, int>, std::tuple<body, int[, vial::Headers]>, "
                      "or a vial::Task<> of one of these");
        using R = typename view_result<F>::type;
        if constexpr (!returns_view_result<F>()) {
            return {};
        } else if constexpr (std::is_same_v<F, Handler>) {
            return {std::move(view), DirectView()};
        } else if constexpr (std::is_same_v<R, Task<Response>>) {
            Handler handler = [view = std::move(view)](RequestContext& ctx) mutable {
                return call_view(view, ctx);
            };
            return {std::move(handler), DirectView()};
        } else {
            auto shared = std::make_shared<F>(std::move(view));
            DirectView direct;
            if constexpr (!task_traits<R>::is_task) {
                direct.sync = [shared](RequestContext& ctx) {
                    return make_response(call_view(*shared, ctx));
                };
                return {sync_handler(direct.sync), std::move(direct)};
            } else {
                auto call = [shared](RequestContext& ctx) { return call_view(*shared, ctx); };
                if constexpr (std::is_same_v<R, Task<std::string>>) {
                    direct.text = call;
                } else if constexpr (std::is_same_v<R, Task<Json>>) {
                    direct.json = call;
                }
                Handler handler = [call](RequestContext& ctx) { return response_of(call(ctx)); };
                return {std::move(handler), std::move(direct)};
            }
        }
    } else {
        return {};
    }
}

}  // namespace detail

/// Adapts a sync or async view to the one Handler type. Called once per registration.
template <class F>
Handler ensure_async(F view) {
    return detail::adapt_view(std::move(view)).first;
}

}  // namespace vial
