#include <vial/app.hpp>
#include <vial/error.hpp>

#include "dispatcher.hpp"

namespace vial {

App::App(std::string name) : Scaffold(std::move(name)), logger_(this->name()) {}
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

void App::add_cli_command(CliCommand command) {
    const std::string& name = command.name;
    if (name.empty() || name.front() == '-' || name.find_first_of(" \t\n") != std::string::npos)
        throw Error("cli_command: '" + name +
                    "' is not a command name (no spaces, no leading '-')");
    for (const char* builtin : {"run", "routes", "db", "help"}) {
        if (name == builtin)
            throw Error("cli_command: '" + name + "' is a built-in command of vial::cli::main");
    }
    for (const auto& existing : cli_commands_) {
        if (existing.name == name)
            throw Error("cli_command: '" + name + "' is already registered on app '" +
                        this->name() + "'");
    }
    cli_commands_.push_back(std::move(command));
}

}  // namespace vial

namespace vial {

Logger RequestContext::logger() const {
    return app_.logger().for_request(request_);
}

}  // namespace vial
