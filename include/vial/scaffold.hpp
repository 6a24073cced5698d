#pragma once
/// vial::Scaffold: what App and Blueprint share. It only *records* routes, hooks, error
/// handlers and blueprint registrations; nothing is compiled until the app freezes
/// (Flask's sansio/scaffold.py).
#include <vial/class_view.hpp>
#include <vial/error.hpp>
#include <vial/handler.hpp>
#include <vial/hooks.hpp>
#include <vial/middleware.hpp>
#include <vial/websocket.hpp>

#include <chrono>
#include <memory>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vial {

/// Options of one route registration.
struct RouteOptions {
    /// Methods the view answers; empty means {"GET"}. HEAD follows GET and OPTIONS is
    /// answered automatically unless listed.
    std::vector<std::string> methods{};
    /// The name `url_for` and `routes` use; derived from the rule when empty
    /// ("/items/<int:id>" -> "items_id", "/" -> "index").
    std::string endpoint{};
    /// Middleware around this route's view only (innermost).
    std::vector<Middleware> middleware{};
    /// Cancels the view after this long and answers 503 (an HttpError, so an
    /// errorhandler(503) can reword it). Zero: the app's VIEW_TIMEOUT_MS, if any.
    std::chrono::milliseconds timeout{0};
    /// The view reads the body as it arrives (`req.body_stream()`, vial/body_stream.hpp)
    /// instead of the server buffering it first.
    bool stream_body = false;
    /// Largest body of this route; 0: MAX_CONTENT_LENGTH. Streaming routes only (a
    /// buffered body is held in memory whole, so the server-wide limit applies).
    std::size_t max_body_bytes = 0;
};

/// One recorded route, before compilation.
struct RouteRecord {
    std::string rule;
    std::string endpoint;
    std::vector<std::string> methods{};
    Handler view;
    std::vector<Middleware> middleware{};
    std::chrono::milliseconds timeout{0};
    bool stream_body = false;
    std::size_t max_body_bytes = 0;
    /// A WebSocket route: its view was adapted from a WebSocketView, and the
    /// *_websocket hooks apply instead of the *_request ones.
    bool websocket = false;
    /// The view as the server may await it without adapting its result (handler.hpp).
    detail::DirectView direct{};
};

/// Options of a blueprint, at construction or at registration.
struct BlueprintOptions {
    /// Prefix of every rule of the blueprint ("/api").
    std::string url_prefix{};
    /// At registration: the name to register under (to register one blueprint twice).
    std::string name{};
};

/// One recorded error handler: by status (status != 0) or by exception type.
struct ErrorHandlerRecord {
    int status = 0;
    /// For type handlers: does this exception match?
    std::function<bool(const std::exception_ptr&)> matches{};
    ErrorHandler handle{};
};

struct ScaffoldRecords;

struct BlueprintRegistration {
    std::string name;
    std::string url_prefix;
    std::shared_ptr<const ScaffoldRecords> records;
};

/// Everything a Scaffold recorded; copied (snapshotted) when a blueprint is registered.
struct ScaffoldRecords {
    std::vector<RouteRecord> routes;
    std::vector<BeforeRequestHook> before;
    std::vector<AfterRequestHook> after;
    std::vector<TeardownHook> teardown;
    std::vector<ErrorHandlerRecord> errors;
    // App-wide hooks recorded by a blueprint (before_app_request, ...).
    std::vector<BeforeRequestHook> app_before;
    std::vector<AfterRequestHook> app_after;
    std::vector<TeardownHook> app_teardown;
    std::vector<ErrorHandlerRecord> app_errors;
    // The same for WebSocket routes (Quart's before_websocket & co.).
    std::vector<BeforeRequestHook> ws_before;
    std::vector<AfterRequestHook> ws_after;
    std::vector<TeardownHook> ws_teardown;
    std::vector<BeforeRequestHook> app_ws_before;
    std::vector<AfterRequestHook> app_ws_after;
    std::vector<TeardownHook> app_ws_teardown;
    std::vector<BlueprintRegistration> blueprints;
    std::vector<Middleware> middleware;
};

class Blueprint;

class Scaffold {
  public:
    explicit Scaffold(std::string name);
    // Out of line: the registries are large, and an inline destructor is compiled into
    // every file that creates an app or a blueprint.
    virtual ~Scaffold();
    Scaffold(const Scaffold&) = delete;
    Scaffold& operator=(const Scaffold&) = delete;

    const std::string& name() const noexcept { return name_; }

    /// Registers `view` for `rule`. The rule is checked now: a malformed rule throws
    /// vial::Error naming the problem.
    template <class F>
    Scaffold& route(std::string rule, F view, RouteOptions options = {}) {
        auto [handler, direct] = detail::adapt_view(std::move(view));
        add_url_rule(std::move(rule), std::move(options), std::move(handler));
        records_.routes.back().direct = std::move(direct);
        return *this;
    }
    template <class F>
    Scaffold& get(std::string rule, F view, RouteOptions options = {}) {
        return route(std::move(rule), std::move(view), with_method(std::move(options), "GET"));
    }
    template <class F>
    Scaffold& post(std::string rule, F view, RouteOptions options = {}) {
        return route(std::move(rule), std::move(view), with_method(std::move(options), "POST"));
    }
    template <class F>
    Scaffold& put(std::string rule, F view, RouteOptions options = {}) {
        return route(std::move(rule), std::move(view), with_method(std::move(options), "PUT"));
    }
    template <class F>
    Scaffold& patch(std::string rule, F view, RouteOptions options = {}) {
        return route(std::move(rule), std::move(view), with_method(std::move(options), "PATCH"));
    }
    /// `delete` is a C++ keyword, hence the underscore.
    template <class F>
    Scaffold& delete_(std::string rule, F view, RouteOptions options = {}) {
        return route(std::move(rule), std::move(view), with_method(std::move(options), "DELETE"));
    }

