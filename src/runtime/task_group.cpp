#include <vial/cancel.hpp>
#include <vial/task_group.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <list>

namespace vial {

namespace asio = boost::asio;

struct TaskGroup::State {
    std::size_t running = 0;
    std::exception_ptr first_failure;
    std::list<asio::cancellation_signal> signals;  // stable addresses, one per task
    std::unique_ptr<asio::steady_timer> wake;      // join() waits on it; finishing tasks cancel it
};

Task<void> TaskGroup::run_member(std::shared_ptr<State> state, Task<void> task) {
    std::exception_ptr failure;
    try {
        co_await std::move(task);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure && !state->first_failure && !is_cancellation(failure))
        state->first_failure = failure;
    --state->running;
    if (state->wake) state->wake->cancel();
}

TaskGroup::TaskGroup() : state_(std::make_shared<State>()) {}

TaskGroup::~TaskGroup() {
    if (state_->running > 0) cancel();
}

Task<void> TaskGroup::start(Task<void> task) {
    auto executor = co_await asio::this_coro::executor;
    if (!state_->wake) state_->wake = std::make_unique<asio::steady_timer>(executor);
    auto& signal = state_->signals.emplace_back();
    ++state_->running;
    auto slot = signal.slot();
    auto member = run_member(state_, std::move(task));
    asio::co_spawn(executor, std::move(member), asio::bind_cancellation_slot(slot, asio::detached));
}

Task<void> TaskGroup::join() {
    while (state_->running > 0) {
        state_->wake->expires_at(asio::steady_timer::time_point::max());
        auto [ec] = co_await state_->wake->async_wait(asio::as_tuple(asio::deferred));
        (void)ec;  // woken by a finishing task
    }
    state_->signals.clear();
    if (auto failure = std::exchange(state_->first_failure, nullptr))
        std::rethrow_exception(failure);
}

void TaskGroup::cancel() {
    for (auto& signal : state_->signals) signal.emit(asio::cancellation_type::terminal);
}

std::size_t TaskGroup::running() const noexcept {
    return state_->running;
}

}  // namespace vial
