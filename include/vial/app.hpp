#pragma once
/// vial::App: the application. Record routes on it, then serve it (`vial::cli::main`,
/// `vial::Server`) or drive it in-process (`vial::TestClient`).
///
/// Freezing compiles the records into an immutable dispatcher that every event loop
/// reads without locks; `run`/`TestClient` freeze implicitly. Registering afterwards
/// throws vial::Error. The App must outlive every server and test client using it.
#include <vial/config.hpp>
#include <vial/scaffold.hpp>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace vial {

namespace detail {
class Dispatcher;
}

class App : public Scaffold {
  public:
    explicit App(std::string name = "vial");
    ~App() override;

    /// Compiles the recorded routes. Idempotent; throws vial::Error on conflicts.
    void freeze();
    bool frozen() const noexcept { return dispatcher_ != nullptr; }
    /// Runs once when a Server starts, before it accepts connections (open pools...);
    /// `f()` returns void or vial::Task<void>, run to completion on the server's first
    /// loop, from the starting thread. A task it spawns (`co_await vial::spawn(...)`)
    /// runs on that loop for the server's life, like a continuously running worker, and
    /// is drained then cancelled at shutdown. An exception stops the start.
    template <class F>
    App& before_serving(F f) {
        check_setup("before_serving");
        before_serving_.push_back(adapt_serving_hook(std::move(f)));
        return *this;
    }
    /// Runs once when a Server has stopped (after in-flight and background work).
    template <class F>
    App& after_serving(F f) {
        check_setup("after_serving");
        after_serving_.push_back(adapt_serving_hook(std::move(f)));
        return *this;
    }
    using ServingHook = std::function<Task<void>()>;
    const std::vector<ServingHook>& before_serving_hooks() const noexcept {
        return before_serving_;
    }
    const std::vector<ServingHook>& after_serving_hooks() const noexcept { return after_serving_; }

    /// The app's settings (config.hpp). Read-only once frozen.
    Config& config() noexcept { return config_; }
    const Config& config() const noexcept { return config_; }
    /// The compiled dispatcher (freezes first). For the server and test client.
    const detail::Dispatcher& dispatcher();

    /// The URL of `endpoint` ("items_show", "api.items.show") with its rule's variables
    /// from `params`; other params go to the query string. Throws vial::Error naming an
    /// unknown endpoint, a missing parameter or a value the converter rejects. Needs a
    /// frozen app (call it from a view, or after freeze()).
    std::string url_for(std::string_view endpoint, const std::vector<UrlParam>& params = {},
                        const UrlForOptions& options = {}) const;

  protected:
    void check_setup(std::string_view what) const override;

  private:
    template <class F>
    static ServingHook adapt_serving_hook(F f) {
        static_assert(std::is_invocable_v<F&>,
                      "before_serving/after_serving hooks take no arguments");
        using R = std::invoke_result_t<F&>;
        static_assert(std::is_void_v<R> || std::is_same_v<R, Task<void>>,
                      "before_serving/after_serving hooks return void or vial::Task<void>");
        return [f = std::move(f)]() mutable -> Task<void> {
            if constexpr (std::is_void_v<R>) {
                f();
            } else {
                co_await f();
            }
            co_return;
        };
    }

    Config config_;
    std::vector<ServingHook> before_serving_;
    std::vector<ServingHook> after_serving_;
    std::unique_ptr<const detail::Dispatcher> dispatcher_;
};

}  // namespace vial
