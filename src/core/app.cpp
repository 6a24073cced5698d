#include <vial/app.hpp>
#include <vial/error.hpp>

#include "dispatcher.hpp"

namespace vial {

App::App(std::string name) : Scaffold(std::move(name)) {}
App::~App() = default;

void App::freeze() {
    if (dispatcher_) return;
    dispatcher_ = std::make_unique<const detail::Dispatcher>(*this);
    config_.freeze();
}

const detail::Dispatcher& App::dispatcher() {
    freeze();
    return *dispatcher_;
}

void App::check_setup(std::string_view what) const {
    if (frozen()) {
        throw Error("cannot register " + std::string(what) + " on app '" + name() +
                    "': it is already serving (frozen); register everything before run() or "
                    "TestClient");
    }
}

}  // namespace vial
