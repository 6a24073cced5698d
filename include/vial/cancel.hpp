#pragma once
/// Cancellation and deadlines.
///
/// A request's view is cancelled when its client disconnects, when its route's timeout
/// elapses, or when shutdown's drain deadline passes. Its pending `co_await` then throws:
/// `vial::Cancelled` from vial's own awaitables (sleep, timeout, to_thread...), or
/// `boost::system::system_error` with `operation_aborted` from raw Asio operations; the
/// framework treats both as cancellation. After cancellation every further Asio
/// `co_await` in that request throws too, until `co_await vial::clear_cancellation()`:
/// call it first in cleanup code that must await (the framework does so before running
/// teardown hooks).
#include <vial/error.hpp>
#include <vial/gather.hpp>
#include <vial/task.hpp>

#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace vial {

/// Thrown at a pending await of a cancelled task.
class Cancelled : public Error {
  public:
    Cancelled() : Error("the operation was cancelled") {}
    using Error::Error;
};

/// Thrown by vial::timeout when the deadline passes first.
class TimeoutError : public Error {
  public:
    explicit TimeoutError(std::chrono::steady_clock::duration after);
    /// For timeouts that say more than "timed out after N ms" (the HTTP client's).
    explicit TimeoutError(const std::string& message) : Error(message) {}
};

/// `co_await vial::clear_cancellation();` clears the calling coroutine's cancellation
/// state so cleanup code can await again. (An awaitable expression, not a Task: a
/// nested Task's co_await would itself throw in a cancelled coroutine.)
inline auto clear_cancellation() noexcept {
    return boost::asio::this_coro::reset_cancellation_state();
}

/// True if `error` is a cancellation (vial::Cancelled or Asio's operation_aborted).
bool is_cancellation(const std::exception_ptr& error) noexcept;

namespace detail {
/// Runs the branch `make` makes (its index 0) with a deadline: its completion, or, once
/// `after` has passed, its cancellation followed by TimeoutError. Compiled once in the
/// library.
Task<void> run_with_deadline(std::chrono::steady_clock::duration after, BranchMaker make);
}  // namespace detail

/// Runs `task` with a deadline: its result, or, once `after` has passed, the task is
/// cancelled (its pending await throws) and TimeoutError is thrown. Exceptions of the
/// task pass through unchanged.
template <class T>
Task<T> timeout(std::chrono::steady_clock::duration after, Task<T> task) {
    std::optional<detail::gather_value_t<T>> slot;
    auto make = [&](std::size_t, detail::BranchEnd end) {
        return detail::store_result(std::move(task), slot, std::move(end));
    };
    co_await detail::run_with_deadline(after, detail::BranchMaker(make));
    if constexpr (!std::is_void_v<T>) co_return std::move(*slot);
}

/// timeout of a `vial::sleep`.
template <class A>
requires detail::converts_to_tasks<A>
auto timeout(std::chrono::steady_clock::duration after, A&& awaitable) {
    return timeout(after, detail::task_of_t<A>(std::forward<A>(awaitable)));
}

/// Races two tasks: the result of the one that finishes first (its index in the
/// variant says which); the other is cancelled. If the first to finish failed, its
/// exception is rethrown. A Task<void> gives std::monostate.
template <class A, class B>
Task<std::variant<detail::gather_value_t<A>, detail::gather_value_t<B>>> first_of(Task<A> a,
                                                                                  Task<B> b) {
    using Result = std::variant<detail::gather_value_t<A>, detail::gather_value_t<B>>;
    std::optional<detail::gather_value_t<A>> a_slot;
    std::optional<detail::gather_value_t<B>> b_slot;
    auto make = [&](std::size_t i, detail::BranchEnd end) {
        return i == 0 ? detail::store_result(std::move(a), a_slot, std::move(end))
                      : detail::store_result(std::move(b), b_slot, std::move(end));
    };
    std::size_t winner = co_await detail::run_first(2, detail::BranchMaker(make));
    if (winner == 0) co_return Result(std::in_place_index<0>, std::move(*a_slot));
    co_return Result(std::in_place_index<1>, std::move(*b_slot));
}

/// first_of of a Task and a `vial::sleep` (or two sleeps).
template <class A, class B>
requires detail::converts_to_tasks<A, B>
auto first_of(A&& a, B&& b) {
    return first_of(detail::task_of_t<A>(std::forward<A>(a)),
                    detail::task_of_t<B>(std::forward<B>(b)));
}

}  // namespace vial
