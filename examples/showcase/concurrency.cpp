#include "concurrency.hpp"

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace {

using namespace std::chrono_literals;

// The integer query argument `name` (`fallback` when absent); 400 unless 0..10000.
int bounded_ms(vial::Request& req, int fallback, const std::string& name = "ms", int most = 10000) {
    int ms = fallback;
    if (req.args().contains(name)) {
        ms = req.args().get<int>(name, -1);
        if (ms < 0 || ms > most) {
            vial::abort(400, name + " must be an integer from 0 to " + std::to_string(most));
        }
    }
    return ms;
}

// States of the tasks POST /tasks started; shared by every loop thread. Bounded, as
// anything a client can grow must be: at most kMaxPending running (then 503), and only
// the kMaxDone most recently finished are remembered (older ids answer 404).
class TaskBoard {
  public:
    static constexpr std::size_t kMaxPending = 10000;
    static constexpr std::size_t kMaxDone = 10000;

    std::optional<std::int64_t> add() {
        std::lock_guard lock(mutex_);
        if (pending_ >= kMaxPending) return std::nullopt;
        ++pending_;
        states_[next_] = "pending";
        return next_++;
    }
    void finish(std::int64_t id) {
        std::lock_guard lock(mutex_);
        --pending_;
        states_[id] = "done";
        done_.push_back(id);
        if (done_.size() > kMaxDone) {
            states_.erase(done_.front());
            done_.pop_front();
        }
    }
    std::optional<std::string> state(std::int64_t id) {
        std::lock_guard lock(mutex_);
        auto it = states_.find(id);
        return it == states_.end() ? std::nullopt : std::optional<std::string>(it->second);
    }

  private:
    std::mutex mutex_;
    std::map<std::int64_t, std::string> states_;
    std::deque<std::int64_t> done_;  // finished ids, oldest first
    std::size_t pending_ = 0;
    std::int64_t next_ = 1;
};

vial::Task<void> report(std::shared_ptr<TaskBoard> board, std::int64_t id) {
    co_await vial::sleep(200ms);  // stands in for sending an email, resizing an image...
    board->finish(id);
}

vial::Task<std::string> answer_after(std::chrono::milliseconds delay) {
    co_await vial::sleep(delay);
    co_return "answered in time";
}

}  // namespace

void register_concurrency_routes(vial::App& app) {
    // Deliberately wrong: sleeps ON the loop, so every request on it waits. The stall
    // watchdog logs it with this route.
    // At most 1 s: a demonstration, not a way for six requests to freeze every loop.
    app.get("/blocking", [](vial::Request& req) {
        std::this_thread::sleep_for(std::chrono::milliseconds(bounded_ms(req, 100, "ms", 1000)));
        return "blocked the loop";
    });

    // The same work, right: on the blocking pool; the loop keeps serving.
    app.get("/offload", [](vial::Request& req) -> vial::Task<std::string> {
        int ms = bounded_ms(req, 100);
        co_await vial::to_thread(
            [ms] { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); });
        co_return "offloaded";
    });

    auto board = std::make_shared<TaskBoard>();
    app.post("/tasks", [board](vial::Request&) -> vial::Task<std::pair<vial::Json, int>> {
        std::optional<std::int64_t> id = board->add();
        if (!id) vial::abort(503, "too many tasks running; try again shortly");
        co_await vial::spawn(report(board, *id), "report " + std::to_string(*id));
        co_return std::pair<vial::Json, int>{vial::Json{{"id", *id}}, 202};
    });
    app.get("/tasks/<int:id>", [board](vial::Request& req) {
        auto state = board->state(req.view_arg<std::int64_t>("id"));
        if (!state) vial::abort(404, "no such task");
        return vial::Json{{"state", *state}};
    });

    // vial::timeout: a 50 ms answer raced against a deadline (?deadline_ms=, default 100).
    app.get("/race", [](vial::Request& req) -> vial::Task<vial::Json> {
        auto deadline = std::chrono::milliseconds(bounded_ms(req, 100, "deadline_ms"));
        std::string outcome;
        try {
            outcome = co_await vial::timeout(deadline, answer_after(50ms));
        } catch (const vial::TimeoutError& e) {
            outcome = e.what();
        }
        co_return vial::Json{{"outcome", outcome}};
    });
}
