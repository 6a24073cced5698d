#include "sleep_queue.hpp"

#include <vial/cancel.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <exception>
#include <utility>

#include "activity.hpp"

namespace vial::detail {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

asio::execution_context::id SleepQueue::id;

namespace {

using Labelled = LabelledExecutor<SleepQueue::LoopExecutor>;

// The coroutine's own executor: a sleep reaches the queue only from a server loop's.
Labelled executor_of(const Sleep::AwaitHandler& handler) {
    asio::any_io_executor executor = asio::get_associated_executor(handler);
    return *executor.target<Labelled>();
}

// Resumes the awaiting coroutine with the sleep's outcome. A yield (a sleep of no time)
// installs no cancellation handler: a cancellation while it is queued is read here.
struct Resume {
    Sleep::AwaitHandler handler;
    std::exception_ptr error;
    bool yield = false;
    void operator()() {
        if (yield && !error &&
            handler.get_cancellation_state().cancelled() != asio::cancellation_type::none)
            error = std::make_exception_ptr(Cancelled("sleep was cancelled"));
        std::move(handler)(std::move(error));
    }
};

}  // namespace

// In the coroutine's cancellation slot while its sleep is queued. Asio calls it inside
// emit(): the coroutine is resumed later, from the loop's queue, never inside emit.
struct SleepQueue::Cancel {
    SleepQueue* queue;
    SleepNode* node;
    void operator()(asio::cancellation_type type) const {
        if (!(type & (asio::cancellation_type::terminal | asio::cancellation_type::partial |
                      asio::cancellation_type::total)))
            return;
        // Emitted again before the coroutine resumed: already dequeued.
        if (node->index == SleepNode::npos) return;
        queue->erase(*node);
        // Nothing left to wait for: the timer lets go of the loop (an io_context with no
        // other work may return from run()).
        if (queue->heap_.empty()) queue->disarm();
        queue->resume(*node, std::make_exception_ptr(Cancelled("sleep was cancelled")), true);
    }
};

SleepQueue::SleepQueue(asio::io_context& context)
    : asio::execution_context::service(context), timer_(context.get_executor()) {}

void SleepQueue::prepare(SleepNode* node, const Sleep::AwaitHandler& handler) {
    if (heap_.size() == heap_.capacity())
        heap_.reserve(std::max<std::size_t>(64, 2 * heap_.size()));
    auto slot = asio::get_associated_cancellation_slot(handler);
    if (slot.is_connected()) slot.template emplace<Cancel>(Cancel{this, node});
}

void SleepQueue::add(SleepNode& node) {
    push(node);
    arm();
}

void SleepQueue::yield(SleepNode& node) {
    resume(node, nullptr, true);
}

void SleepQueue::shutdown() {
    // The loop is going: each waiting coroutine is destroyed, not resumed (as Asio does
    // with its own pending operations). Destroying one may destroy others' Sleeps, which
    // leave the heap themselves.
    while (!heap_.empty()) {
        SleepNode& node = *heap_.front();
        erase(node);
        Sleep::AwaitHandler handler = std::move(handler_of(node));
    }
}

void SleepQueue::push(SleepNode& node) noexcept {
    heap_.push_back(&node);
    place(heap_.size() - 1, &node);
    sift_up(node.index);
}

void SleepQueue::erase(SleepNode& node) noexcept {
    std::size_t index = node.index;
    node.index = SleepNode::npos;
    SleepNode* last = heap_.back();
    heap_.pop_back();
    if (last == &node) return;
    place(index, last);
    if (index > 0 && last->deadline < heap_[(index - 1) / 2]->deadline)
        sift_up(index);
    else
        sift_down(index);
}

void SleepQueue::place(std::size_t index, SleepNode* node) noexcept {
    heap_[index] = node;
    node->index = static_cast<std::uint32_t>(index);  // a heap of 4 G sleeps is not
}

void SleepQueue::sift_up(std::size_t index) noexcept {
    SleepNode* node = heap_[index];
    while (index > 0) {
        std::size_t parent = (index - 1) / 2;
        if (!(node->deadline < heap_[parent]->deadline)) break;
        place(index, heap_[parent]);
        index = parent;
    }
    place(index, node);
}

void SleepQueue::sift_down(std::size_t index) noexcept {
    SleepNode* node = heap_[index];
    const std::size_t size = heap_.size();
    for (;;) {
        std::size_t child = 2 * index + 1;
        if (child >= size) break;
        if (child + 1 < size && heap_[child + 1]->deadline < heap_[child]->deadline) ++child;
        if (!(heap_[child]->deadline < node->deadline)) break;
        place(index, heap_[child]);
        index = child;
    }
    place(index, node);
}

void SleepQueue::arm() noexcept {
    if (heap_.empty()) return;
    Clock::time_point earliest = heap_.front()->deadline;
    if (armed_ <= earliest) return;  // a wait for then or sooner is pending
    try {
        timer_.expires_at(earliest);  // cancels a later wait, if any
        timer_.async_wait([this, generation = ++generation_](boost::system::error_code ec) {
            if (ec != asio::error::operation_aborted) fired(generation);
        });
        armed_ = earliest;
    } catch (...) {
        // Out of memory for the wait: none is pending now, and the next sleep (or the
        // next pass) arms it again.
        armed_ = Clock::time_point::max();
    }
}

void SleepQueue::disarm() noexcept {
    try {
        timer_.cancel();
    } catch (...) {
        // Left armed: it fires once for nothing.
        return;
    }
    armed_ = Clock::time_point::max();
}

void SleepQueue::fired(std::uint64_t generation) {
    if (generation == generation_) armed_ = Clock::time_point::max();
    // Deadlines up to now, read once: a resumed coroutine that sleeps again (even for no
    // time) waits for a later pass, so one pass always ends.
    Clock::time_point now = Clock::now();
    while (!heap_.empty() && heap_.front()->deadline <= now) {
        SleepNode& node = *heap_.front();
        erase(node);
        resume(node, nullptr, false);
    }
    arm();
}

void SleepQueue::resume(SleepNode& node, std::exception_ptr error, bool deferred) {
    Labelled executor = executor_of(handler_of(node));
    // From here the node may be destroyed (its coroutine resumes and moves on).
    Resume resume{std::move(handler_of(node)), std::move(error), deferred && !error};
    if (deferred) {
        asio::post(executor, std::move(resume));
    } else {
        // On the loop's thread, so this runs now (a throw is kept by Asio for run()).
        executor.execute(std::move(resume));
    }
}

}  // namespace vial::detail
