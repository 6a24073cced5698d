// The one place vial's gather, timeout and first_of instantiate Asio's parallel group:
// the public templates reduce every call to a vector of Task<void> branches, so a view's
// translation unit compiles a small wrapper coroutine per result type and nothing more.
#include <vial/cancel.hpp>
#include <vial/gather.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace vial::detail {

namespace {

namespace asio = boost::asio;

using BranchOp = decltype(asio::co_spawn(std::declval<asio::any_io_executor>(),
                                         std::declval<Task<void>>(), asio::deferred));

std::vector<BranchOp> spawn_deferred(const asio::any_io_executor& executor,
                                     std::vector<Task<void>>& branches) {
    std::vector<BranchOp> ops;
    ops.reserve(branches.size());
    for (auto& branch : branches) {
        ops.push_back(asio::co_spawn(executor, std::move(branch), asio::deferred));
    }
    return ops;
}

Task<void> sleep_then_return(std::chrono::steady_clock::duration after) {
    co_await vial::sleep(after);
}

}  // namespace

Task<void> run_all(std::vector<Task<void>> branches) {
    if (branches.empty()) co_return;
    auto executor = co_await asio::this_coro::executor;
    // A tuple rather than structured bindings: clang before 16 cannot capture bindings.
    auto result =
        co_await asio::experimental::make_parallel_group(spawn_deferred(executor, branches))
            .async_wait(asio::experimental::wait_for_one_error(), asio::use_awaitable);
    // The first failure in completion order: the cancelled siblings complete after it
    // with their own, secondary, errors.
    const auto& errors = std::get<1>(result);
    for (std::size_t index : std::get<0>(result)) {
        if (errors[index]) std::rethrow_exception(errors[index]);
    }
}

Task<std::size_t> run_first(std::vector<Task<void>> branches) {
    if (branches.empty()) throw Error("first_of needs at least one task");
    auto executor = co_await asio::this_coro::executor;
    auto result =
        co_await asio::experimental::make_parallel_group(spawn_deferred(executor, branches))
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    std::size_t winner = std::get<0>(result)[0];
    if (const auto& error = std::get<1>(result)[winner]) std::rethrow_exception(error);
    co_return winner;
}

Task<void> run_with_deadline(std::chrono::steady_clock::duration after, Task<void> branch) {
    auto executor = co_await asio::this_coro::executor;
    auto [order, branch_error, timer_error] =
        co_await asio::experimental::make_parallel_group(
            asio::co_spawn(executor, std::move(branch), asio::deferred),
            asio::co_spawn(executor, sleep_then_return(after), asio::deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    (void)timer_error;
    if (order[0] == 1) throw TimeoutError(after);
    if (branch_error) std::rethrow_exception(branch_error);
}

}  // namespace vial::detail
