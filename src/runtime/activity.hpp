#pragma once
// What each event loop is running, for the stall watchdog.
//
// Every task a loop runs for the app (a connection's coroutine, a background task) is
// spawned on a LabelledExecutor that carries the task's ActivityCell. Each time the task
// resumes, the executor marks its cell as the loop's current one: one relaxed store. The
// dispatcher writes the matched route into the current cell per request. When a loop
// stalls, the watchdog reads the current cell and so names the route or background task
// that was running, even when it blocked after resuming from an await.
//
// Cells are pooled per loop and recycled, never freed while the loop lives, so a stale
// pointer (say, from a raw Asio task that outlived its connection) can mislabel a stall
// but never be read after free. This is monitoring of threads: nothing reads it to serve.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/activity_note.hpp"

namespace vial::detail {

struct Route;
class ActivityBoard;
class SleepQueue;

/// The label of one task: a connection (the request it is serving) or a named
/// background task.
struct ActivityCell {
    ActivityBoard* board = nullptr;
    std::atomic<const Route*> route{nullptr};
    std::atomic<const char*> method{nullptr};  // a string literal
    // A background task's name (a connection has none: 8 bytes, not a string's 32, in
    // each of a loop's thousands of cells); under the board's mutex.
    std::unique_ptr<const std::string> name;
};

/// One loop's cells and the one it runs now. An io_context service, so a spawn can
/// find it from any executor of that loop; the server adds one per loop.
class ActivityBoard : public boost::asio::execution_context::service {
  public:
    static boost::asio::execution_context::id id;

    explicit ActivityBoard(boost::asio::io_context& context);

    /// The board of `context`, or null when it has none (a test client's loop). Only
    /// server loops add one, with use_service on their io_context.
    static ActivityBoard* of(boost::asio::execution_context& context);

    /// The executor for work that belongs to the loop rather than to a request (an
    /// outbound connection's wake-ups): on a server loop the loop's own, unlabelled, so it
    /// is not reported as the first request that used it; elsewhere `fallback`.
    static boost::asio::any_io_executor loop_executor(boost::asio::execution_context& context,
                                                      const boost::asio::any_io_executor& fallback);

    boost::asio::io_context::executor_type executor() const noexcept {
        return context_.get_executor();
    }

    /// The loop's sleep queue (sleep_queue.hpp), made with the board.
    SleepQueue& sleep_queue() const noexcept { return sleep_queue_; }

    /// A cell for a new task; `name` for a background task, empty for a connection.
    ActivityCell* acquire(std::string name);
    void release(ActivityCell* cell) noexcept;

    /// Marks `cell` as what the loop runs now, and counts the resumption.
    void enter(ActivityCell* cell) noexcept {
        current_.store(cell, std::memory_order_relaxed);
        // The loop's thread is the only writer: no read-modify-write needed.
        resumes_.store(resumes_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    ActivityCell* current() const noexcept { return current_.load(std::memory_order_relaxed); }
    /// How many times the loop has resumed a task: the watchdog tells a loop running many
    /// short handlers (saturated, this moves) from one that is stuck in one (it does not).
    std::uint64_t resumes() const noexcept { return resumes_.load(std::memory_order_relaxed); }

    /// What the loop runs now, in words ("GET /blocking (endpoint 'blocking')"); for the
    /// watchdog thread.
    std::string describe_current() const;

    /// Makes `board` the calling thread's (its loop thread), for note_activity.
    static void set_thread_board(ActivityBoard* board) noexcept;

  private:
    void shutdown() override {}

    boost::asio::io_context& context_;
    SleepQueue& sleep_queue_;
    std::atomic<ActivityCell*> current_{nullptr};
    std::atomic<std::uint64_t> resumes_{0};
    mutable std::mutex mutex_;
    std::deque<ActivityCell> cells_;  // a deque: cells never move
    std::vector<ActivityCell*> free_;
};

/// Owns a cell for the life of a task.
class ActivityLease {
  public:
    ActivityLease() = default;
    ActivityLease(ActivityBoard& board, std::string name) : cell_(board.acquire(std::move(name))) {}
    ActivityLease(ActivityLease&& other) noexcept : cell_(std::exchange(other.cell_, nullptr)) {}
    ActivityLease& operator=(ActivityLease&&) = delete;
    ~ActivityLease() {
        if (cell_) cell_->board->release(cell_);
    }
    ActivityCell* cell() const noexcept { return cell_; }

  private:
    ActivityCell* cell_ = nullptr;
};

/// An executor that runs everything through `Inner` and, before each function it runs
/// (each resumption of a coroutine spawned on it), marks its cell as the loop's current
/// one. Every property is forwarded to `Inner`, so it converts to any_io_executor.
template <class Inner>
class LabelledExecutor {
  public:
    LabelledExecutor(Inner inner, ActivityCell* cell) noexcept
        : inner_(std::move(inner)), cell_(cell) {}

    template <class Property>
    requires boost::asio::can_query<const Inner&, const Property&>::value decltype(auto) query(
        const Property& property) const {
        return boost::asio::query(inner_, property);
    }

    template <class Property>
    requires boost::asio::can_require<const Inner&, const Property&>::value auto require(
        const Property& property) const {
        using Next = std::decay_t<decltype(boost::asio::require(inner_, property))>;
        return LabelledExecutor<Next>(boost::asio::require(inner_, property), cell_);
    }

    const Inner& inner() const noexcept { return inner_; }
    ActivityCell* cell() const noexcept { return cell_; }

    template <class Function>
    void execute(Function&& function) const {
        inner_.execute(Resume<std::decay_t<Function>>{cell_, std::forward<Function>(function)});
    }

    friend bool operator==(const LabelledExecutor& a, const LabelledExecutor& b) noexcept {
        return a.inner_ == b.inner_ && a.cell_ == b.cell_;
    }
    friend bool operator!=(const LabelledExecutor& a, const LabelledExecutor& b) noexcept {
        return !(a == b);
    }

  private:
    template <class Function>
    struct Resume {
        ActivityCell* cell;
        Function function;
        void operator()() {
            if (cell) cell->board->enter(cell);
            std::move(function)();
        }
    };

    Inner inner_;
    ActivityCell* cell_;
};

}  // namespace vial::detail
