// errorhandler by status and by type, sync and async, and their lookup order.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

namespace {

struct OutOfStock : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct Discontinued : OutOfStock {
    using OutOfStock::OutOfStock;
};

TEST(ErrorHandlers, ByStatusSyncAndAsync) {
    vial::App app;
    app.errorhandler(404, [](const vial::HttpError& e) {
        return std::pair<vial::Json, int>{vial::Json{{"error", e.name()}}, 404};
    });
    app.errorhandler(403, [](const vial::HttpError&) -> vial::Task<std::pair<std::string, int>> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        co_return std::pair<std::string, int>{"go away", 403};
    });
    app.get("/secret", [](vial::Request&) -> std::string { vial::abort(403); });
    vial::TestClient c{app};
    auto missing = c.get("/nowhere");
    EXPECT_EQ(missing.status(), 404);
    EXPECT_EQ(missing.json().at("error"), "Not Found");
    EXPECT_EQ(c.get("/secret").text(), "go away");
}

TEST(ErrorHandlers, ByTypeInRegistrationOrderSpecificFirst) {
    vial::App app;
    app.errorhandler<Discontinued>([](const Discontinued& e) {
        return std::pair<std::string, int>{std::string("gone: ") + e.what(), 410};
    });
    app.errorhandler<OutOfStock>(
        [](vial::Request& req, const OutOfStock& e) -> vial::Task<vial::Response> {
            co_return vial::Response(req.path() + " out: " + e.what(), 409);
        });
    app.get("/a", [](vial::Request&) -> std::string { throw OutOfStock("apples"); });
    app.get("/b", [](vial::Request&) -> std::string { throw Discontinued("bananas"); });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/a").status(), 409);
    EXPECT_EQ(c.get("/a").text(), "/a out: apples");
    EXPECT_EQ(c.get("/b").status(), 410);
    EXPECT_EQ(c.get("/b").text(), "gone: bananas");
}

TEST(ErrorHandlers, StatusBeforeTypeAndHttpErrorTypeCatchesAllHttpErrors) {
    vial::App app;
    app.errorhandler<vial::HttpError>([](const vial::HttpError& e) {
        return std::pair<std::string, int>{"any http " + std::to_string(e.status()), e.status()};
    });
    app.errorhandler(404, [](const vial::HttpError&) {
        return std::pair<std::string, int>{"status 404", 404};
    });
    app.get("/teapot", [](vial::Request&) -> std::string { vial::abort(418); });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/nowhere").text(), "status 404");
    EXPECT_EQ(c.get("/teapot").text(), "any http 418");
}

TEST(ErrorHandlers, Status500HandlesUnhandledExceptions) {
    vial::App app;
    app.errorhandler(500, [](const vial::HttpError&) {
        return std::pair<std::string, int>{"sorry", 500};
    });
    app.get("/boom", [](vial::Request&) -> std::string { throw std::logic_error("bug"); });
    vial::TestClient c{app, {.propagate_exceptions = false}};
    auto r = c.get("/boom");
    EXPECT_EQ(r.status(), 500);
    EXPECT_EQ(r.text(), "sorry");
}

TEST(ErrorHandlers, AnErrorInsideAnErrorHandlerIsAPlain500) {
    vial::App app;
    app.errorhandler(404, [](const vial::HttpError&) -> std::string {
        throw std::runtime_error("handler bug");
    });
    vial::TestClient c{app};
    auto r = c.get("/nowhere");
    EXPECT_EQ(r.status(), 500);
    EXPECT_NE(r.text().find("Internal Server Error"), std::string::npos);
}

TEST(ErrorHandlers, MethodNotAllowedKeepsAllowOnTheDefaultPage) {
    vial::App app;
    app.get("/x", [](vial::Request&) { return "x"; });
    vial::TestClient c{app};
    EXPECT_EQ(c.post("/x").headers().get("Allow"), "GET, HEAD, OPTIONS");
}

TEST(ErrorHandlers, BadStatusIsRejectedAtRegistration) {
    vial::App app;
    EXPECT_THROW(app.errorhandler(200, [](const vial::HttpError&) { return "x"; }), vial::Error);
}

}  // namespace
