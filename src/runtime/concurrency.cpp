// The one place vial's gather, timeout and first_of run branches concurrently: the
// public templates reduce every call to a vector of Task<void> branches, so a view's
// translation unit compiles a small wrapper coroutine per result type and nothing more.
#include <vial/cancel.hpp>
#include <vial/gather.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <optional>
#include <utility>
#include <vector>

#include "launch.hpp"

namespace vial::detail {

namespace {

namespace asio = boost::asio;

// One gather, first_of or timeout in flight: each branch runs as a thread of execution of
// its own (launch.hpp) bound to a cancellation signal of the join, and the parent resumes once
// every branch has completed, so the join lives in the parent's frame. When the join is decided
// (the first failure, or for first_of the first completion) the other branches are cancelled; a
// cancellation of the parent (client gone, shutdown) reaches every branch. Leaner than Asio's
// ranged parallel group, which keeps its completion order and results in deques: a gather's cost is
// its branches'.
class Join {
  public:
    enum class Until { first_error, first_done };

    Join(std::size_t branches, Until until)
        : signals_(branches), pending_(branches), until_(until) {}
    Join(const Join&) = delete;
    Join& operator=(const Join&) = delete;

    /// The operation to co_await for every branch (`make` makes them as they start) to
    /// end, on `executor` (the caller's); then `first_error()` and `decider()` say what
    /// happened. Not a coroutine: the caller's frame is the only one a join adds.
    auto run(const asio::any_io_executor& executor, const BranchMaker& make) {
        return asio::async_initiate<const asio::deferred_t&, void()>(
            [this, &executor, &make](auto handler) { start(executor, make, std::move(handler)); },
            asio::deferred);
    }

    // A branch's end (BranchEnd): its outcome, or its state destroyed uncalled.
    void done(std::size_t index, std::exception_ptr error) {
        if (decider_ == npos && (error || until_ == Until::first_done)) {
            decider_ = index;
            error_ = std::move(error);
            for (std::size_t i = 0; i < signals_.size(); ++i) {
                if (i != index) signals_[i].emit(asio::cancellation_type::all);
            }
        }
        if (--pending_ > 0 || starting_) return;
        finish();
    }
    // Once the last branch has ended, destroying the waiter (finish) destroys the
    // parent's suspended stack, and this join in it (as Asio's parallel group does),
    // rather than the join's own waiter keeping it alive.
    void dropped() noexcept {
        ++dropped_;
        if (--pending_ > 0 || starting_) return;
        finish();
    }

    const std::exception_ptr& first_error() const noexcept { return error_; }
    /// The branch that decided the join (first_of's winner); npos if none did.
    std::size_t decider() const noexcept { return decider_; }

  private:
    template <class Handler>
    void start(const asio::any_io_executor& executor, const BranchMaker& make, Handler handler) {
        parent_slot_ = asio::get_associated_cancellation_slot(handler);
        waiter_.emplace(std::move(handler));
        if (parent_slot_.is_connected()) {
            parent_slot_.assign([this](asio::cancellation_type type) {
                for (auto& signal : signals_) signal.emit(type);
            });
        }
        // A branch runs here up to its first wait, and may even end here: the parent
        // resumes only after the last one has started.
        starting_ = true;
        for (std::size_t i = 0; i < signals_.size(); ++i) {
            if (decider_ != npos) {
                --pending_;  // decided already (a branch failed at once): never started
                continue;
            }
            std::size_t dropped_before = dropped_;
            try {
                launch_thread(executor, make(i, BranchEnd(this, i)), signals_[i].slot());
            } catch (...) {
                // The branch could not be made or launched (out of memory): it fails as
                // any branch can. Its BranchEnd, if made, went with it and counted it as
                // dropped: that count is undone, the failure counts instead.
                if (dropped_ > dropped_before) {
                    --dropped_;
                    ++pending_;
                }
                done(i, std::current_exception());
            }
        }
        starting_ = false;
        // Every branch ended without waiting. Resuming the parent here would nest it in
        // its own await (a loop over such joins would grow the stack without bound), so
        // it resumes from the loop's queue, as after any operation that completed at once.
        if (pending_ == 0) asio::post(executor, take_waiter());
    }

    // The parent's completion, once every branch has ended. Taken out of the join,
    // which lives in the parent's frame: resuming (or destroying) the parent frees it.
    asio::any_completion_handler<void()> take_waiter() {
        if (parent_slot_.is_connected()) parent_slot_.clear();
        asio::any_completion_handler<void()> waiter(std::move(*waiter_));
        waiter_.reset();
        return waiter;
    }

    // The parent resumes inside this call and frees the join: nothing after it.
    void finish() {
        asio::any_completion_handler<void()> waiter = take_waiter();
        if (dropped_ > 0) return;  // the parent is going: `waiter` takes its stack along
        std::move(waiter)();
    }

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    std::vector<asio::cancellation_signal> signals_;
    std::size_t pending_;
    Until until_;
    std::size_t decider_ = npos;
    std::size_t dropped_ = 0;
    bool starting_ = false;
    std::exception_ptr error_;
    asio::cancellation_slot parent_slot_;
    std::optional<asio::any_completion_handler<void()>> waiter_;
};

// The deadline's branch: it ends when the time is up (or with Cancelled, when the task
// ended first).
BranchTask deadline_branch(std::chrono::steady_clock::duration after, BranchEnd end) {
    std::exception_ptr error;
    try {
        co_await vial::sleep(after);
    } catch (...) {
        error = std::current_exception();
    }
    std::move(end)(std::move(error));
}

}  // namespace

BranchEnd::~BranchEnd() {
    if (join_) static_cast<Join*>(join_)->dropped();
}

void BranchEnd::operator()(std::exception_ptr error) && {
    static_cast<Join*>(std::exchange(join_, nullptr))->done(index_, std::move(error));
}

Task<void> run_all(std::size_t count, BranchMaker make) {
    if (count == 0) co_return;
    Join join(count, Join::Until::first_error);
    auto executor = co_await asio::this_coro::executor;
    co_await join.run(executor, make);
    // The first failure in completion order: the cancelled siblings complete after it
    // with their own, secondary, errors.
    if (join.first_error()) std::rethrow_exception(join.first_error());
}

Task<std::size_t> run_first(std::size_t count, BranchMaker make) {
    if (count == 0) throw Error("first_of needs at least one task");
    Join join(count, Join::Until::first_done);
    auto executor = co_await asio::this_coro::executor;
    co_await join.run(executor, make);
    if (join.first_error()) std::rethrow_exception(join.first_error());
    co_return join.decider();
}

Task<void> run_with_deadline(std::chrono::steady_clock::duration after, BranchMaker make) {
    auto both = [&](std::size_t i, BranchEnd end) {
        return i == 0 ? make(0, std::move(end)) : deadline_branch(after, std::move(end));
    };
    Join join(2, Join::Until::first_done);
    auto executor = co_await asio::this_coro::executor;
    co_await join.run(executor, BranchMaker(both));
    // The timer's branch ended first without an error: the time ran out. (It ends with
    // Cancelled when the parent itself was cancelled: that is rethrown instead.)
    if (join.decider() == 1 && !join.first_error()) throw TimeoutError(after);
    if (join.first_error()) std::rethrow_exception(join.first_error());
}

}  // namespace vial::detail
