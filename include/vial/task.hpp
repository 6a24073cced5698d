#pragma once
/// vial::Task<T>: the coroutine type of every async view, hook and helper.
///
/// It is Boost.Asio's `awaitable<T>`, named here once so the choice can change in one
/// place. A Task is lazy: nothing runs until it is `co_await`ed (or handed to the
/// framework). A Task resumes on the event loop that awaited it.
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <exception>
#include <memory>

namespace vial {

template <class T = void>
using Task = boost::asio::awaitable<T>;

/// What `vial::sleep` returns: a wait that `co_await` runs in place, its timer kept in
/// the awaiting coroutine's frame (no coroutine of its own: a waiting request holds one
/// frame fewer). Where a Task is needed (`gather`, `first_of`, `timeout`, a variable of
/// type `Task<void>`) it converts to one.
class [[nodiscard]] Sleep {
  public:
    explicit Sleep(std::chrono::steady_clock::duration duration) noexcept : duration_(duration) {}
    // Only a wait not yet started moves (a Task conversion, a return).
    Sleep(Sleep&& other) noexcept : duration_(other.duration_) {}
    Sleep& operator=(Sleep&&) = delete;
    ~Sleep();

    /// The same wait as a Task of its own.
    operator Task<void>() &&;  // NOLINT(google-explicit-constructor): sleep() was a Task

    /// Asio's asynchronous-operation protocol, through which `co_await` starts the wait
    /// with the awaiting coroutine as its handler. Completes with a `vial::Cancelled`
    /// when cancelled.
    template <boost::asio::completion_token_for<void(std::exception_ptr)> Token>
    auto operator()(Token&& token) && {
        return boost::asio::async_initiate<Token, void(std::exception_ptr)>(Start{this}, token);
    }

  private:
    struct Start {
        Sleep* sleep;
        // Defined in the library for the handler of a Task's co_await.
        template <class Handler>
        void operator()(Handler&& handler) const;
    };
    struct Timer;

    std::chrono::steady_clock::duration duration_;
    // Storage for the Asio timer, built in place when the wait starts (no allocation).
    alignas(std::max_align_t) unsigned char timer_storage_[128];
    Timer* timer_ = nullptr;
};

/// Suspends the calling coroutine for `duration` without blocking its event loop.
/// Cancellable: a cancelled sleep throws `vial::Cancelled`.
inline Sleep sleep(std::chrono::steady_clock::duration duration) noexcept {
    return Sleep(duration);
}

}  // namespace vial
