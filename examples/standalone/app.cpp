// A user's whole app: `./app run` serves it, `./app routes` lists it, `./app --help`.
#include <vial/vial.hpp>

#include <chrono>

int main(int argc, char** argv) {
    vial::App app("standalone");

    app.get("/", [](vial::Request&) { return "Hello, World!"; });

    app.get("/hello/<name>", [](vial::Request& req) {
        return vial::Json{{"hello", req.view_arg("name")}};
    });

    // A coroutine view: awaits without holding the event loop.
    app.get("/later", [](vial::Request&) -> vial::Task<vial::Json> {
        co_await vial::sleep(std::chrono::milliseconds(10));
        co_return vial::Json{{"message", "Hello, later!"}, {"version", vial::kVersion}};
    });

    return vial::cli::main(app, argc, argv);
}
