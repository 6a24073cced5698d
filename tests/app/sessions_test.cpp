// Cookies and the signed-cookie session, over TestClient, plus the app config.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <cstdlib>
#include <fstream>

namespace {

std::unique_ptr<vial::App> session_app(std::string secret = "test-secret") {
    auto app = std::make_unique<vial::App>();
    if (!secret.empty()) app->config().set("SECRET_KEY", secret);
    app->post("/login/<name>", [](vial::RequestContext& ctx) {
        ctx.session().set("user", ctx.request().view_arg("name"));
        return "logged in";
    });
    app->get("/me", [](vial::RequestContext& ctx) -> vial::Task<std::string> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        const vial::Json* user = ctx.session().get("user");
        co_return user ? std::string(user->as_string()) : std::string("anonymous");
    });
    app->post("/logout", [](vial::RequestContext& ctx) {
        ctx.session().clear();
        return "bye";
    });
    return app;
}

// "session=<value>" from a Set-Cookie header.
std::string cookie_of(const vial::TestResponse& r) {
    std::string header(r.headers().get_or("Set-Cookie", ""));
    return header.substr(0, header.find(';'));
}

vial::TestRequest with_cookie(const std::string& cookie) {
    vial::TestRequest req;
    req.headers.add("Cookie", cookie);
    return req;
}

TEST(Sessions, RoundTripThroughASignedCookie) {
    auto app = session_app();
    vial::TestClient c{*app};
    auto login = c.post("/login/bob");
    std::string set_cookie(login.headers().get_or("Set-Cookie", ""));
    EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(set_cookie.find("SameSite=Lax"), std::string::npos);
    EXPECT_EQ(c.get("/me", with_cookie(cookie_of(login))).text(), "bob");
    EXPECT_EQ(c.get("/me").text(), "anonymous");
    EXPECT_FALSE(
        c.get("/me", with_cookie(cookie_of(login))).headers().contains("Set-Cookie"));  // unchanged
}

TEST(Sessions, TamperedOrForeignCookiesGiveAnEmptySession) {
    auto app = session_app();
    vial::TestClient c{*app};
    std::string cookie = cookie_of(c.post("/login/bob"));
    std::string tampered = cookie;
    tampered[cookie.find('=') + 2] ^= 1;  // flip a bit of the payload
    EXPECT_EQ(c.get("/me", with_cookie(tampered)).text(), "anonymous");
    EXPECT_EQ(c.get("/me", with_cookie("session=garbage")).text(), "anonymous");
    EXPECT_EQ(c.get("/me", with_cookie("session=")).text(), "anonymous");

    auto other = session_app("another-secret");
    vial::TestClient c2{*other};
    EXPECT_EQ(c2.get("/me", with_cookie(cookie)).text(), "anonymous");
}

// Replacing the session object replaces its data; the cookie it goes back in keeps the
// app's name and signature.
TEST(Sessions, AReplacedSessionIsSavedUnderTheAppsCookie) {
    auto app = session_app();
    app->config().set("SESSION_COOKIE_NAME", "sid");
    app->post("/fresh/<name>", [](vial::RequestContext& ctx) {
        ctx.session() = vial::Session{};
        ctx.session().set("user", ctx.request().view_arg("name"));
        return "fresh";
    });
    vial::TestClient c{*app};
    std::string cookie = cookie_of(c.post("/fresh/ann"));
    ASSERT_EQ(cookie.rfind("sid=", 0), 0u) << cookie;
    EXPECT_EQ(c.get("/me", with_cookie(cookie)).text(), "ann");
}

TEST(Sessions, ClearingDeletesTheCookie) {
    auto app = session_app();
    vial::TestClient c{*app};
    std::string cookie = cookie_of(c.post("/login/bob"));
    auto logout = c.post("/logout", with_cookie(cookie));
    EXPECT_NE(std::string(logout.headers().get_or("Set-Cookie", "")).find("Max-Age=0"),
              std::string::npos);
}

TEST(Sessions, NoSecretKeyIsAClearError) {
    auto app = session_app("");
    vial::TestClient c{*app};
    try {
        c.post("/login/bob");
        FAIL() << "expected an error";
    } catch (const vial::Error& e) {
        EXPECT_NE(std::string(e.what()).find("SECRET_KEY"), std::string::npos);
    }
    vial::TestClient quiet{*app, {.propagate_exceptions = false}};
    EXPECT_EQ(quiet.post("/login/bob").status(), 500);
}

TEST(Config, TypedGetSetAndErrorsNameTheKey) {
    vial::Config config;
    config.set("PORT", 8080);
    config.set("NAME", "shop");
    config.set("DEBUG", true);
    EXPECT_EQ(config.get<int>("PORT"), 8080);
    EXPECT_EQ(config.get<std::string>("NAME"), "shop");
    EXPECT_TRUE(config.get<bool>("DEBUG"));
    EXPECT_EQ(config.get<int>("MISSING", 3), 3);
    EXPECT_THROW(config.get<int>("MISSING"), vial::Error);
    try {
        config.get<int>("NAME");
        FAIL();
    } catch (const vial::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'NAME'"), std::string::npos);
    }
    config.set("BIG", 1LL << 40);
    EXPECT_THROW(config.get<int>("BIG"), vial::Error);  // out of range is not truncated
}

TEST(Config, LoadsFromJsonFileAndEnvironment) {
    std::string path = ::testing::TempDir() + "vial_config_test.json";
    std::ofstream(path) << R"({"SECRET_KEY": "from-file", "MAX_CONTENT_LENGTH": 2048})";
    vial::Config config;
    config.from_file(path);
    EXPECT_EQ(config.get<std::string>("SECRET_KEY"), "from-file");

    ::setenv("VIALTEST_SECRET_KEY", "from-env", 1);
    ::setenv("VIALTEST_HEADER_TIMEOUT_MS", "1500", 1);
    config.from_env("VIALTEST_");
    EXPECT_EQ(config.get<std::string>("SECRET_KEY"), "from-env");
    auto options = vial::server_options(config);
    EXPECT_EQ(options.limits.max_body_bytes, 2048u);
    EXPECT_EQ(options.limits.header_timeout, std::chrono::milliseconds(1500));

    std::ofstream(path) << "{not json";
    EXPECT_THROW(config.from_file(path), vial::Error);
    EXPECT_THROW(config.from_file("/nonexistent/vial.json"), vial::Error);
}

TEST(Config, ReadOnlyOnceTheAppIsFrozen) {
    vial::App app;
    app.config().set("A", 1);
    app.freeze();
    EXPECT_THROW(app.config().set("A", 2), vial::Error);
}

}  // namespace
