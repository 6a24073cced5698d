#pragma once
// Starting a coroutine as a thread of execution of its own, with less than co_spawn.
//
// co_spawn wraps each spawned coroutine in work guards on two executors, a dispatch to
// the executor, a post before the handler when the coroutine never waited, and a proxy
// cancellation handler in the bound slot. vial's spawns need none of them: they start on
// the loop they run on, from that loop's thread, and their completion is a plain
// function of ours. On the Boost this was measured with (1.81), the spawned coroutine is
// itself Asio's thread entry frame, launched as co_spawn launches one: /prices (a gather
// of three, each branch such a coroutine) 38.8k -> 33.5k instructions per response, then
// 23.3k -> 22.5k with no wrapper frame per branch; a waiting request (its connection
// spawned so) 5,607 -> 5,226 bytes. Other Boost releases take co_spawn until checked:
// asio::detail is not a stable interface.
#include <vial/gather.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/version.hpp>

#include <exception>
#include <utility>

#include "../core/task_fwd.hpp"

namespace vial::detail {

/// What a coroutine returns to be the entry frame of a thread of execution of its own
/// (launch_thread): on Boost 1.81 Asio's entry frame itself, elsewhere a Task, spawned. Its
/// body must let no exception escape (Asio would rethrow it out of the loop's run).
using ThreadTask = BranchTask;

/// Runs `task` at once (up to its first wait) on `executor`, which must be the current
/// thread's, as a thread of execution of its own cancelled through `slot`, with no
/// completion step (the task reports its own end). Unlike co_spawn it holds no work on
/// the executor's context: something else must keep that running (a server loop's
/// sweeper; for a join's branches, the parent's own thread).
inline void launch_thread(const boost::asio::any_io_executor& executor, ThreadTask task,
                          boost::asio::cancellation_slot slot) {
#if BOOST_VERSION == 108100
    boost::asio::cancellation_state state(slot);
    boost::asio::detail::awaitable_handler<boost::asio::any_io_executor, void>(
        std::move(task), executor, slot, state)
        .launch();
#else
    boost::asio::co_spawn(executor, std::move(task),
                          boost::asio::bind_cancellation_slot(slot, boost::asio::detached));
#endif
}

}  // namespace vial::detail
