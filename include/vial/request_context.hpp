#pragma once
/// vial::RequestContext: the state of one request in flight, handed to views and hooks
/// that ask for it instead of `Request&`.
///
/// There is no thread-local "current request" in vial: a coroutine may resume on
/// another thread, so the context is passed explicitly. Lifetime: one request.
#include <vial/request.hpp>

namespace vial {

class App;

class RequestContext {
  public:
    RequestContext(const App& app, Request& request) : app_(app), request_(request) {}

    Request& request() noexcept { return request_; }
    const App& app() const noexcept { return app_; }

  private:
    const App& app_;
    Request& request_;
};

}  // namespace vial
