#pragma once
/// vial::App: the application. Record routes on it, then serve it (`vial::cli::main`,
/// `vial::Server`) or drive it in-process (`vial::TestClient`).
///
/// Freezing compiles the records into an immutable dispatcher that every event loop
/// reads without locks; `run`/`TestClient` freeze implicitly. Registering afterwards
/// throws vial::Error. The App must outlive every server and test client using it.
#include <vial/config.hpp>
#include <vial/fluent_scaffold.hpp>
#include <vial/log.hpp>
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

/// A command of the app's command line (`./app init-db`), as Flask's `@app.cli.command`.
struct CliCommand {
    std::string name;
    std::string help;
    /// Runs with the arguments after the command's name; returns the exit code.
    std::function<Task<int>(std::vector<std::string>)> run;
};

class App : public Scaffold, public detail::FluentScaffold<App> {
  public:
    // Scaffold's registration methods, returning App& (fluent_scaffold.hpp).
    using detail::FluentScaffold<App>::route;
    using detail::FluentScaffold<App>::get;
    using detail::FluentScaffold<App>::post;
    using detail::FluentScaffold<App>::put;
    using detail::FluentScaffold<App>::patch;
    using detail::FluentScaffold<App>::delete_;
    using detail::FluentScaffold<App>::websocket;
    using detail::FluentScaffold<App>::add_url_rule;
    using detail::FluentScaffold<App>::use;
    using detail::FluentScaffold<App>::before_request;
    using detail::FluentScaffold<App>::after_request;
    using detail::FluentScaffold<App>::teardown_request;
    using detail::FluentScaffold<App>::before_websocket;
    using detail::FluentScaffold<App>::after_websocket;
    using detail::FluentScaffold<App>::teardown_websocket;
    using detail::FluentScaffold<App>::errorhandler;

    explicit App(std::string name = "vial");
    ~App() override;

    /// Compiles the recorded routes. Idempotent; throws vial::Error on conflicts.
    void freeze();
    bool frozen() const noexcept { return dispatcher_ != nullptr; }
    /// Runs once when a Server starts, before it accepts connections (open pools...);
    /// `f()` returns void or vial::Task<void>, run to completion on the server's first
    /// loop, from the starting thread. A task it spawns (`co_await vial::spawn(...)`)
    /// runs on that loop for the server's life, like a continuously running worker: it is
    /// cancelled as soon as shutdown begins (its pending await throws vial::Cancelled;
    /// clean up and return), so a stop never waits for it. An exception stops the start.
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

    /// Adds `./app NAME [args...]` to vial::cli::main, listed in `--help` with `help`.
    /// `f` takes the arguments (`std::vector<std::string>`) or nothing, and returns void,
    /// an int exit code, or a vial::Task of either; it runs to completion (`run_sync`),
    /// with the app's config loaded (`--config`, `VIAL_` variables). An exception is a
    /// message and exit code 1. Throws vial::Error for an empty name, one starting with
    /// '-', or one already taken (by a built-in command: run, routes, db, help).
    template <class F>
    App& cli_command(std::string name, F f, std::string help = {}) {
        add_cli_command(CliCommand{std::move(name), std::move(help), adapt_cli(std::move(f))});
        return *this;
    }
    const std::vector<CliCommand>& cli_commands() const noexcept { return cli_commands_; }

    /// The app's logger, named after the app (Flask's `app.logger`; see log.hpp). In a
    /// view, `app.logger().for_request(req)` adds the request's id to each line.
    const Logger& logger() const noexcept { return logger_; }

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
    void add_cli_command(CliCommand command);

    template <class F>
    static std::function<Task<int>(std::vector<std::string>)> adapt_cli(F f) {
        constexpr bool with_args = std::is_invocable_v<F&, std::vector<std::string>>;
        static_assert(with_args || std::is_invocable_v<F&>,
                      "a cli_command takes std::vector<std::string> (its arguments) or nothing");
        auto call = [](F& fn, std::vector<std::string>& args) -> decltype(auto) {
            if constexpr (with_args) {
                return fn(std::move(args));
            } else {
                return fn();
            }
        };
        using R = decltype(call(std::declval<F&>(), std::declval<std::vector<std::string>&>()));
        static_assert(std::is_void_v<R> || std::is_same_v<R, int> ||
                          std::is_same_v<R, Task<void>> || std::is_same_v<R, Task<int>>,
                      "a cli_command returns void, int, vial::Task<void> or vial::Task<int>");
        return [f = std::move(f), call](std::vector<std::string> args) mutable -> Task<int> {
            if constexpr (std::is_void_v<R>) {
                call(f, args);
                co_return 0;
            } else if constexpr (std::is_same_v<R, int>) {
                co_return call(f, args);
            } else if constexpr (std::is_same_v<R, Task<void>>) {
                co_await call(f, args);
                co_return 0;
            } else {
                co_return co_await call(f, args);
            }
        };
    }

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
    Logger logger_;
    std::vector<ServingHook> before_serving_;
    std::vector<ServingHook> after_serving_;
    std::vector<CliCommand> cli_commands_;
    std::unique_ptr<const detail::Dispatcher> dispatcher_;
};

}  // namespace vial
