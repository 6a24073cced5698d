// One decorator and one middleware wrap a sync view, an async view, a class-based view
// and a blueprint route identically.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include "extension.hpp"

namespace {

class Extensions : public ::testing::TestWithParam<std::pair<const char*, const char*>> {
  protected:
    std::unique_ptr<vial::App> app = make_extension_app();
    vial::TestClient client{*app};
};

TEST_P(Extensions, DecoratorRejectsWithoutTokenAndPassesWithIt) {
    auto [path, body] = GetParam();
    auto rejected = client.get(path);
    EXPECT_EQ(rejected.status(), 401);
    EXPECT_EQ(rejected.text(), "missing or wrong token");

    vial::TestRequest wrong;
    wrong.headers.add("Authorization", "Bearer nope");
    EXPECT_EQ(client.get(path, wrong).status(), 401);

    vial::TestRequest authorized;
    authorized.headers.add("Authorization", "Bearer s3cret");
    auto ok = client.get(path, authorized);
    EXPECT_EQ(ok.status(), 200);
    EXPECT_NE(ok.text().find(body), std::string::npos);
}

TEST_P(Extensions, MiddlewareTimesEveryKindOfView) {
    auto [path, body] = GetParam();
    vial::TestRequest authorized;
    authorized.headers.add("Authorization", "Bearer s3cret");
    auto timed = client.get(path, authorized);
    ASSERT_TRUE(timed.headers().contains("X-Elapsed-Us"));
    EXPECT_GE(std::stol(std::string(*timed.headers().get("X-Elapsed-Us"))), 0);
    // Middleware wraps the decorated view, so the 401 is timed too.
    EXPECT_TRUE(client.get(path).headers().contains("X-Elapsed-Us"));
}

INSTANTIATE_TEST_SUITE_P(EveryViewKind, Extensions,
                         ::testing::Values(std::pair{"/sync", "sync view"},
                                           std::pair{"/async", "async view"},
                                           std::pair{"/note", "class view"},
                                           std::pair{"/admin/panel", "admin panel"}));

TEST(Middleware, OrderIsAppThenBlueprintThenRouteAndMayAnswerItself) {
    vial::App app;
    auto tag = [](std::string name) {
        return [name](vial::RequestContext&, vial::Next next) -> vial::Task<vial::Response> {
            vial::Response r = co_await next();
            r.headers().add("X-Layer", name);  // added on the way out: innermost first
            co_return r;
        };
    };
    app.use(tag("app"));
    vial::Blueprint bp{"bp"};
    bp.use(tag("bp"));
    bp.get("/x", [](vial::Request&) { return "x"; },
           {.middleware = {vial::middleware(tag("route"))}});
    app.register_blueprint(bp);
    app.use([](vial::Request& req, vial::Next next) -> vial::Task<vial::Response> {
        if (req.args().contains("block")) co_return vial::Response(403);
        co_return co_await next();
    });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/x").headers().get_all("X-Layer"),
              (std::vector<std::string_view>{"route", "bp", "app"}));
    EXPECT_EQ(c.get("/x?block=1").status(), 403);
}

}  // namespace
