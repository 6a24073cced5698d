#pragma once
/// vial::RequestContext: the state of one request in flight, handed to views and hooks
/// that ask for it instead of `Request&`.
///
/// There is no thread-local "current request" in vial: a coroutine may resume on
/// another thread, so the context is passed explicitly. Lifetime: one request; it stays
/// valid across every `co_await` of the view and hooks of that request.
#include <vial/log.hpp>
#include <vial/request.hpp>
#include <vial/response.hpp>
#include <vial/session.hpp>
#include <vial/spawn.hpp>
#include <vial/task.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <utility>
#include <vector>

namespace vial {

class App;
class RequestContext;

/// The adapted forms every hook is stored as (see hooks.hpp for what you may register).
using BeforeRequestHook = std::function<Task<std::optional<Response>>(RequestContext&)>;
using AfterRequestHook = std::function<Task<Response>(RequestContext&, Response)>;
using TeardownHook = std::function<Task<void>(RequestContext&, std::exception_ptr)>;
using ErrorHandler = std::function<Task<Response>(RequestContext&, std::exception_ptr)>;

/// One `url_for` parameter: `{"id", 7}`, `{"q", "text"}`.
struct UrlParam {
    UrlParam(std::string n, std::string v) : name(std::move(n)), value(std::move(v)) {}
    UrlParam(std::string n, const char* v) : name(std::move(n)), value(v) {}
    template <class I>
    requires std::is_integral_v<I> UrlParam(std::string n, I v)
        : name(std::move(n)), value(std::to_string(v)) {}
    UrlParam(std::string n, double v);

    std::string name;
    std::string value;
};

struct UrlForOptions {
    /// "http://host/path" instead of "/path"; the host is the request's Host header
    /// (from a RequestContext) or `host`.
    bool external = false;
    std::string anchor{};
    /// Pick the rule of `endpoint` that accepts this method.
    std::string method{};
    std::string host{};
    std::string scheme = "http";
};

namespace detail {
template <class F>
AfterRequestHook adapt_after_request(F f);
struct ContextAccess;
}  // namespace detail

class RequestContext {
  public:
    RequestContext(const App& app, Request& request) : app_(app), request_(request) {}
    RequestContext(const RequestContext&) = delete;
    RequestContext& operator=(const RequestContext&) = delete;

    Request& request() noexcept { return request_; }
    const App& app() const noexcept { return app_; }
    /// The app's logger for this request: each line carries the request's id.
    Logger logger() const;
    /// Dotted name of the blueprint whose route matched ("api.users"); empty for app routes.
    const std::string& blueprint() const noexcept { return *blueprint_; }

    /// Per-request storage by type, as Flask's `g`: `ctx.g<User>()` default-constructs a
    /// User on first use and returns the same object for the rest of the request.
    template <class T>
    T& g() {
        if (T* found = find_g<T>()) return *found;
        auto value = std::make_shared<T>();
        T& ref = *value;
        extras().g.emplace_back(std::type_index(typeid(T)), std::move(value));
        return ref;
    }
    /// The stored T, or null if none was stored in this request.
    template <class T>
    T* find_g() noexcept {
        if (!extras_) return nullptr;
        for (auto& [type, value] : extras_->g) {
            if (type == std::type_index(typeid(T))) return static_cast<T*>(value.get());
        }
        return nullptr;
    }

    /// Runs `f` on this request's response before the after_request hooks (Flask's
    /// `after_this_request`). Same forms as after_request.
    template <class F>
    void after_this_request(F f) {
        extras().after_this_request.push_back(detail::adapt_after_request(std::move(f)));
    }

    /// URL of `endpoint` built with `params` (see App::url_for). A leading dot
    /// (".show") names an endpoint of the current blueprint; `external` uses the
    /// request's Host header.
    std::string url_for(std::string_view endpoint, const std::vector<UrlParam>& params = {},
                        UrlForOptions options = {}) const;

    /// `co_await ctx.spawn(task, name)`: vial::spawn, from a view that has the context.
    /// The task outlives the request: give it copies, not references into the request.
    Task<void> spawn(Task<void> task, std::string name = "background task") {
        return vial::spawn(std::move(task), std::move(name));
    }

    /// The signed-cookie session (session.hpp), loaded on first use. Throws vial::Error
    /// when the app has no SECRET_KEY.
    Session& session();

  private:
    friend struct detail::ContextAccess;  // the dispatcher's side (src/core)

    // Whether a view or hook touched the session.
    bool session_loaded() const noexcept { return session_ != nullptr; }
    // Adds the session cookie to `response` if the session changed.
    void save_session(Response& response) const;

    static const std::string& no_blueprint() noexcept {
        static const std::string none;
        return none;
    }

    const App& app_;
    Request& request_;
    // The matched route's (the app's compiled routes outlive every request).
    const std::string* blueprint_ = &no_blueprint();
    // What few requests use, allocated on first use (a request waiting on its view keeps a
    // pointer, not two empty vectors).
    struct Extras {
        std::vector<std::pair<std::type_index, std::shared_ptr<void>>> g;
        std::vector<AfterRequestHook> after_this_request;
    };
    Extras& extras() {
        if (!extras_) extras_ = std::make_unique<Extras>();
        return *extras_;
    }
    std::unique_ptr<Extras> extras_;
    std::unique_ptr<Session> session_;
};

}  // namespace vial

#include <vial/hooks.hpp>
