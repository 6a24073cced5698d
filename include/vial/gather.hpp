#pragma once
/// vial::gather: await several Tasks concurrently, as `asyncio.gather`.
///
/// `auto [a, b] = co_await vial::gather(f(), g());` runs both on the caller's event loop
/// and completes when all have; the time taken is about the slowest one's. When one
/// fails, the others are cancelled and the first failure's original exception is
/// rethrown. A `Task<void>` yields `std::monostate` in the tuple.
///
/// Tasks start in argument order, each running until its first wait before the next
/// starts. A task that fails (for `first_of`: finishes) before its first wait may keep
/// the tasks after it from starting at all: they count as cancelled.
///
/// The range form takes `std::vector<Task<T>>` and returns `std::vector<T>` in input order.
///
/// Only thin templates live here: each task is wrapped into a `Task<void>` that stores
/// its result, and the concurrency itself (a join of launched branches) is compiled once in
/// the library, so a view's translation unit does not instantiate it per call.
#include <vial/task.hpp>

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace vial {

namespace detail {

template <class T>
using gather_value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// What gather, first_of and timeout take: a Task, or an awaitable that converts to one
// (vial::sleep's Sleep).
template <class A>
struct task_of {};
template <class T>
struct task_of<Task<T>> {
    using type = Task<T>;
};
template <>
struct task_of<Sleep> {
    using type = Task<void>;
};
template <class A>
using task_of_t = typename task_of<std::remove_cvref_t<A>>::type;
// True when some of `A` is not a Task itself: the overloads that convert then apply.
template <class... A>
concept converts_to_tasks = (requires { typename task_of_t<A>; } && ...) &&
                            !(std::is_same_v<std::remove_cvref_t<A>, task_of_t<A>> && ...);

/// Runs `branches` concurrently on the caller's loop until all have completed; when one
/// fails the others are cancelled, and the first failure (in completion order) is
/// rethrown once all have finished.
Task<void> run_all(std::vector<Task<void>> branches);

/// Runs `branches` concurrently until the first completes, cancels the others and waits
/// for them; returns the first one's index, or rethrows its exception if it failed.
Task<std::size_t> run_first(std::vector<Task<void>> branches);

/// The branch a typed task becomes: its result lands in `slot`, which lives in the
/// awaiting coroutine's frame and so outlives the branch.
template <class T>
Task<void> store_result(Task<T> task, std::optional<gather_value_t<T>>& slot) {
    if constexpr (std::is_void_v<T>) {
        co_await std::move(task);
        slot.emplace();
    } else {
        slot.emplace(co_await std::move(task));
    }
}

template <class... T, std::size_t... I>
std::vector<Task<void>> store_results(std::tuple<std::optional<gather_value_t<T>>...>& slots,
                                      std::index_sequence<I...>, Task<T>... tasks) {
    std::vector<Task<void>> branches;
    branches.reserve(sizeof...(T));
    (branches.push_back(store_result(std::move(tasks), std::get<I>(slots))), ...);
    return branches;
}

}  // namespace detail

template <class... T>
Task<std::tuple<detail::gather_value_t<T>...>> gather(Task<T>... tasks) {
    std::tuple<std::optional<detail::gather_value_t<T>>...> slots;
    co_await detail::run_all(
        detail::store_results<T...>(slots, std::index_sequence_for<T...>{}, std::move(tasks)...));
    co_return std::apply([](auto&... slot) { return std::make_tuple(std::move(*slot)...); }, slots);
}

/// gather of Tasks and `vial::sleep`s mixed.
template <class... A>
requires detail::converts_to_tasks<A...>
auto gather(A&&... awaitables) {
    return gather(detail::task_of_t<A>(std::forward<A>(awaitables))...);
}

template <class T>
Task<std::vector<detail::gather_value_t<T>>> gather(std::vector<Task<T>> tasks) {
    std::vector<std::optional<detail::gather_value_t<T>>> slots(tasks.size());
    std::vector<Task<void>> branches;
    branches.reserve(tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        branches.push_back(detail::store_result(std::move(tasks[i]), slots[i]));
    }
    co_await detail::run_all(std::move(branches));
    std::vector<detail::gather_value_t<T>> values;
    values.reserve(slots.size());
    for (auto& slot : slots) values.push_back(std::move(*slot));
    co_return values;
}

}  // namespace vial
