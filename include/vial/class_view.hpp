#pragma once
/// Class-based views (Flask's View and MethodView), without a base class.
///
///   struct ItemApi {
///       Store& store;
///       vial::Json get(vial::Request& req);                       // GET (and HEAD)
///       vial::Task<vial::Response> post(vial::Request& req);      // POST, async
///       vial::Response delete_(vial::Request& req);               // DELETE
///   };
///   app.add_url_rule("/items/<int:id>", vial::as_view<ItemApi>("item", std::ref(store)));
///
/// Members `get`, `post`, `put`, `patch`, `delete_` (or `del`), `head` and `options` are
/// found at compile time; each takes `Request&` or `RequestContext&` and returns a view
/// result or a Task of one. The route answers exactly the methods found (HEAD falls back
/// to GET); others get 405 with Allow. A class with `dispatch_request(Request&)` instead
/// answers `T::methods` (a static std::vector<std::string>, default {"GET"}).
///
/// Lifetime: by default a new T is built per request from copies of the constructor
/// arguments given to as_view (Flask's init_every_request). With
/// `static constexpr bool init_every_request = false;` one T, built at registration, is
/// shared by every request on every thread: it must then be thread-safe.
#include <vial/handler.hpp>

#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace vial {

/// What as_view returns: a handler with its methods and endpoint.
struct ClassView {
    Handler view;
    std::vector<std::string> methods;
    std::string endpoint;
};

namespace detail {

// One caller per HTTP method member; SFINAE-friendly so `invocable` detects the member.
inline constexpr auto call_get = [](auto& v, auto& a) -> decltype(v.get(a)) { return v.get(a); };
inline constexpr auto call_post = [](auto& v, auto& a) -> decltype(v.post(a)) { return v.post(a); };
inline constexpr auto call_put = [](auto& v, auto& a) -> decltype(v.put(a)) { return v.put(a); };
inline constexpr auto call_patch = [](auto& v, auto& a) -> decltype(v.patch(a)) {
    return v.patch(a);
};
inline constexpr auto call_delete = [](auto& v, auto& a) -> decltype(v.delete_(a)) {
    return v.delete_(a);
};
inline constexpr auto call_del = [](auto& v, auto& a) -> decltype(v.del(a)) { return v.del(a); };
inline constexpr auto call_head = [](auto& v, auto& a) -> decltype(v.head(a)) { return v.head(a); };
inline constexpr auto call_options = [](auto& v, auto& a) -> decltype(v.options(a)) {
    return v.options(a);
};
inline constexpr auto call_dispatch = [](auto& v, auto& a) -> decltype(v.dispatch_request(a)) {
    return v.dispatch_request(a);
};

template <class T, class Caller>
constexpr bool has_member(const Caller&) {
    return std::is_invocable_v<const Caller&, T&, RequestContext&> ||
           std::is_invocable_v<const Caller&, T&, Request&>;
}

template <class T, class Caller>
Task<Response> invoke_member(T& view, RequestContext& ctx, const Caller& caller) {
    auto call = [&]() -> decltype(auto) {
        if constexpr (std::is_invocable_v<const Caller&, T&, RequestContext&>) {
            return caller(view, ctx);
        } else {
            return caller(view, ctx.request());
        }
    };
    using R = decltype(call());
    if constexpr (task_traits<R>::is_task) {
        static_assert(ViewResult<typename task_traits<R>::value_type>,
                      "a class-based view method must return a view result or a Task of one");
        co_return make_response(co_await call());
    } else {
        static_assert(ViewResult<R>,
                      "a class-based view method must return a view result or a Task of one");
        co_return make_response(call());
    }
}

template <class T>
constexpr bool init_every_request() {
    if constexpr (requires { T::init_every_request; }) {
        return T::init_every_request;
    } else {
        return true;
    }
}

template <class T>
std::vector<std::string> class_view_methods() {
    if constexpr (has_member<T>(call_dispatch)) {
        if constexpr (requires { T::methods; }) {
            return std::vector<std::string>(T::methods.begin(), T::methods.end());
        } else {
            return {"GET"};
        }
    } else {
        std::vector<std::string> out;
        if constexpr (has_member<T>(call_get)) out.emplace_back("GET");
        if constexpr (has_member<T>(call_head)) out.emplace_back("HEAD");
        if constexpr (has_member<T>(call_post)) out.emplace_back("POST");
        if constexpr (has_member<T>(call_put)) out.emplace_back("PUT");
        if constexpr (has_member<T>(call_patch)) out.emplace_back("PATCH");
        if constexpr (has_member<T>(call_delete) || has_member<T>(call_del))
            out.emplace_back("DELETE");
        if constexpr (has_member<T>(call_options)) out.emplace_back("OPTIONS");
        return out;
    }
}

template <class T>
Task<Response> dispatch_class_view(T& view, RequestContext& ctx) {
    if constexpr (has_member<T>(call_dispatch)) {
        co_return co_await invoke_member(view, ctx, call_dispatch);
    } else {
        const std::string& m = ctx.request().method();
        if constexpr (has_member<T>(call_head)) {
            if (m == "HEAD") co_return co_await invoke_member(view, ctx, call_head);
        }
        if constexpr (has_member<T>(call_get)) {
            if (m == "GET" || m == "HEAD") co_return co_await invoke_member(view, ctx, call_get);
        }
        if constexpr (has_member<T>(call_post)) {
            if (m == "POST") co_return co_await invoke_member(view, ctx, call_post);
        }
        if constexpr (has_member<T>(call_put)) {
            if (m == "PUT") co_return co_await invoke_member(view, ctx, call_put);
        }
        if constexpr (has_member<T>(call_patch)) {
            if (m == "PATCH") co_return co_await invoke_member(view, ctx, call_patch);
        }
        if constexpr (has_member<T>(call_delete)) {
            if (m == "DELETE") co_return co_await invoke_member(view, ctx, call_delete);
        } else if constexpr (has_member<T>(call_del)) {
            if (m == "DELETE") co_return co_await invoke_member(view, ctx, call_del);
        }
        if constexpr (has_member<T>(call_options)) {
            if (m == "OPTIONS") co_return co_await invoke_member(view, ctx, call_options);
        }
        co_return Response(405);  // unreachable: the route lists only the methods found
    }
}

// T from `args`: braces for aggregates, since clang before 16 lacks C++20's parenthesized
// aggregate initialization; parentheses otherwise.
template <class T, class... A>
T make_view_object(A&&... args) {
    if constexpr (std::is_aggregate_v<T>) {
        return T{std::forward<A>(args)...};
    } else {
        return T(std::forward<A>(args)...);
    }
}

template <class T, class... A>
std::shared_ptr<T> make_shared_view_object(A&&... args) {
    if constexpr (std::is_aggregate_v<T>) {
        return std::shared_ptr<T>(new T{std::forward<A>(args)...});
    } else {
        return std::make_shared<T>(std::forward<A>(args)...);
    }
}

}  // namespace detail

