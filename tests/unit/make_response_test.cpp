#include <gtest/gtest.h>
#include <vial/error.hpp>
#include <vial/make_response.hpp>

#include <boost/json/parse.hpp>

namespace {

TEST(MakeResponse, StringIsHtml) {
    auto r = vial::make_response(std::string("hi"));
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.body(), "hi");
    EXPECT_EQ(r.content_type(), "text/html; charset=utf-8");
    EXPECT_EQ(vial::make_response("lit").body(), "lit");
    EXPECT_EQ(vial::make_response(std::string_view("sv")).body(), "sv");
}

TEST(MakeResponse, JsonIsApplicationJson) {
    auto r = vial::make_response(vial::Json{{"a", 1}});
    EXPECT_EQ(r.content_type(), "application/json");
    EXPECT_EQ(boost::json::parse(r.body()), (vial::Json{{"a", 1}}));
    EXPECT_EQ(vial::make_response(vial::JsonArray{1, 2}).body(), "[1,2]");
}

TEST(MakeResponse, BodyWithStatusAndHeaders) {
    auto r = vial::make_response(std::pair<std::string, int>{"created", 201});
    EXPECT_EQ(r.status(), 201);
    EXPECT_EQ(r.body(), "created");
    vial::Headers extra;
    extra.add("X-Id", "7");
    auto t = vial::make_response(
        std::tuple<vial::Json, int, vial::Headers>{vial::Json{{"id", 7}}, 202, extra});
    EXPECT_EQ(t.status(), 202);
    EXPECT_EQ(t.headers().get("x-id"), "7");
    EXPECT_EQ(t.content_type(), "application/json");
}

TEST(MakeResponse, ResponsePassesThrough) {
    vial::Response original(204);
    EXPECT_EQ(vial::make_response(std::move(original)).status(), 204);
}

TEST(MakeResponse, OnlyDocumentedTypesAreViewResults) {
    static_assert(vial::ViewResult<std::string>);
    static_assert(vial::ViewResult<vial::Json>);
    static_assert(vial::ViewResult<std::pair<const char*, int>>);
    static_assert(!vial::ViewResult<int>);
    static_assert(!vial::ViewResult<double>);
    static_assert(!vial::ViewResult<std::pair<std::string, std::string>>);
    SUCCEED();
}

TEST(Response, CookiesCarryEveryAttribute) {
    vial::Response r;
    vial::CookieOptions o;
    o.max_age = std::chrono::seconds(60);
    o.domain = "example.com";
    o.secure = true;
    o.httponly = true;
    o.samesite = "Lax";
    r.set_cookie("sid", "abc", o);
    EXPECT_EQ(r.headers().get("Set-Cookie"),
              "sid=abc; Max-Age=60; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Lax");
    r.delete_cookie("old");
    auto all = r.headers().get_all("Set-Cookie");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1], "old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/");
    EXPECT_THROW(r.set_cookie("sid", "a;b"), vial::Error);
    EXPECT_THROW(r.set_cookie("s id", "x"), vial::Error);
    o.samesite = "Sometimes";
    EXPECT_THROW(r.set_cookie("x", "y", o), vial::Error);
}

TEST(Response, RedirectAndAbort) {
    auto r = vial::redirect("/login");
    EXPECT_EQ(r.status(), 302);
    EXPECT_EQ(r.headers().get("Location"), "/login");
    EXPECT_THROW(vial::redirect("/x", 200), vial::Error);
    try {
        vial::abort(403);
    } catch (const vial::HttpError& e) {
        EXPECT_EQ(e.status(), 403);
        EXPECT_STREQ(e.name(), "Forbidden");
    }
    EXPECT_THROW(vial::abort(200), vial::Error);
}

}  // namespace
