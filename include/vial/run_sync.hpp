#pragma once
/// vial::run_sync: run a Task to completion from plain (non-coroutine) code.
///
/// The counterpart of asgiref's `async_to_sync`: for tests, command-line tools and
/// `main()`. It runs the task on a private event loop on the calling thread and returns
/// its result or rethrows its exception. Never call it from inside a view: that would
/// block the view's own loop.
#include <vial/task.hpp>

#include <optional>
#include <utility>

namespace vial {

namespace detail {
/// Runs `task` on a fresh io_context on this thread until it completes; rethrows.
void run_sync_void(Task<void> task);
}  // namespace detail

template <class T>
T run_sync(Task<T> task) {
    if constexpr (std::is_void_v<T>) {
        detail::run_sync_void(std::move(task));
    } else {
        std::optional<T> result;
        detail::run_sync_void([](Task<T> inner, std::optional<T>& out) -> Task<void> {
            out.emplace(co_await std::move(inner));
        }(std::move(task), result));
        return std::move(*result);
    }
}

}  // namespace vial
