#include "background.hpp"

#include <vial/cancel.hpp>
#include <vial/spawn.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "../core/dispatcher.hpp"
#include "../core/log.hpp"
#include "activity.hpp"

namespace vial {

namespace {

namespace asio = boost::asio;

struct Entry {
    std::string name;
    bool worker;  // spawned by a before_serving hook: cancelled when shutdown begins
    const asio::execution_context* context;
    asio::any_io_executor executor;
    std::shared_ptr<asio::cancellation_signal> cancel;
};

struct Registry {
    std::mutex mutex;
    std::map<std::uint64_t, Entry> running;
    std::uint64_t next_id = 1;
    std::atomic<std::size_t> failed{0};
};

Registry& registry() {
    static Registry r;
    return r;
}

// Set while a server runs its before_serving hooks on this thread.
thread_local bool t_spawning_workers = false;

// Removes the task's entry when its frame goes, however it goes (finished, failed, or
// destroyed with its io_context).
struct Registration {
    std::uint64_t id;
    Registration(const Registration&) = delete;
    Registration(Registration&& other) noexcept : id(std::exchange(other.id, 0)) {}
    explicit Registration(std::uint64_t i) : id(i) {}
    ~Registration() {
        if (!id) return;
        std::lock_guard lock(registry().mutex);
        registry().running.erase(id);
    }
};

// The registration and the watchdog label live as long as the task's frame.
Task<void> tracked(Task<void> task, Registration, detail::ActivityLease) {
    co_await std::move(task);
}

}  // namespace

void spawn_on(const asio::any_io_executor& executor, Task<void> task, std::string name) {
    auto cancel = std::make_shared<asio::cancellation_signal>();
    asio::execution_context& context = asio::query(executor, asio::execution::context);
    std::uint64_t id;
    bool worker = t_spawning_workers;
    {
        std::lock_guard lock(registry().mutex);
        id = registry().next_id++;
        registry().running.emplace(id, Entry{name, worker, &context, executor, cancel});
    }
    auto on_end = asio::bind_cancellation_slot(cancel->slot(), [name, worker,
                                                                cancel](std::exception_ptr error) {
        if (!error) return;
        if (is_cancellation(error)) {
            // A worker's cancellation is how a server stops it: not worth a warning.
            if (worker) return detail::log::debug("worker '" + name + "' stopped");
            detail::log::warning("background task '" + name + "' was cancelled");
        } else {
            ++registry().failed;
            detail::log::error("background task '" + name + "' failed: " + detail::describe(error));
        }
    });
    // On a server loop the task gets its own label, so the stall watchdog can name it.
    if (detail::ActivityBoard* board = detail::ActivityBoard::of(context)) {
        detail::ActivityLease activity(*board, std::move(name));
        detail::LabelledExecutor labelled(board->executor(), activity.cell());
        asio::co_spawn(labelled, tracked(std::move(task), Registration(id), std::move(activity)),
                       std::move(on_end));
    } else {
        asio::co_spawn(executor, tracked(std::move(task), Registration(id), {}), std::move(on_end));
    }
}

Task<void> spawn(Task<void> task, std::string name) {
    auto executor = co_await asio::this_coro::executor;
    spawn_on(executor, std::move(task), std::move(name));
}

BackgroundStats background_stats() {
    std::lock_guard lock(registry().mutex);
    return {registry().running.size(), registry().failed.load()};
}

namespace detail {

std::size_t background_running(const asio::execution_context* context) {
    std::lock_guard lock(registry().mutex);
    std::size_t n = 0;
    for (const auto& [id, entry] : registry().running) n += entry.context == context;
    return n;
}

WorkerSpawning::WorkerSpawning() {
    t_spawning_workers = true;
}
WorkerSpawning::~WorkerSpawning() {
    t_spawning_workers = false;
}

std::vector<std::string> cancel_background(const asio::execution_context* context,
                                           bool workers_only) {
    std::vector<std::string> names;
    std::lock_guard lock(registry().mutex);
    for (auto& [id, entry] : registry().running) {
        if (entry.context != context || (workers_only && !entry.worker)) continue;
        names.push_back(entry.name);
        asio::post(entry.executor,
                   [cancel = entry.cancel] { cancel->emit(asio::cancellation_type::terminal); });
    }
    return names;
}

}  // namespace detail

}  // namespace vial
