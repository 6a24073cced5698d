#include "extension.hpp"

#include <chrono>

namespace ext {

vial::Middleware timing() {
    return vial::middleware([](vial::Request&, vial::Next next) -> vial::Task<vial::Response> {
        auto started = std::chrono::steady_clock::now();
        vial::Response response = co_await next();
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - started);
        response.headers().set("X-Elapsed-Us", std::to_string(us.count()));
        co_return response;
    });
}

}  // namespace ext

namespace {

struct Note {
    vial::Json get(vial::Request&) { return vial::Json{{"note", "class view"}}; }
};

}  // namespace

std::unique_ptr<vial::App> make_extension_app() {
    auto app = std::make_unique<vial::App>("extension");
    app->get("/sync", ext::require_token("s3cret", [](vial::Request&) { return "sync view"; }),
             {.middleware = {ext::timing()}});
    app->get("/async",
             ext::require_token("s3cret",
                                [](vial::Request&) -> vial::Task<std::string> {
                                    co_await vial::sleep(std::chrono::milliseconds(2));
                                    co_return "async view";
                                }),
             {.middleware = {ext::timing()}});
    app->add_url_rule("/note", ext::require_token("s3cret", vial::as_view<Note>("note")),
                      {.middleware = {ext::timing()}});

    vial::Blueprint admin{"admin", {.url_prefix = "/admin"}};
    admin.use(ext::timing());
    admin.get("/panel", ext::require_token("s3cret", [](vial::Request&) { return "admin panel"; }));
    app->register_blueprint(admin);
    return app;
}
