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

namespace vial {

namespace {

namespace asio = boost::asio;

struct Entry {
    std::string name;
    asio::io_context* context;
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

Task<void> tracked(Task<void> task, Registration) {
    co_await std::move(task);
}

asio::io_context* context_of(const asio::any_io_executor& executor) {
    auto* target = executor.target<asio::io_context::executor_type>();
    return target ? &target->context() : nullptr;
}

}  // namespace

void spawn_on(const asio::any_io_executor& executor, Task<void> task, std::string name) {
    auto cancel = std::make_shared<asio::cancellation_signal>();
    std::uint64_t id;
    {
        std::lock_guard lock(registry().mutex);
        id = registry().next_id++;
        registry().running.emplace(id, Entry{name, context_of(executor), executor, cancel});
    }
    auto slot = cancel->slot();
    asio::co_spawn(executor, tracked(std::move(task), Registration(id)),
                   asio::bind_cancellation_slot(
                       slot, [name = std::move(name), cancel](std::exception_ptr error) {
                           if (!error) return;
                           if (is_cancellation(error)) {
                               detail::log::warning("background task '" + name + "' was cancelled");
                           } else {
                               ++registry().failed;
                               detail::log::error("background task '" + name +
                                                  "' failed: " + detail::describe(error));
                           }
                       }));
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

std::size_t background_running(const asio::io_context* context) {
    std::lock_guard lock(registry().mutex);
    std::size_t n = 0;
    for (const auto& [id, entry] : registry().running) n += entry.context == context;
    return n;
}

std::vector<std::string> cancel_background(asio::io_context* context) {
    std::vector<std::string> names;
    std::lock_guard lock(registry().mutex);
    for (auto& [id, entry] : registry().running) {
        if (entry.context != context) continue;
        names.push_back(entry.name);
        asio::post(entry.executor,
                   [cancel = entry.cancel] { cancel->emit(asio::cancellation_type::terminal); });
    }
    return names;
}

}  // namespace detail

}  // namespace vial
