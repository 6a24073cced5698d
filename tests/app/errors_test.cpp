// abort(), HTTP error pages, and what happens to exceptions escaping a view.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

namespace {

vial::App& error_app() {
    static std::unique_ptr<vial::App> app = [] {
        auto owned = std::make_unique<vial::App>();
        vial::App& a = *owned;
        a.get("/forbidden", [](vial::Request&) -> std::string { vial::abort(403); });
        a.get("/teapot", [](vial::Request&) -> vial::Task<std::string> {
            vial::abort(418, "<short & stout>");
            co_return "";
        });
        a.get("/boom", [](vial::Request&) -> std::string { throw std::runtime_error("kaboom"); });
        a.get("/boom-async", [](vial::Request&) -> vial::Task<std::string> {
            co_await vial::sleep(std::chrono::milliseconds(1));
            throw std::runtime_error("async kaboom");
        });
        return owned;
    }();
    return *app;
}

TEST(Errors, AbortRendersAShortHtmlPage) {
    vial::TestClient c{error_app()};
    auto r = c.get("/forbidden");
    EXPECT_EQ(r.status(), 403);
    EXPECT_NE(r.text().find("<title>403 Forbidden</title>"), std::string::npos);
}

TEST(Errors, DescriptionsAreEscapedInHtml) {
    vial::TestClient c{error_app()};
    auto r = c.get("/teapot");
    EXPECT_EQ(r.status(), 418);
    EXPECT_NE(r.text().find("&lt;short &amp; stout&gt;"), std::string::npos);
    EXPECT_EQ(r.text().find("<short"), std::string::npos);
}

TEST(Errors, JsonClientsGetJsonErrors) {
    vial::TestClient c{error_app()};
    vial::TestRequest json;
    json.headers.add("Accept", "application/json");
    auto r = c.get("/forbidden", json);
    EXPECT_EQ(r.headers().get("Content-Type"), "application/json");
    EXPECT_EQ(r.json().at("code"), 403);
    EXPECT_EQ(c.get("/missing", json).json().at("name"), "Not Found");
}

TEST(Errors, TestClientRethrowsUnhandledExceptionsByDefault) {
    vial::TestClient c{error_app()};
    EXPECT_THROW(c.get("/boom"), std::runtime_error);
    EXPECT_THROW(c.get("/boom-async"), std::runtime_error);
}

TEST(Errors, UnhandledExceptionsAre500WhenNotPropagated) {
    vial::TestClient c{error_app(), {.propagate_exceptions = false}};
    EXPECT_EQ(c.get("/boom").status(), 500);
    EXPECT_EQ(c.get("/boom-async").status(), 500);
    EXPECT_EQ(c.get("/forbidden").status(), 403);
}

TEST(Errors, BadTargetsAre400InTheTestClientToo) {
    vial::TestClient c{error_app()};
    EXPECT_EQ(c.get("/bad%zz").status(), 400);
}

}  // namespace
