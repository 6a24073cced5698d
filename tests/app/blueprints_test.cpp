// Blueprints: prefixes, nesting, dotted endpoints, double registration, scoped hooks
// and error handlers, app-wide registration from a blueprint.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

namespace {

std::unique_ptr<vial::App> make_nested_app() {
    auto app = std::make_unique<vial::App>("shop");
    vial::Blueprint users{"users", {.url_prefix = "/users"}};
    users.get("/<int:id>", [](vial::Request& r) { return r.endpoint(); }, {.endpoint = "show"});
    users.after_request([](vial::Response& r) { r.headers().add("X-Scope", "users"); });

    vial::Blueprint api{"api", {.url_prefix = "/api"}};
    api.get("/", [](vial::Request& r) { return r.endpoint(); }, {.endpoint = "index"});
    api.after_request([](vial::Response& r) { r.headers().add("X-Scope", "api"); });
    api.errorhandler(404, [](const vial::HttpError&) {
        return std::pair<std::string, int>{"api 404", 404};
    });
    api.get("/missing", [](vial::Request&) -> std::string { vial::abort(404); });
    api.register_blueprint(users);

    app->after_request([](vial::Response& r) { r.headers().add("X-Scope", "app"); });
    app->get("/", [](vial::Request& r) { return r.endpoint(); });
    app->register_blueprint(api);
    app->register_blueprint(api, {.url_prefix = "/v2", .name = "v2"});
    return app;
}

TEST(Blueprints, PrefixesNestAndEndpointsAreDotted) {
    auto app = make_nested_app();
    vial::TestClient c{*app};
    EXPECT_EQ(c.get("/api/").text(), "api.index");
    EXPECT_EQ(c.get("/api/users/7").text(), "api.users.show");
    EXPECT_EQ(c.get("/v2/users/7").text(), "v2.users.show");
    EXPECT_EQ(c.get("/").text(), "index");
}

TEST(Blueprints, HooksApplyToTheirRoutesInnerFirst) {
    auto app = make_nested_app();
    vial::TestClient c{*app};
    EXPECT_EQ(c.get("/api/users/1").headers().get_all("X-Scope"),
              (std::vector<std::string_view>{"users", "api", "app"}));
    EXPECT_EQ(c.get("/").headers().get_all("X-Scope"), (std::vector<std::string_view>{"app"}));
}

TEST(Blueprints, ErrorHandlersAreScoped) {
    auto app = make_nested_app();
    vial::TestClient c{*app};
    EXPECT_EQ(c.get("/api/missing").text(), "api 404");
    EXPECT_NE(c.get("/nowhere").text(), "api 404");  // unmatched paths use the app's handlers
}

TEST(Blueprints, AppWideRegistrationFromABlueprint) {
    vial::App app;
    vial::Blueprint audit{"audit"};
    audit.before_app_request([](vial::RequestContext& ctx) { ctx.g<std::string>() = "seen"; });
    audit.after_app_request([](vial::RequestContext& ctx, vial::Response& r) {
        r.headers().add("X-Audit", ctx.g<std::string>());
    });
    audit.app_errorhandler(404, [](const vial::HttpError&) {
        return std::pair<std::string, int>{"audit 404", 404};
    });
    app.register_blueprint(audit);
    app.get("/", [](vial::Request&) { return "home"; });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/").headers().get("X-Audit"), "seen");
    EXPECT_EQ(c.get("/missing").text(), "audit 404");
}

TEST(Blueprints, RegistrationRulesAreEnforced) {
    vial::App app;
    vial::Blueprint bp{"bp"};
    bp.get("/x", [](vial::Request&) { return "x"; });
    app.register_blueprint(bp);
    EXPECT_THROW(bp.get("/y", [](vial::Request&) { return "y"; }),
                 vial::Error);                              // already registered
    EXPECT_THROW(app.register_blueprint(bp), vial::Error);  // same name twice
    EXPECT_NO_THROW(app.register_blueprint(bp, {.name = "bp2"}));
    EXPECT_THROW(vial::Blueprint{"a.b"}, vial::Error);
    EXPECT_THROW(app.get("/z", [](vial::Request&) { return "z"; }, {.endpoint = "a.b"}),
                 vial::Error);
}

TEST(Blueprints, BlueprintMayGoOutOfScopeAfterRegistration) {
    vial::App app;
    {
        vial::Blueprint temporary{"tmp", {.url_prefix = "/tmp"}};
        temporary.get("/", [](vial::Request&) { return "still here"; });
        app.register_blueprint(temporary);
    }
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/tmp/").text(), "still here");
}

}  // namespace

namespace {

TEST(Blueprints, AsyncViewsHooksAndHandlersInABlueprint) {
    vial::App app;
    vial::Blueprint bp{"bp", {.url_prefix = "/bp"}};
    bp.before_request([](vial::RequestContext& ctx) -> vial::Task<void> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        ctx.g<int>() = 41;
    });
    bp.get("/answer", [](vial::RequestContext& ctx) -> vial::Task<std::string> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        co_return std::to_string(ctx.g<int>() + 1);
    });
    bp.get("/fail", [](vial::Request&) -> vial::Task<std::string> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        throw std::out_of_range("nope");
    });
    bp.errorhandler<std::out_of_range>(
        [](const std::out_of_range& e) -> vial::Task<std::pair<std::string, int>> {
            co_return std::pair<std::string, int>{std::string("bp handled ") + e.what(), 422};
        });
    app.register_blueprint(bp);
    app.get("/fail", [](vial::Request&) -> std::string { throw std::out_of_range("app"); });
    vial::TestClient c{app, {.propagate_exceptions = false}};
    EXPECT_EQ(c.get("/bp/answer").text(), "42");
    EXPECT_EQ(c.get("/bp/fail").status(), 422);
    EXPECT_EQ(c.get("/bp/fail").text(), "bp handled nope");
    EXPECT_EQ(c.get("/fail").status(), 500);  // the blueprint's handler does not cover app routes
}

// Every registration method returns the App or Blueprint it was called on, so a chain
// goes on with that type's own methods (this test is mostly that it compiles).
TEST(Blueprints, RegistrationChainsKeepTheirType) {
    vial::App app{"chained"};
    vial::Blueprint bp{"bp", {.url_prefix = "/bp"}};
    auto seen = std::make_shared<std::vector<std::string>>();
    bp.use([seen](vial::Request&, vial::Next next) -> vial::Task<vial::Response> {
          seen->push_back("middleware");
          co_return co_await next();
      })
        .get("/", [](vial::Request&) { return "bp"; })
        .before_app_request([seen](vial::Request& r) { seen->push_back("app hook " + r.path()); })
        .errorhandler<std::out_of_range>(
            [](const std::out_of_range&) { return vial::Response("handled", 409); })
        .app_errorhandler(418, [](const vial::HttpError&) { return "teapot"; });
    app.get("/", [](vial::Request&) { return "app"; })
        .cli_command(
            "noop", [] {}, "does nothing")
        .register_blueprint(bp);
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/bp/").text(), "bp");
    EXPECT_EQ(c.get("/").text(), "app");
    EXPECT_EQ(*seen, (std::vector<std::string>{"app hook /bp/", "middleware", "app hook /"}));
    EXPECT_EQ(app.cli_commands().size(), 1u);
}

}  // namespace