/// Turns class T into a view registered under `endpoint`; `args` are T's constructor
/// arguments (copied; use std::ref to share an object you keep alive).
template <class T, class... Args>
ClassView as_view(std::string endpoint, Args&&... args) {
    auto methods = detail::class_view_methods<T>();
    static_assert(
        detail::has_member<T>(detail::call_dispatch) || detail::has_member<T>(detail::call_get) ||
            detail::has_member<T>(detail::call_post) || detail::has_member<T>(detail::call_put) ||
            detail::has_member<T>(detail::call_patch) ||
            detail::has_member<T>(detail::call_delete) || detail::has_member<T>(detail::call_del) ||
            detail::has_member<T>(detail::call_head) || detail::has_member<T>(detail::call_options),
        "as_view<T>: T needs dispatch_request or at least one of get, post, put, patch, "
        "delete_ (or del), head, options taking vial::Request& or vial::RequestContext&");
    Handler view;
    if constexpr (detail::init_every_request<T>()) {
        auto arguments =
            std::make_shared<const std::tuple<std::decay_t<Args>...>>(std::forward<Args>(args)...);
        view = [arguments](RequestContext& ctx) -> Task<Response> {
            T instance = std::apply(
                [](const auto&... a) { return detail::make_view_object<T>(a...); }, *arguments);
            co_return co_await detail::dispatch_class_view(instance, ctx);
        };
    } else {
        auto shared = detail::make_shared_view_object<T>(std::forward<Args>(args)...);
        view = [shared](RequestContext& ctx) -> Task<Response> {
            co_return co_await detail::dispatch_class_view(*shared, ctx);
        };
    }
    return ClassView{std::move(view), std::move(methods), std::move(endpoint)};
}

}  // namespace vial
