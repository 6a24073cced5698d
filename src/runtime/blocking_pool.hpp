#pragma once
// The blocking pool's bookkeeping, shared by to_thread and the SQLite backend's threads.
#include <boost/asio/execution_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>

namespace vial::detail {

/// Reserves a slot for a job that will resume a task on `context`, starting the pool on
/// first use; false when saturated.
bool acquire_blocking_slot(const boost::asio::execution_context* context);
/// Frees the slot once the job no longer touches `context` (after posting back to it).
void release_blocking_slot(const boost::asio::execution_context* context) noexcept;
/// Other threads that post results back to a loop (a Database's) count themselves the
/// same way, outside the pool's capacity: begin before the job is queued, end after the
/// post back to `context`.
void begin_foreign_job(const boost::asio::execution_context* context);
void end_foreign_job(const boost::asio::execution_context* context) noexcept;
/// Waits (up to `limit`) until no job may still post to `context`: call before
/// destroying it. False if jobs remain.
bool wait_for_blocking_jobs(const boost::asio::execution_context* context,
                            std::chrono::steady_clock::duration limit);
boost::asio::thread_pool& blocking_pool();

/// Counts a job dropped from the queue because its awaiting task was cancelled. Until a
/// pool thread pops its husk (dead_blocking_job_popped), it still counts against the
/// queue's bound, so churning clients cannot grow the queue past it.
void note_dropped_blocking_job() noexcept;
void dead_blocking_job_popped() noexcept;
[[noreturn]] void throw_dropped_blocking_job();

}  // namespace vial::detail
