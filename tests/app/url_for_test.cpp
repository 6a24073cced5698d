// url_for: converters, query strings, anchors, external URLs, blueprint-relative names.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

namespace {

std::unique_ptr<vial::App> make_url_app() {
    auto app = std::make_unique<vial::App>();
    app->get("/items/<int:id>", [](vial::Request&) { return ""; }, {.endpoint = "item"});
    app->get("/files/<path:p>", [](vial::Request&) { return ""; }, {.endpoint = "file"});
    app->get("/", [](vial::Request&) { return ""; });
    vial::Blueprint api{"api", {.url_prefix = "/api"}};
    api.get("/things/<name>", [](vial::Request&) { return ""; }, {.endpoint = "thing"});
    api.get("/link", [](vial::RequestContext& ctx) {
        return ctx.url_for(".thing", {{"name", "a b"}}) + " " +
               ctx.url_for("item", {{"id", 3}}, {.external = true});
    });
    app->register_blueprint(api);
    app->freeze();
    return app;
}

TEST(UrlFor, BuildsPathsWithConvertersAndQuery) {
    auto app = make_url_app();
    EXPECT_EQ(app->url_for("item", {{"id", 42}}), "/items/42");
    EXPECT_EQ(app->url_for("item", {{"id", 42}, {"sort", "a&b"}, {"page", 2}}),
              "/items/42?sort=a%26b&page=2");
    EXPECT_EQ(app->url_for("file", {{"p", "a/b c.txt"}}), "/files/a/b%20c.txt");
    EXPECT_EQ(app->url_for("api.thing", {{"name", "a%b"}}), "/api/things/a%25b");
    EXPECT_EQ(app->url_for("index", {}, {.anchor = "top"}), "/#top");
    EXPECT_EQ(app->url_for("api.thing", {{"name", "x"}}, {.external = true, .host = "example.com"}),
              "http://example.com/api/things/x");
}

TEST(UrlFor, PercentSignsInValuesRouteBackUnchanged) {
    vial::App app;
    app.get("/things/<name>", [](vial::Request& req) { return req.view_arg("name"); },
            {.endpoint = "thing"});
    vial::TestClient client(app);
    for (std::string value : {"100%", "a%2Fb", "x y", "%25"}) {
        std::string url = app.url_for("thing", {{"name", value}});
        auto r = client.get(url);
        EXPECT_EQ(r.status(), 200) << url;
        EXPECT_EQ(r.text(), value) << url;
    }
}

// Static parts of a rule are matched against the decoded path: url_for escapes what a
// URL cannot carry as is ('%', spaces, '?', '#', non-ASCII) and keeps the path's legal
// punctuation readable (found by fuzz_route: the rule "/%" built "/%", a 400).
TEST(UrlFor, StaticPartsOfARuleAreEscapedOnlyWhereNeeded) {
    vial::App app;
    app.get("/100%/a b/<name>", [](vial::Request& req) { return req.view_arg("name"); },
            {.endpoint = "odd"});
    app.get("/q?/h#/caf\xc3\xa9", [](vial::Request&) { return "odder"; }, {.endpoint = "odder"});
    app.get("/a:b@c/(1)+x", [](vial::Request&) { return "plain"; }, {.endpoint = "plain"});
    vial::TestClient client(app);
    EXPECT_EQ(app.url_for("odd", {{"name", "n"}}), "/100%25/a%20b/n");
    EXPECT_EQ(client.get(app.url_for("odd", {{"name", "n"}})).text(), "n");
    EXPECT_EQ(app.url_for("odder"), "/q%3F/h%23/caf%C3%A9");
    EXPECT_EQ(client.get(app.url_for("odder")).text(), "odder");
    EXPECT_EQ(app.url_for("plain"), "/a:b@c/(1)+x");
    EXPECT_EQ(client.get(app.url_for("plain")).text(), "plain");
}

TEST(UrlFor, ErrorsNameWhatIsWrong) {
    auto app = make_url_app();
    auto message = [&](auto f) {
        try {
            f();
        } catch (const vial::Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message([&] { app->url_for("nope"); }).find("unknown endpoint 'nope'"),
              std::string::npos);
    EXPECT_NE(message([&] { app->url_for("item"); }).find("missing parameter 'id'"),
              std::string::npos);
    EXPECT_NE(message([&] {
                  app->url_for("item", {{"id", "abc"}});
              }).find("is not a valid int"),
              std::string::npos);
    vial::App unfrozen;
    EXPECT_NE(message([&] { unfrozen.url_for("x"); }).find("frozen"), std::string::npos);
}

TEST(UrlFor, FromAViewRelativeToItsBlueprintAndExternalFromHost) {
    auto app = make_url_app();
    vial::TestClient c{*app};
    vial::TestRequest req;
    req.headers.add("Host", "shop.test");
    EXPECT_EQ(c.get("/api/link", req).text(), "/api/things/a%20b http://shop.test/items/3");
}

TEST(UrlFor, RoundTripsThroughTheRouter) {
    auto app = make_url_app();
    vial::App& a = *app;
    vial::TestClient c{a};
    EXPECT_EQ(c.get(a.url_for("file", {{"p", "dir/x y.txt"}})).status(), 200);
}

}  // namespace
