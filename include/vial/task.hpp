#pragma once
/// vial::Task<T>: the coroutine type of every async view, hook and helper.
///
/// It is Boost.Asio's `awaitable<T>`, named here once so the choice can change in one
/// place. A Task is lazy: nothing runs until it is `co_await`ed (or handed to the
/// framework). A Task resumes on the event loop that awaited it.
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <exception>
#include <memory>
#include <type_traits>

namespace vial {

template <class T = void>
using Task = boost::asio::awaitable<T>;

namespace detail {
/// A vial::Sleep's wait as the loop's sleep queue keeps it (src/runtime/sleep_queue.hpp):
/// in the awaiting coroutine's frame, so it is small.
struct SleepWait {
    static constexpr std::uint32_t npos = UINT32_MAX;
    enum class State : std::uint8_t { idle, queued, timed };
    std::chrono::steady_clock::time_point deadline{};
    std::uint32_t index = npos;  // its place in the queue's heap; npos once dequeued
    State state = State::idle;
    // While queued, the awaiting coroutine's handler (Sleep::AwaitHandler), which the
    // queue resumes; while timed (off a server loop), the Asio timer of its own.
    alignas(void*) unsigned char storage[16];
};
}  // namespace detail

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

    /// The handler a Task's `co_await` starts it with (Asio's await of an asynchronous
    /// operation, the only way a Sleep is started: it keeps the Sleep, a temporary of the
    /// co_await expression, alive until the wait ends).
    using AwaitHandler =
        boost::asio::detail::awaitable_async_op_handler<void(std::exception_ptr),
                                                        boost::asio::any_io_executor>;
    /// Asio's asynchronous-operation protocol, through which `co_await` starts the wait.
    /// Completes with a `vial::Cancelled` when cancelled. Only the co_await's handler
    /// (and Asio's compile-time probes) are taken: a lazy token such as `deferred` would
    /// start the wait after the Sleep is gone.
    template <class Token>
    requires std::same_as<std::decay_t<Token>, AwaitHandler> ||
        std::same_as<std::decay_t<Token>, boost::asio::detail::async_operation_probe> ||
        std::same_as<std::decay_t<Token>, boost::asio::detail::completion_signature_probe>
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
    void end_wait() noexcept;

    std::chrono::steady_clock::duration duration_;
    // On a server loop, the wait is a node of the loop's sleep queue, kept here: no
    // allocation. Elsewhere (a strand, a thread pool, a plain io_context) it is an Asio
    // timer of its own, which `wait_` points to.
    detail::SleepWait wait_;
};

/// Suspends the calling coroutine for `duration` without blocking its event loop.
/// Cancellable: a cancelled sleep throws `vial::Cancelled`.
inline Sleep sleep(std::chrono::steady_clock::duration duration) noexcept {
    return Sleep(duration);
}

}  // namespace vial
