#pragma once
/// vial::Blueprint: a group of routes, hooks and error handlers registered on an app
/// (or on another blueprint) under a name and a URL prefix.
///
/// Endpoints are dotted: route endpoint "show" in blueprint "users" nested in "api" is
/// "api.users.show". Registration snapshots what the blueprint recorded; registering
/// on it afterwards throws vial::Error, as Flask.
#include <vial/fluent_scaffold.hpp>
#include <vial/scaffold.hpp>

namespace vial {

class Blueprint : public Scaffold, public detail::FluentScaffold<Blueprint> {
  public:
    // Scaffold's registration methods, returning Blueprint& (fluent_scaffold.hpp).
    using detail::FluentScaffold<Blueprint>::route;
    using detail::FluentScaffold<Blueprint>::get;
    using detail::FluentScaffold<Blueprint>::post;
    using detail::FluentScaffold<Blueprint>::put;
    using detail::FluentScaffold<Blueprint>::patch;
    using detail::FluentScaffold<Blueprint>::delete_;
    using detail::FluentScaffold<Blueprint>::websocket;
    using detail::FluentScaffold<Blueprint>::add_url_rule;
    using detail::FluentScaffold<Blueprint>::use;
    using detail::FluentScaffold<Blueprint>::before_request;
    using detail::FluentScaffold<Blueprint>::after_request;
    using detail::FluentScaffold<Blueprint>::teardown_request;
    using detail::FluentScaffold<Blueprint>::before_websocket;
    using detail::FluentScaffold<Blueprint>::after_websocket;
    using detail::FluentScaffold<Blueprint>::teardown_websocket;
    using detail::FluentScaffold<Blueprint>::errorhandler;

    /// `name` must not contain a dot.
    explicit Blueprint(std::string name, BlueprintOptions options = {});
    ~Blueprint() override;

    const std::string& url_prefix() const noexcept { return options_.url_prefix; }

    /// App-wide hooks and handlers, registered from the blueprint.
    template <class F>
    Blueprint& before_app_request(F f) {
        check_setup("before_app_request");
        records_.app_before.push_back(detail::adapt_before_request(std::move(f)));
        return *this;
    }
    template <class F>
    Blueprint& after_app_request(F f) {
        check_setup("after_app_request");
        records_.app_after.push_back(detail::adapt_after_request(std::move(f)));
        return *this;
    }
    template <class F>
    Blueprint& teardown_app_request(F f) {
        check_setup("teardown_app_request");
        records_.app_teardown.push_back(detail::adapt_teardown(std::move(f)));
        return *this;
    }
    template <class F>
    Blueprint& before_app_websocket(F f) {
        check_setup("before_app_websocket");
        records_.app_ws_before.push_back(detail::adapt_before_request(std::move(f)));
        return *this;
    }
    template <class F>
    Blueprint& after_app_websocket(F f) {
        check_setup("after_app_websocket");
        records_.app_ws_after.push_back(detail::adapt_after_request(std::move(f)));
        return *this;
    }
    template <class F>
    Blueprint& teardown_app_websocket(F f) {
        check_setup("teardown_app_websocket");
        records_.app_ws_teardown.push_back(detail::adapt_teardown(std::move(f)));
        return *this;
    }
    template <class F>
    Blueprint& app_errorhandler(int status, F f) {
        check_setup("app_errorhandler");
        records_.app_errors.push_back(status_handler(status, std::move(f)));
        return *this;
    }
    template <class E, class F>
    Blueprint& app_errorhandler(F f) {
        check_setup("app_errorhandler");
        records_.app_errors.push_back(type_handler<E>(std::move(f)));
        return *this;
    }

  protected:
    void check_setup(std::string_view what) const override;

  private:
    friend class Scaffold;
    BlueprintOptions options_;
    bool registered_ = false;
};

}  // namespace vial
