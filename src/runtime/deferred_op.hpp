#pragma once
// Awaiting an asynchronous operation without a coroutine frame of its own.
//
// `co_await op(asio::use_awaitable)` wraps every operation in a coroutine (a frame
// allocated and freed per await). Asio also awaits a deferred operation directly: its
// handler is the awaiting coroutine's own thread, so nothing is allocated for the await.
// Boost 1.81 cannot rethrow a deferred operation's exception_ptr (its handler for
// `void(std::exception_ptr, T)` does not compile), so such operations complete as a
// tuple here and `value_or_rethrow` rethrows.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>

#include <exception>
#include <tuple>
#include <utility>

namespace vial::detail {

/// The completion token of an operation awaited without a frame, results as a tuple.
inline constexpr auto kDeferredTuple = boost::asio::as_tuple(boost::asio::deferred);
using DeferredTuple = decltype(kDeferredTuple);

/// Starts `initiation` as a deferred operation of signature `void(std::exception_ptr[, T])`,
/// for `co_await` in a Task; pass the awaited tuple to value_or_rethrow.
template <class Signature, class Initiation>
auto deferred_operation(Initiation&& initiation) {
    return boost::asio::async_initiate<const DeferredTuple&, Signature>(
        std::forward<Initiation>(initiation), kDeferredTuple);
}

template <class T>
T value_or_rethrow(std::tuple<std::exception_ptr, T>&& result) {
    if (std::get<0>(result)) std::rethrow_exception(std::get<0>(result));
    return std::move(std::get<1>(result));
}

inline void value_or_rethrow(std::tuple<std::exception_ptr>&& result) {
    if (std::get<0>(result)) std::rethrow_exception(std::get<0>(result));
}

}  // namespace vial::detail
