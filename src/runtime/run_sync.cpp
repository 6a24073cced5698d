#include <vial/run_sync.hpp>
#include <vial/to_thread.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>

#include "blocking_pool.hpp"

namespace vial::detail {

void run_sync_void(Task<void> task) {
    boost::asio::io_context loop(1);
    std::exception_ptr failure;
    bool finished = false;
    boost::asio::co_spawn(loop, std::move(task), [&](std::exception_ptr e) {
        failure = e;
        finished = true;
    });
    loop.run();
    // run() returned with no work left; a pool thread may still be leaving the loop.
    wait_for_blocking_jobs(&loop, std::chrono::seconds(30));
    if (failure) std::rethrow_exception(failure);
    if (!finished)
        throw std::logic_error("vial::run_sync: the task's loop stopped before it finished");
}

}  // namespace vial::detail
