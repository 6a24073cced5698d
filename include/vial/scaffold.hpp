#pragma once
/// vial::Scaffold: what App and Blueprint share. It only *records* routes; nothing is
/// compiled until the app freezes (Flask's sansio/scaffold.py).
#include <vial/handler.hpp>

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
};

/// One recorded route, before compilation.
struct RouteRecord {
    std::string rule;
    std::string endpoint;
    std::vector<std::string> methods{};
    Handler view;
};

class Scaffold {
  public:
    explicit Scaffold(std::string name);
    virtual ~Scaffold() = default;
    Scaffold(const Scaffold&) = delete;
    Scaffold& operator=(const Scaffold&) = delete;

    const std::string& name() const noexcept { return name_; }

    /// Registers `view` for `rule`. The rule is checked now: a malformed rule throws
    /// vial::Error naming the problem.
    template <class F>
    Scaffold& route(std::string rule, F view, RouteOptions options = {}) {
        add_url_rule(std::move(rule), std::move(options), ensure_async(std::move(view)));
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

    /// Registers an already adapted handler (what `route` does after `ensure_async`).
    void add_url_rule(std::string rule, RouteOptions options, Handler view);

    const std::vector<RouteRecord>& routes() const noexcept { return routes_; }

  protected:
    /// Throws vial::Error when registration is no longer allowed.
    virtual void check_setup(std::string_view what) const;

  private:
    static RouteOptions with_method(RouteOptions options, const char* method);

    std::string name_;
    std::vector<RouteRecord> routes_;
};

}  // namespace vial
