#pragma once
// The process-wide registry of running background tasks, by the io_context they run on,
// so a server (or test client) waits for and cancels only its own.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace vial::detail {

/// Running tasks on `context`.
std::size_t background_running(const boost::asio::execution_context* context);
/// Cancels the tasks running on `context` (posted to it), or only its workers; returns
/// their names.
std::vector<std::string> cancel_background(const boost::asio::execution_context* context,
                                           bool workers_only = false);

/// While one lives, tasks spawned on this thread are workers: long-lived tasks a
/// before_serving hook started, cancelled as soon as the server begins to stop (rather
/// than waited for, as a request's background task is).
class WorkerSpawning {
  public:
    WorkerSpawning();
    ~WorkerSpawning();
    WorkerSpawning(const WorkerSpawning&) = delete;
    WorkerSpawning& operator=(const WorkerSpawning&) = delete;
};

}  // namespace vial::detail
