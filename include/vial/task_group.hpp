#pragma once
/// vial::TaskGroup: request-scoped structured concurrency.
///
///   vial::TaskGroup group;
///   co_await group.start(warm_cache(key));
///   co_await group.start(audit(user));
///   ...                                   // the view goes on while they run
///   co_await group.join();                // or: group.cancel(); co_await group.join();
///
/// Tasks start at once on the caller's loop. `join()` waits for all of them and
/// rethrows the first failure (after the others finished); `cancel()` cancels those
/// still running (their pending awaits throw vial::Cancelled). Unlike vial::spawn, the
/// tasks do not outlive the group: a group destroyed with tasks still running cancels
/// them. Use one group from one coroutine (it is not thread-safe).
#include <vial/task.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <exception>
#include <memory>

namespace vial {

class TaskGroup {
  public:
    TaskGroup();
    ~TaskGroup();
    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;

    /// Starts `task` now, on the calling coroutine's loop.
    Task<void> start(Task<void> task);
    /// Waits until every started task finished; rethrows the first failure.
    Task<void> join();
    /// Cancels the tasks still running (join() still waits for them to end).
    void cancel();
    /// Tasks started and not yet finished.
    std::size_t running() const noexcept;

  private:
    struct State;
    static Task<void> run_member(std::shared_ptr<State> state, Task<void> task);
    std::shared_ptr<State> state_;
};

}  // namespace vial
