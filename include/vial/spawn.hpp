#pragma once
/// Background tasks that outlive the request (Flask cannot: its loop stops with the view).
///
///   co_await vial::spawn(send_receipt(order_id), "send_receipt");
///
/// starts the task on the caller's event loop and returns at once; the view answers
/// while the task runs on. Every spawned task is tracked: a failure is logged with its
/// name and never takes the process down; graceful shutdown waits for running tasks up
/// to `background_shutdown_timeout` (10 s), then cancels the rest and logs their names.
/// A background task must own what it uses (take values, not references to the
/// request). In the TestClient, background tasks run while the client runs its loop:
/// `client.wait_background()` lets them finish.
#include <vial/task.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <string>

namespace vial {

/// Starts `task` on the calling coroutine's loop, tracked under `name`.
Task<void> spawn(Task<void> task, std::string name = "background task");

/// Starts `task` on `executor`, from plain code that holds one.
void spawn_on(const boost::asio::any_io_executor& executor, Task<void> task,
              std::string name = "background task");

struct BackgroundStats {
    std::size_t running;  // started and not finished
    std::size_t failed;   // ended with an exception other than cancellation, since start
};
BackgroundStats background_stats();

}  // namespace vial
