#pragma once
/// vial::gather: await several Tasks concurrently, as `asyncio.gather`.
///
/// `auto [a, b] = co_await vial::gather(f(), g());` runs both on the caller's event loop
/// and completes when all have; the time taken is about the slowest one's. When one
/// fails, the others are cancelled and the first failure's original exception is
/// rethrown. A `Task<void>` yields `std::monostate` in the tuple. Result types must be
/// default-constructible (a cancelled sibling leaves a default value behind).
///
/// The range form takes `std::vector<Task<T>>` and returns `std::vector<T>` in input order.
#include <vial/task.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace vial {

namespace detail {

template <class T>
using gather_value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <class T>
Task<gather_value_t<T>> as_value(Task<T> task) {
    if constexpr (std::is_void_v<T>) {
        co_await std::move(task);
        co_return std::monostate{};
    } else {
        co_return co_await std::move(task);
    }
}

/// Rethrows the exception of the task that failed first (in completion order): the
/// cancelled siblings complete after it with their own, secondary, errors.
template <class Order, class ErrorAt>
void rethrow_first_failure(const Order& order, ErrorAt error_at) {
    for (std::size_t index : order) {
        if (std::exception_ptr e = error_at(index)) std::rethrow_exception(e);
    }
}

template <class Result, std::size_t... I>
auto gather_unpack(Result& result, std::index_sequence<I...>) {
    const auto& order = std::get<0>(result);
    std::exception_ptr errors[] = {std::get<1 + 2 * I>(result)...};
    rethrow_first_failure(order, [&](std::size_t i) { return errors[i]; });
    return std::make_tuple(std::move(std::get<2 + 2 * I>(result))...);
}

}  // namespace detail

template <class... T>
Task<std::tuple<detail::gather_value_t<T>...>> gather(Task<T>... tasks) {
    namespace asio = boost::asio;
    auto executor = co_await asio::this_coro::executor;
    auto result =
        co_await asio::experimental::make_parallel_group(
            asio::co_spawn(executor, detail::as_value(std::move(tasks)), asio::deferred)...)
            .async_wait(asio::experimental::wait_for_one_error(), asio::use_awaitable);
    co_return detail::gather_unpack(result, std::index_sequence_for<T...>{});
}

template <class T>
Task<std::vector<detail::gather_value_t<T>>> gather(std::vector<Task<T>> tasks) {
    namespace asio = boost::asio;
    if (tasks.empty()) co_return std::vector<detail::gather_value_t<T>>{};
    auto executor = co_await asio::this_coro::executor;
    using Op = decltype(asio::co_spawn(executor, detail::as_value(std::declval<Task<T>>()),
                                       asio::deferred));
    std::vector<Op> ops;
    ops.reserve(tasks.size());
    for (auto& task : tasks) {
        ops.push_back(asio::co_spawn(executor, detail::as_value(std::move(task)), asio::deferred));
    }
    // A tuple rather than structured bindings: clang before 16 cannot capture bindings.
    auto result = co_await asio::experimental::make_parallel_group(std::move(ops))
                      .async_wait(asio::experimental::wait_for_one_error(), asio::use_awaitable);
    const auto& errors = std::get<1>(result);
    detail::rethrow_first_failure(std::get<0>(result), [&](std::size_t i) { return errors[i]; });
    co_return std::move(std::get<2>(result));
}

}  // namespace vial
