#include "hello.hpp"

#include <vial/vial.hpp>

#include <chrono>

std::unique_ptr<vial::App> make_hello_app() {
    auto app = std::make_unique<vial::App>("hello");

    // A sync view runs inline on the event loop.
    app->get("/", [](vial::Request&) { return "Hello, World!"; });

    // An async view can await without blocking the loop.
    app->get("/later", [](vial::Request&) -> vial::Task<vial::Json> {
        co_await vial::sleep(std::chrono::milliseconds(10));
        co_return vial::Json{{"message", "Hello, later!"}};
    });
    return app;
}
