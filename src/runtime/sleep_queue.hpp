#pragma once
// SleepQueue: every vial::sleep of one server loop, on one timer.
//
// Asio gives each timer wait an operation of its own (136 bytes allocated per sleep, an
// atomic work count, the scheduler's mutex around its timer heap). A server loop is one
// thread, so its sleeps can share one: each waiting sleep is a node kept in the Sleep
// itself (the awaiting coroutine's frame) and ordered in a binary heap here, and a single
// Asio timer is armed for the earliest. When it fires, the sleeps that are due resume one
// after another from that one handler, each through its coroutine's executor (so the stall
// watchdog sees whose code runs).
//
// Only loops run by one thread may use it (a server loop: the sleep's executor is a
// LabelledExecutor); other executors keep an Asio timer per sleep (sleep.cpp).
#include <vial/task.hpp>

#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace vial::detail {

/// One waiting sleep: the wait of a Sleep (in its coroutine's frame), queued from its
/// start to its end. The handler (the awaiting coroutine's thread of execution) is what
/// the queue resumes; while it is queued, nothing else owns that coroutine.
using SleepNode = SleepWait;

/// The handler of a queued node (built in its storage by Sleep's start).
inline Sleep::AwaitHandler& handler_of(SleepNode& node) noexcept {
    return *std::launder(reinterpret_cast<Sleep::AwaitHandler*>(node.storage));
}

class SleepQueue : public boost::asio::execution_context::service {
  public:
    static boost::asio::execution_context::id id;
    using LoopExecutor = boost::asio::io_context::executor_type;

    explicit SleepQueue(boost::asio::io_context& context);
    SleepQueue(const SleepQueue&) = delete;
    SleepQueue& operator=(const SleepQueue&) = delete;

    /// Room for one more sleep, and the handler's cancellation slot tied to `node`'s place
    /// (whose node is not built yet): what may throw, before the node takes the handler.
    void prepare(SleepNode* node, const Sleep::AwaitHandler& handler);
    /// Queues `node` (its deadline and handler set; prepare() called): due, it resumes its
    /// coroutine; cancelled, it completes with vial::Cancelled, from the loop's queue.
    void add(SleepNode& node);
    /// A sleep of no time: `node`'s coroutine goes to the back of the loop's queue of
    /// handlers (vial::Cancelled if it was cancelled meanwhile).
    void yield(SleepNode& node);

  private:
    void shutdown() override;

    void push(SleepNode& node) noexcept;
    void erase(SleepNode& node) noexcept;
    void sift_up(std::size_t index) noexcept;
    void sift_down(std::size_t index) noexcept;
    void place(std::size_t index, SleepNode* node) noexcept;

    // Arms the timer for the earliest deadline unless it already waits for that or earlier.
    void arm() noexcept;
    void disarm() noexcept;
    void fired(std::uint64_t generation);
    // Resumes the coroutine of `node` (dequeued) with `error`: now (from the timer's
    // handler), or from the loop's queue (`deferred`: a cancellation, a deadline past).
    void resume(SleepNode& node, std::exception_ptr error, bool deferred);

    struct Cancel;

    std::vector<SleepNode*> heap_;
    boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                      boost::asio::wait_traits<std::chrono::steady_clock>,
                                      LoopExecutor>
        timer_;
    // The deadline the latest wait of the timer is for (max: no wait pending), and that
    // wait's number: an earlier wait that completes after a re-arm changes nothing.
    std::chrono::steady_clock::time_point armed_ = std::chrono::steady_clock::time_point::max();
    std::uint64_t generation_ = 0;
};

}  // namespace vial::detail
