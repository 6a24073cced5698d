#pragma once
// The handler of a wait that may last long (a sleep, a Wakeup), awaited without a
// coroutine frame of its own.
//
// It wraps the awaiting coroutine's handler and turns the timer's error code into the
// exception_ptr the co_await throws (`finish`). Asio sees the coroutine's executor and
// cancellation slot through it, and allocates the wait's state at its own size
// (heap_allocator.hpp): a wait that lasts minutes does not hold a larger cached block.
#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associator.hpp>
#include <boost/system/error_code.hpp>

#include <exception>
#include <utility>

#include "heap_allocator.hpp"

namespace vial::detail {

template <class Handler, class Finish>
struct LongWaitHandler {
    Handler handler;
    Finish finish;  // std::exception_ptr(boost::system::error_code)

    void operator()(boost::system::error_code ec) {
        std::exception_ptr error = finish(ec);
        std::move(handler)(std::move(error));
    }
};

template <class Handler, class Finish>
LongWaitHandler<std::decay_t<Handler>, Finish> long_wait_handler(Handler&& handler, Finish finish) {
    return {std::forward<Handler>(handler), std::move(finish)};
}

}  // namespace vial::detail

template <class Handler, class Finish, class Default>
struct boost::asio::associated_allocator<vial::detail::LongWaitHandler<Handler, Finish>, Default> {
    using type = vial::detail::HeapAllocator<void>;
    static type get(const vial::detail::LongWaitHandler<Handler, Finish>&) noexcept { return {}; }
    static type get(const vial::detail::LongWaitHandler<Handler, Finish>&,
                    const Default&) noexcept {
        return {};
    }
};

template <template <class, class> class Associator, class Handler, class Finish, class Default>
struct boost::asio::associator<Associator, vial::detail::LongWaitHandler<Handler, Finish>,
                               Default> {
    using type = typename Associator<Handler, Default>::type;
    static type get(const vial::detail::LongWaitHandler<Handler, Finish>& wait) noexcept {
        return Associator<Handler, Default>::get(wait.handler);
    }
    static auto get(const vial::detail::LongWaitHandler<Handler, Finish>& wait,
                    const Default& fallback) noexcept
        -> decltype(Associator<Handler, Default>::get(wait.handler, fallback)) {
        return Associator<Handler, Default>::get(wait.handler, fallback);
    }
};
