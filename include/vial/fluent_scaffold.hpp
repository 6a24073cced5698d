#pragma once
/// detail::FluentScaffold<Derived>: Scaffold's registration methods again, returning the
/// App or Blueprint they were called on, so a chain can go on with that type's own
/// methods: `bp.use(timing).get("/", view).before_app_request(hook)`.
///
/// App and Blueprint each derive from Scaffold (the records) and from this stateless
/// mixin, and name its methods with using-declarations, which hide Scaffold's. C++20
/// has no deducing `this`; this is its stand-in.
#include <vial/scaffold.hpp>

#include <string>
#include <utility>

namespace vial::detail {

template <class Derived>
class FluentScaffold {
  public:
    template <class F>
    Derived& route(std::string rule, F view, RouteOptions options = {}) {
        base().route(std::move(rule), std::move(view), std::move(options));
        return self();
    }
    template <class F>
    Derived& get(std::string rule, F view, RouteOptions options = {}) {
        base().get(std::move(rule), std::move(view), std::move(options));
        return self();
    }
    template <class F>
    Derived& post(std::string rule, F view, RouteOptions options = {}) {
        base().post(std::move(rule), std::move(view), std::move(options));
        return self();
    }
    template <class F>
    Derived& put(std::string rule, F view, RouteOptions options = {}) {
        base().put(std::move(rule), std::move(view), std::move(options));
        return self();
    }
    template <class F>
    Derived& patch(std::string rule, F view, RouteOptions options = {}) {
        base().patch(std::move(rule), std::move(view), std::move(options));
        return self();
    }
    template <class F>
    Derived& delete_(std::string rule, F view, RouteOptions options = {}) {
        base().delete_(std::move(rule), std::move(view), std::move(options));
        return self();
    }
    template <class F>
    Derived& websocket(std::string rule, F view, RouteOptions options = {}) {
        base().websocket(std::move(rule), std::move(view), std::move(options));
        return self();
    }
    void add_url_rule(std::string rule, RouteOptions options, Handler view) {
        base().add_url_rule(std::move(rule), std::move(options), std::move(view));
    }
    Derived& add_url_rule(std::string rule, ClassView view, RouteOptions options = {}) {
        base().add_url_rule(std::move(rule), std::move(view), std::move(options));
        return self();
    }
    template <class F>
    Derived& use(F f) {
        base().use(std::move(f));
        return self();
    }
    template <class F>
    Derived& before_request(F f) {
        base().before_request(std::move(f));
        return self();
    }
    template <class F>
    Derived& after_request(F f) {
        base().after_request(std::move(f));
        return self();
    }
    template <class F>
    Derived& teardown_request(F f) {
        base().teardown_request(std::move(f));
        return self();
    }
    template <class F>
    Derived& before_websocket(F f) {
        base().before_websocket(std::move(f));
        return self();
    }
    template <class F>
    Derived& after_websocket(F f) {
        base().after_websocket(std::move(f));
        return self();
    }
    template <class F>
    Derived& teardown_websocket(F f) {
        base().teardown_websocket(std::move(f));
        return self();
    }
    template <class F>
    Derived& errorhandler(int status, F f) {
        base().errorhandler(status, std::move(f));
        return self();
    }
    template <class E, class F>
    Derived& errorhandler(F f) {
        base().template errorhandler<E>(std::move(f));
        return self();
    }

  private:
    Derived& self() { return static_cast<Derived&>(*this); }
    Scaffold& base() { return static_cast<Scaffold&>(self()); }
};

}  // namespace vial::detail
