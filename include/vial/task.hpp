#pragma once
/// vial::Task<T>: the coroutine type of every async view, hook and helper.
///
/// It is Boost.Asio's `awaitable<T>`, named here once so the choice can change in one
/// place. A Task is lazy: nothing runs until it is `co_await`ed (or handed to the
/// framework). A Task resumes on the event loop that awaited it.
#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace vial {

template <class T = void>
using Task = boost::asio::awaitable<T>;

/// Suspends the calling coroutine for `duration` without blocking its event loop.
/// Cancellable: a cancelled sleep throws.
Task<void> sleep(std::chrono::steady_clock::duration duration);

}  // namespace vial
