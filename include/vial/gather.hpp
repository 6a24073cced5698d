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
/// Only thin templates live here: each task becomes a branch that stores its result, and
/// the concurrency itself (a join of launched branches) is compiled once in the library, so
/// a view's translation unit does not instantiate it per call.
#include <vial/task.hpp>

#include <boost/version.hpp>

#include <cstddef>
#include <exception>
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

#if BOOST_VERSION == 108100
/// What a branch of a join is: on the Boost this was measured with (1.81), the entry frame
/// of a thread of execution of its own (one frame per branch, not a wrapper around it);
/// elsewhere a Task, spawned.
using BranchTask = boost::asio::awaitable<boost::asio::detail::awaitable_thread_entry_point,
                                          boost::asio::any_io_executor>;
#else
using BranchTask = Task<void>;
#endif

/// A branch's report to the join that runs it: called once with its outcome; destroyed
/// uncalled (its loop torn down while it waits), it still counts the branch as ended.
class BranchEnd {
  public:
    BranchEnd(void* join, std::size_t index) noexcept : join_(join), index_(index) {}
    BranchEnd(BranchEnd&& other) noexcept
        : join_(std::exchange(other.join_, nullptr)), index_(other.index_) {}
    BranchEnd& operator=(BranchEnd&&) = delete;
    ~BranchEnd();
    void operator()(std::exception_ptr error) &&;

  private:
    void* join_;
    std::size_t index_;
};

/// Makes branch `i` of a join when the join starts it (a reference to a callable of the
/// awaiting coroutine's frame, which outlives the join).
class BranchMaker {
  public:
    template <class F>
    explicit BranchMaker(F& make) noexcept
        : object_(&make), call_([](void* object, std::size_t i, BranchEnd end) -> BranchTask {
              return (*static_cast<F*>(object))(i, std::move(end));
          }) {}
    BranchTask operator()(std::size_t i, BranchEnd end) const {
        return call_(object_, i, std::move(end));
    }

  private:
    void* object_;
    BranchTask (*call_)(void*, std::size_t, BranchEnd);
};

/// Runs `count` branches concurrently on the caller's loop until all have completed;
/// when one fails the others are cancelled, and the first failure (in completion order)
/// is rethrown once all have finished.
Task<void> run_all(std::size_t count, BranchMaker make);

/// Runs `count` branches concurrently until the first completes, cancels the others and
/// waits for them; returns the first one's index, or rethrows its exception if it failed.
Task<std::size_t> run_first(std::size_t count, BranchMaker make);

/// The branch a typed task becomes: it awaits the task, puts its result in `slot` (which
/// lives in the awaiting coroutine's frame and so outlives the branch), and reports to
/// the join. It lets no exception out: it is the bottom of its thread of execution.
template <class T>
BranchTask store_result(Task<T> task, std::optional<gather_value_t<T>>& slot, BranchEnd end) {
    std::exception_ptr error;
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(task);
            slot.emplace();
        } else {
            slot.emplace(co_await std::move(task));
        }
    } catch (...) {
        error = std::current_exception();
    }
    std::move(end)(std::move(error));
}

/// Branch `i` of a join over `tasks` (a tuple of references to Tasks), its result in
/// `std::get<i>(slots)`.
template <class Tasks, class Slots, std::size_t... I>
BranchTask store_result_at(Tasks& tasks, Slots& slots, std::size_t i, BranchEnd end,
                           std::index_sequence<I...>) {
    using Make = BranchTask (*)(Tasks&, Slots&, BranchEnd);
    static constexpr Make makers[] = {+[](Tasks& t, Slots& s, BranchEnd e) {
        return store_result(std::move(std::get<I>(t)), std::get<I>(s), std::move(e));
    }...};
    return makers[i](tasks, slots, std::move(end));
}

}  // namespace detail

template <class... T>
Task<std::tuple<detail::gather_value_t<T>...>> gather(Task<T>... tasks) {
    std::tuple<std::optional<detail::gather_value_t<T>>...> slots;
    std::tuple<Task<T>&...> pending(tasks...);
    auto make = [&](std::size_t i, detail::BranchEnd end) {
        return detail::store_result_at(pending, slots, i, std::move(end),
                                       std::index_sequence_for<T...>{});
    };
    co_await detail::run_all(sizeof...(T), detail::BranchMaker(make));
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
    auto make = [&](std::size_t i, detail::BranchEnd end) {
        return detail::store_result(std::move(tasks[i]), slots[i], std::move(end));
    };
    co_await detail::run_all(tasks.size(), detail::BranchMaker(make));
    std::vector<detail::gather_value_t<T>> values;
    values.reserve(slots.size());
    for (auto& slot : slots) values.push_back(std::move(*slot));
    co_return values;
}

}  // namespace vial
