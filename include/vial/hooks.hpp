#pragma once
/// What each Flask extension point accepts, sync or async, and the adapters that turn
/// it, once at registration, into the stored hook type (request_context.hpp).
///
/// Every hook may take, before its own arguments, `vial::RequestContext&` or
/// `vial::Request&`, or neither:
///   before_request:   () -> void | std::optional<R>           (R: any view result)
///                     a value short-circuits: the view is skipped
///   after_request:    (Response&) -> void  |  (Response) -> Response
///   teardown_request: (std::exception_ptr) -> void            (null when all went well)
///   errorhandler:     (const E&) -> R     (E: HttpError for status handlers)
/// and each may instead return a `vial::Task<>` of the same.
#include <vial/make_response.hpp>
#include <vial/request_context.hpp>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace vial {
namespace detail {

template <class T>
struct hook_task {
    static constexpr bool is_task = false;
    using value_type = T;
};
template <class T>
struct hook_task<Task<T>> {
    static constexpr bool is_task = true;
    using value_type = T;
};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class F, class... Args>
constexpr bool hook_invocable_v =
    std::is_invocable_v<F&, RequestContext&, Args...> ||
    std::is_invocable_v<F&, Request&, Args...> || std::is_invocable_v<F&, Args...>;

template <class F, class... Args>
decltype(auto) call_hook(F& f, RequestContext& ctx, Args&&... args) {
    if constexpr (std::is_invocable_v<F&, RequestContext&, Args...>) {
        return f(ctx, std::forward<Args>(args)...);
    } else if constexpr (std::is_invocable_v<F&, Request&, Args...>) {
        return f(ctx.request(), std::forward<Args>(args)...);
    } else {
        return f(std::forward<Args>(args)...);
    }
}

template <class F, class... Args>
using hook_result_t = decltype(call_hook(std::declval<F&>(), std::declval<RequestContext&>(),
                                         std::declval<Args>()...));

template <class V>
std::optional<Response> optional_response(V&& value) {
    if (!value) return std::nullopt;
    return make_response(std::move(*value));
}

template <class V>
constexpr bool before_result_ok() {
    if constexpr (std::is_void_v<V>) {
        return true;
    } else if constexpr (is_optional<V>::value) {
        return ViewResult<typename V::value_type>;
    } else {
        return false;
    }
}

template <class F>
BeforeRequestHook adapt_before_request(F f) {
    static_assert(hook_invocable_v<F>,
                  "before_request takes (), (vial::Request&) or (vial::RequestContext&)");
    using R = hook_result_t<F>;
    using V = typename hook_task<R>::value_type;
    static_assert(before_result_ok<V>(),
                  "before_request returns void or std::optional<view result> (or a Task of one); "
                  "a value short-circuits the request");
    return [f = std::move(f)](RequestContext& ctx) mutable -> Task<std::optional<Response>> {
        if constexpr (hook_task<R>::is_task) {
            if constexpr (std::is_void_v<V>) {
                co_await call_hook(f, ctx);
                co_return std::nullopt;
            } else {
                co_return optional_response(co_await call_hook(f, ctx));
            }
        } else if constexpr (std::is_void_v<V>) {
            call_hook(f, ctx);
            co_return std::nullopt;
        } else {
            co_return optional_response(call_hook(f, ctx));
        }
    };
}

template <class F>
AfterRequestHook adapt_after_request(F f) {
    static_assert(hook_invocable_v<F, Response&>,
                  "after_request takes the response: (vial::Response&) or (vial::Response), "
                  "optionally after vial::Request& or vial::RequestContext&");
    using R = hook_result_t<F, Response&>;
    using V = typename hook_task<R>::value_type;
    static_assert(std::is_void_v<V> || std::is_same_v<V, Response>,
                  "after_request returns void (modifying its Response&) or a vial::Response "
                  "(or a Task of one)");
    return [f = std::move(f)](RequestContext& ctx, Response response) mutable -> Task<Response> {
        if constexpr (hook_task<R>::is_task) {
            if constexpr (std::is_void_v<V>) {
                co_await call_hook(f, ctx, response);
                co_return response;
            } else {
                co_return co_await call_hook(f, ctx, response);
            }
        } else if constexpr (std::is_void_v<V>) {
            call_hook(f, ctx, response);
            co_return response;
        } else {
            co_return call_hook(f, ctx, response);
        }
    };
}

template <class F>
TeardownHook adapt_teardown(F f) {
    static_assert(hook_invocable_v<F, std::exception_ptr>,
                  "teardown_request takes (std::exception_ptr), optionally after "
                  "vial::Request& or vial::RequestContext&");
    using R = hook_result_t<F, std::exception_ptr>;
    static_assert(std::is_void_v<typename hook_task<R>::value_type>,
                  "teardown_request returns void or vial::Task<void>");
    return [f = std::move(f)](RequestContext& ctx, std::exception_ptr error) mutable -> Task<void> {
        if constexpr (hook_task<R>::is_task) {
            co_await call_hook(f, ctx, error);
        } else {
            call_hook(f, ctx, error);
        }
    };
}

/// The exception held by `error` if it is an E, else null. The object lives as long as
/// `error` does (exception_ptr keeps it alive).
template <class E>
const E* exception_as(const std::exception_ptr& error) noexcept {
    try {
        std::rethrow_exception(error);
    } catch (const E& e) {
        return &e;
    } catch (...) {
        return nullptr;
    }
}

template <class E, class F>
ErrorHandler adapt_error_handler(F f) {
    static_assert(hook_invocable_v<F, const E&>,
                  "an error handler takes (const E&), optionally after vial::Request& or "
                  "vial::RequestContext&; for status handlers E is vial::HttpError");
    using R = hook_result_t<F, const E&>;
    static_assert(ViewResult<typename hook_task<R>::value_type>,
                  "an error handler returns a view result (vial::Response, a string, vial::Json, "
                  "std::pair<body, int>...) or a vial::Task of one");
    return [f = std::move(f)](RequestContext& ctx,
                              std::exception_ptr error) mutable -> Task<Response> {
        const E* e = exception_as<E>(error);
        if constexpr (hook_task<R>::is_task) {
            co_return make_response(co_await call_hook(f, ctx, *e));
        } else {
            co_return make_response(call_hook(f, ctx, *e));
        }
    };
}

}  // namespace detail
}  // namespace vial
