#include "activity.hpp"

#include <boost/asio/execution_context.hpp>

#include <vial/request.hpp>

#include "../core/route_table.hpp"
#include "sleep_queue.hpp"

namespace vial::detail {

namespace asio = boost::asio;

namespace {

thread_local ActivityBoard* thread_board = nullptr;

// A string that lives as long as the program per standard method (the Request's own
// table): the watchdog thread may read it at any time.
const char* method_literal(std::string_view method) noexcept {
    for (const std::string& standard : standard_methods()) {
        if (method == standard) return standard.c_str();
    }
    return "other";
}

}  // namespace

asio::execution_context::id ActivityBoard::id;

ActivityBoard::ActivityBoard(asio::io_context& context)
    : asio::execution_context::service(context),
      context_(context),
      sleep_queue_(asio::use_service<SleepQueue>(context)) {}

ActivityBoard* ActivityBoard::of(asio::execution_context& context) {
    if (!asio::has_service<ActivityBoard>(context)) return nullptr;
    // Only io_contexts get a board (see the class comment), so this cast is exact.
    return &asio::use_service<ActivityBoard>(static_cast<asio::io_context&>(context));
}

asio::any_io_executor ActivityBoard::loop_executor(asio::execution_context& context,
                                                   const asio::any_io_executor& fallback) {
    ActivityBoard* board = of(context);
    return board ? asio::any_io_executor(board->executor()) : fallback;
}

ActivityCell* ActivityBoard::acquire(std::string name) {
    std::unique_ptr<const std::string> named;
    if (!name.empty()) named = std::make_unique<const std::string>(std::move(name));
    std::lock_guard lock(mutex_);
    ActivityCell* cell;
    if (free_.empty()) {
        cell = &cells_.emplace_back();
        cell->board = this;
    } else {
        cell = free_.back();
        free_.pop_back();
    }
    cell->name = std::move(named);
    return cell;
}

void ActivityBoard::release(ActivityCell* cell) noexcept {
    std::lock_guard lock(mutex_);
    ActivityCell* running = cell;
    current_.compare_exchange_strong(running, nullptr, std::memory_order_relaxed);
    cell->route.store(nullptr, std::memory_order_relaxed);
    cell->method.store(nullptr, std::memory_order_relaxed);
    cell->name.reset();
    free_.push_back(cell);
}

std::string ActivityBoard::describe_current() const {
    std::lock_guard lock(mutex_);
    const ActivityCell* cell = current();
    if (!cell) return "code outside any request or background task";
    if (cell->name) return "background task '" + *cell->name + "'";
    const Route* route = cell->route.load(std::memory_order_relaxed);
    const char* method = cell->method.load(std::memory_order_relaxed);
    if (route) {
        std::string where(method ? method : "?");
        where.append(" ").append(route->rule.source());
        where.append(" (endpoint '").append(route->endpoint).append("')");
        return where;
    }
    if (method) return std::string(method) + " request that matched no route";
    return "a connection between requests";
}

void ActivityBoard::set_thread_board(ActivityBoard* board) noexcept {
    thread_board = board;
}

void note_activity(const Route* route, std::string_view method) noexcept {
    if (!thread_board) return;
    ActivityCell* cell = thread_board->current();
    if (!cell) return;
    cell->route.store(route, std::memory_order_relaxed);
    cell->method.store(method_literal(method), std::memory_order_relaxed);
}

}  // namespace vial::detail
