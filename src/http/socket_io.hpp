#pragma once
// The completion token of a connection's own socket I/O.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/deferred.hpp>

#include "connection.hpp"
#include "loop.hpp"

namespace vial::detail {

/// Completes straight on the loop's executor, skipping the labelling executor the
/// connection's coroutine runs on: the connection marks its cell itself before
/// dispatching, so the hot path pays for no extra executor hop. Results come as a tuple
/// (error code first), never as an exception. Deferred: the awaiting coroutine is the
/// operation's handler itself, with no coroutine frame of its own per read or write.
inline auto on_loop(const Connection& c) {
    namespace asio = boost::asio;
    return asio::as_tuple(asio::bind_executor(c.loop.context.get_executor(), asio::deferred));
}

}  // namespace vial::detail
