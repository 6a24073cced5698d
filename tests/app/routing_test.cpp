// Routing as a Flask user relies on it, through TestClient.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

namespace {

TEST(Routing, ConvertersGiveTypedViewArgs) {
    vial::App app;
    app.get("/i/<int:id>",
            [](vial::Request& r) { return std::to_string(r.view_arg<int>("id") * 2); });
    app.get("/f/<float:x>",
            [](vial::Request& r) { return std::to_string(r.view_arg<double>("x") > 1.0); });
    app.get("/p/<path:rest>", [](vial::Request& r) { return r.view_arg("rest"); });
    app.get("/u/<uuid:u>", [](vial::Request& r) { return r.view_arg("u"); });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/i/21").text(), "42");
    EXPECT_EQ(c.get("/f/1.5").text(), "1");
    EXPECT_EQ(c.get("/f/15").status(), 404);
    EXPECT_EQ(c.get("/p/a/b/c.txt").text(), "a/b/c.txt");
    EXPECT_EQ(c.get("/u/123e4567-e89b-12d3-a456-426614174000").status(), 200);
    EXPECT_EQ(c.get("/u/nope").status(), 404);
}

TEST(Routing, MethodsHeadOptionsAnd405) {
    vial::App app;
    app.get("/r", [](vial::Request&) { return "got"; });
    app.post("/r", [](vial::Request&) { return std::pair<std::string, int>{"made", 201}; });
    app.route("/multi", [](vial::Request& r) { return r.method(); }, {.methods = {"put", "PATCH"}});
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/r").text(), "got");
    EXPECT_EQ(c.post("/r").status(), 201);
    auto head = c.head("/r");
    EXPECT_EQ(head.status(), 200);
    EXPECT_EQ(head.text(), "");
    EXPECT_EQ(head.headers().get("Content-Length"), "3");
    auto options = c.options("/r");
    EXPECT_EQ(options.status(), 200);
    EXPECT_EQ(options.headers().get("Allow"), "GET, HEAD, OPTIONS, POST");
    auto wrong = c.delete_("/r");
    EXPECT_EQ(wrong.status(), 405);
    EXPECT_EQ(wrong.headers().get("Allow"), "GET, HEAD, OPTIONS, POST");
    EXPECT_EQ(c.put("/multi").text(), "PUT");
    EXPECT_EQ(c.patch("/multi").text(), "PATCH");
    EXPECT_EQ(c.get("/multi").status(), 405);
}

TEST(Routing, HeadAnnouncesTheBodysRealLengthWhateverTheViewSet) {
    vial::App app;
    app.get("/r", [](vial::Request&) {
        vial::Response response("four");
        response.headers().set("Content-Length", "999");
        return response;
    });
    vial::TestClient c{app};
    auto head = c.head("/r");
    EXPECT_EQ(head.text(), "");
    EXPECT_EQ(head.headers().get_all("Content-Length").size(), 1u);
    EXPECT_EQ(head.headers().get("Content-Length"), "4");
}

TEST(Routing, MissingTrailingSlashRedirects308) {
    vial::App app;
    app.get("/docs/", [](vial::Request&) { return "docs"; });
    app.get("/about", [](vial::Request&) { return "about"; });
    vial::TestClient c{app};
    auto r = c.get("/docs?x=1");
    EXPECT_EQ(r.status(), 308);
    EXPECT_EQ(r.headers().get("Location"), "/docs/?x=1");
    EXPECT_EQ(c.get("/about/").status(), 404);
}

TEST(Routing, RegisteringAfterFreezeThrowsAndSaysWhatToDo) {
    vial::App app;
    app.get("/", [](vial::Request&) { return "x"; });
    vial::TestClient c{app};
    try {
        app.get("/late", [](vial::Request&) { return "y"; });
        FAIL();
    } catch (const vial::Error& e) {
        EXPECT_NE(std::string(e.what()).find("before run()"), std::string::npos);
    }
}

TEST(Routing, ARuleRegisteredTwiceForAMethodFailsAtFreeze) {
    vial::App app;
    app.get("/items", [](vial::Request&) { return "list"; }, {.endpoint = "items"});
    app.route("/items", [](vial::Request&) { return "again"; },
              {.methods = {"POST", "GET"}, .endpoint = "items_again"});
    try {
        app.freeze();
        ADD_FAILURE() << "the second GET /items would never run";
    } catch (const vial::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'/items' is registered twice for GET: endpoints "
                                             "'items' and 'items_again'"),
                  std::string::npos)
            << e.what();
    }
    vial::App fine;  // the same rule for different methods is one resource
    fine.get("/items", [](vial::Request&) { return "list"; }, {.endpoint = "list"});
    fine.post("/items", [](vial::Request&) { return "made"; }, {.endpoint = "create"});
    EXPECT_NO_THROW(fine.freeze());
}