    /// Registers a WebSocket view: a callable taking `vial::WebSocket&` and returning
    /// `vial::Task<void>` (see websocket.hpp). It answers GET upgrade requests; a plain
    /// HTTP request to its rule gets 426. No VIEW_TIMEOUT_MS applies (a socket lives
    /// long), only `options.timeout` when set.
    template <class F>
    Scaffold& websocket(std::string rule, F view, RouteOptions options = {}) {
        static_assert(std::is_invocable_r_v<Task<void>, F&, WebSocket&>,
                      "a WebSocket view must be callable with vial::WebSocket& and return "
                      "vial::Task<void>");
        add_websocket_rule(std::move(rule), std::move(options), WebSocketView(std::move(view)));
        return *this;
    }
    void add_websocket_rule(std::string rule, RouteOptions options, WebSocketView view);

    /// Registers an already adapted handler (what `route` does after `ensure_async`).
    void add_url_rule(std::string rule, RouteOptions options, Handler view);
    /// Registers a class-based view (`vial::as_view<T>(endpoint, args...)`); its methods
    /// and endpoint apply unless `options` names others.
    Scaffold& add_url_rule(std::string rule, ClassView view, RouteOptions options = {});

    /// Adds middleware around every view of this scaffold (see middleware.hpp).
    template <class F>
    Scaffold& use(F f) {
        check_setup("middleware");
        records_.middleware.push_back(vial::middleware(std::move(f)));
        return *this;
    }

    /// Runs before every request this scaffold's routes get (an App's: every request).
    /// A returned value becomes the response and the view is skipped.
    template <class F>
    Scaffold& before_request(F f) {
        check_setup("before_request");
        records_.before.push_back(detail::adapt_before_request(std::move(f)));
        return *this;
    }
    /// Runs on the response, in reverse registration order.
    template <class F>
    Scaffold& after_request(F f) {
        check_setup("after_request");
        records_.after.push_back(detail::adapt_after_request(std::move(f)));
        return *this;
    }
    /// Runs once the response is final, even when the view or a hook threw; its
    /// argument is that exception or null. An exception inside one is logged and the
    /// others still run.
    template <class F>
    Scaffold& teardown_request(F f) {
        check_setup("teardown_request");
        records_.teardown.push_back(detail::adapt_teardown(std::move(f)));
        return *this;
    }
    /// The *_websocket hooks: as before_request, after_request and teardown_request, for
    /// the upgrade requests of WebSocket routes (which the *_request hooks do not see).
    /// before_websocket may refuse the upgrade by returning a Response; after_websocket
    /// gets status 101 once the socket was accepted, else the refusal.
    template <class F>
    Scaffold& before_websocket(F f) {
        check_setup("before_websocket");
        records_.ws_before.push_back(detail::adapt_before_request(std::move(f)));
        return *this;
    }
    template <class F>
    Scaffold& after_websocket(F f) {
        check_setup("after_websocket");
        records_.ws_after.push_back(detail::adapt_after_request(std::move(f)));
        return *this;
    }
    template <class F>
    Scaffold& teardown_websocket(F f) {
        check_setup("teardown_websocket");
        records_.ws_teardown.push_back(detail::adapt_teardown(std::move(f)));
        return *this;
    }
    /// Handles `abort(status)`, routing errors (404, 405) and, for 500, any unhandled
    /// exception. The handler takes `const vial::HttpError&`.
    template <class F>
    Scaffold& errorhandler(int status, F f) {
        check_setup("errorhandler");
        records_.errors.push_back(status_handler(status, std::move(f)));
        return *this;
    }
    /// Handles exceptions of type E (and types derived from it). Handlers are tried
    /// blueprint before app, status before type, then in registration order: register
    /// the specific type before the general one.
    template <class E, class F>
    Scaffold& errorhandler(F f) {
        check_setup("errorhandler");
        records_.errors.push_back(type_handler<E>(std::move(f)));
        return *this;
    }

    /// Records `blueprint` (a snapshot of what it recorded so far; it accepts no more
    /// registrations afterwards). `options.url_prefix` overrides the blueprint's prefix
    /// and `options.name` its name, so one blueprint can be registered twice.
    void register_blueprint(Blueprint& blueprint, BlueprintOptions options = {});

    const std::vector<RouteRecord>& routes() const noexcept { return records_.routes; }
    const ScaffoldRecords& records() const noexcept { return records_; }

  protected:
    /// Throws vial::Error when registration is no longer allowed.
    virtual void check_setup(std::string_view what) const;

    template <class F>
    static ErrorHandlerRecord status_handler(int status, F f) {
        if (status < 400 || status > 599) {
            throw Error("errorhandler: status must be 4xx or 5xx, got " + std::to_string(status));
        }
        return ErrorHandlerRecord{status, {}, detail::adapt_error_handler<HttpError>(std::move(f))};
    }
    template <class E, class F>
    static ErrorHandlerRecord type_handler(F f) {
        auto matches = [](const std::exception_ptr& e) {
            return detail::exception_as<E>(e) != nullptr;
        };
        return ErrorHandlerRecord{0, matches, detail::adapt_error_handler<E>(std::move(f))};
    }

    ScaffoldRecords records_;

  private:
    static RouteOptions with_method(RouteOptions options, const char* method);

    std::string name_;
};

}  // namespace vial
