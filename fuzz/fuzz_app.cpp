#include "fuzz_app.hpp"

namespace vial::fuzz {

namespace {

// Reads everything; a bad body is the client's 4xx, which the view lets through.
Json inspect(RequestContext& ctx) {
    Request& req = ctx.request();
    JsonObject out;
    out["path"] = req.path();
    out["args"] = req.args().size();
    out["cookies"] = req.cookies().size();
    out["headers"] = req.headers().size();
    out["mimetype"] = req.mimetype();
    out["form"] = req.form().size();
    out["session"] = ctx.session().contains("user");
    if (req.is_json()) out["json"] = req.json();
    for (const auto& [name, value] : req.view_args()) out[name] = value;
    return out;
}

}  // namespace

App& fuzz_app() {
    static App* app = [] {
        auto* a = new App("fuzz");
        a->config().set("SECRET_KEY", std::string("fuzzing secret"));
        auto view = [](RequestContext& ctx) { return inspect(ctx); };
        RouteOptions any{.methods = {"GET", "POST", "PUT", "PATCH", "DELETE"}};
        a->route("/", view, any);
        a->route("/<path:rest>", view, any);
        a->route("/items/<int:id>", view, any);
        a->route("/prices/<float:amount>", view, any);
        a->route("/users/<uuid:uid>/", view, any);
        a->route("/hello/<name>", view, any);
        a->get("/login", [](RequestContext& ctx) {
            ctx.session().set("user", ctx.request().args().get<std::string>("u", "x"));
            return "ok";
        });
        a->freeze();
        return a;
    }();
    return *app;
}

}  // namespace vial::fuzz