TEST(Routing, AnEndpointBoundToTwoRulesFailsAtFreezeNamingBoth) {
    vial::App app;
    app.get("/about", [](vial::Request&) { return "about"; }, {.endpoint = "page"});
    app.get("/contact", [](vial::Request&) { return "contact"; }, {.endpoint = "page"});
    try {
        app.freeze();
        ADD_FAILURE() << "url_for(\"page\") could never build /contact";
    } catch (const vial::Error& e) {
        EXPECT_NE(std::string(e.what()).find("endpoint 'page' is bound to two views: route "
                                             "'/about' and route '/contact'"),
                  std::string::npos)
            << e.what();
    }
    // One rule under several methods keeps the endpoint it derives ("items"): one resource.
    vial::App fine;
    fine.get("/items", [](vial::Request&) { return "list"; });
    fine.post("/items", [](vial::Request&) { return "made"; });
    EXPECT_NO_THROW(fine.freeze());
    EXPECT_EQ(fine.url_for("items"), "/items");
}

TEST(Routing, BadRulesFailAtRegistration) {
    vial::App app;
    EXPECT_THROW(app.get("/<bogus:x>", [](vial::Request&) { return "x"; }), vial::Error);
    EXPECT_THROW(app.get("no-slash", [](vial::Request&) { return "x"; }), vial::Error);
}

TEST(Routing, EndpointsDefaultFromRuleOrAreNamed) {
    vial::App app;
    app.get("/items/<int:id>", [](vial::Request& r) { return r.endpoint(); });
    app.get("/", [](vial::Request& r) { return r.endpoint(); });
    app.get("/named", [](vial::Request& r) { return r.endpoint(); }, {.endpoint = "mine"});
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/items/3").text(), "items_id");
    EXPECT_EQ(c.get("/").text(), "index");
    EXPECT_EQ(c.get("/named").text(), "mine");
}

TEST(Routing, RequestSeesQueryHeadersCookiesAndRemote) {
    vial::App app;
    app.get("/who", [](vial::Request& r) {
        return vial::Json{{"q", r.args().get("q").value_or("")},
                          {"agent", r.headers().get_or("user-agent", "")},
                          {"sid", r.cookies().count("sid") ? r.cookies().at("sid") : ""},
                          {"remote", r.remote_addr()}};
    });
    vial::TestClient c{app};
    vial::TestRequest extra;
    extra.headers.add("User-Agent", "tests");
    extra.headers.add("Cookie", "sid=abc");
    auto body = c.get("/who?q=a%26b", extra).json();
    EXPECT_EQ(body.at("q"), "a&b");
    EXPECT_EQ(body.at("agent"), "tests");
    EXPECT_EQ(body.at("sid"), "abc");
    EXPECT_EQ(body.at("remote"), "127.0.0.1");
}

// An encoded slash stays in its segment, and no converter takes such a segment: url_for
// could only rebuild it as a real '/', which routes elsewhere (found by fuzz_route).
TEST(Routing, EncodedSlashesAndConverters) {
    vial::App app;
    app.get("/files/<path:p>", [](vial::Request& req) { return req.view_arg("p"); });
    app.get("/users/<name>", [](vial::Request& req) { return req.view_arg("name"); });
    vial::TestClient client{app};
    EXPECT_EQ(client.get("/files/a/b/c").text(), "a/b/c");
    EXPECT_EQ(client.get("/files/a%2Fb/c").status(), 404);
    EXPECT_EQ(client.get("/files/%2Fetc%2Fpasswd").status(), 404);
    EXPECT_EQ(client.get("/users/a%2Fb").status(), 404);
    EXPECT_EQ(client.get("/users/..%2F..%2Fetc").status(), 404);
    EXPECT_EQ(client.get("/users/100%25").text(), "100%");
}

}  // namespace
