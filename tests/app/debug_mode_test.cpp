// DEBUG's 500 page: the exception's type and message, where it was thrown, the route and
// the request; HTML or JSON by Accept; never shown with DEBUG off.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <stdexcept>

#include "runtime/throw_trace.hpp"

// Named, out of line, with external linkage: the traceback must name it.
[[gnu::noinline]] void vial_test_reserve_stock(int sku) {
    throw std::runtime_error("sku " + std::to_string(sku) + " is out of stock");
}

namespace vial {
namespace {

std::unique_ptr<App> shop(bool debug) {
    auto app = std::make_unique<App>("shop");
    app->config().set("DEBUG", debug);
    app->post("/orders/<int:sku>", [](Request& req) -> Task<std::string> {
        vial_test_reserve_stock(req.view_arg<int>("sku"));
        co_return "reserved";
    });
    return app;
}

TEST(DebugMode, OffTheClientGetsAPlain500) {
    auto app = shop(false);
    TestClient client(*app, {.propagate_exceptions = false});
    auto r = client.post("/orders/7");
    EXPECT_EQ(r.status(), 500);
    EXPECT_EQ(r.text().find("out of stock"), std::string::npos) << r.text();
    EXPECT_EQ(r.text().find("runtime_error"), std::string::npos);
    EXPECT_EQ(r.text().find("vial_test_reserve_stock"), std::string::npos);
}

TEST(DebugMode, OnAnHtmlPageShowsTheExceptionWhereItWasThrownAndTheRequest) {
    auto app = shop(true);
    TestClient client(*app, {.propagate_exceptions = false});
    auto r = client.post("/orders/7", {.headers = {{"Authorization", "Bearer s3cret"},
                                                   {"X-Request-ID", "dbg-1"},
                                                   {"User-Agent", "<script>"}}});
    EXPECT_EQ(r.status(), 500);
    EXPECT_EQ(r.headers().get("Content-Type"), "text/html; charset=utf-8");
    const std::string& page = r.text();
    EXPECT_NE(page.find("<h1>std::runtime_error</h1>"), std::string::npos) << page;
    EXPECT_NE(page.find("sku 7 is out of stock"), std::string::npos);
    EXPECT_NE(page.find("<code>POST /orders/7</code>"), std::string::npos);
    EXPECT_NE(page.find("rule <code>/orders/&lt;int:sku&gt;</code>"), std::string::npos);
    EXPECT_NE(page.find("dbg-1"), std::string::npos);
    if (detail::throw_traces_supported()) {
        EXPECT_NE(page.find("vial_test_reserve_stock"), std::string::npos) << page;  // traceback
    } else {
        EXPECT_NE(page.find("unavailable in sanitizer builds"), std::string::npos) << page;
    }
    // Request values are escaped; credentials are not shown even in debug.
    EXPECT_NE(page.find("&lt;script&gt;"), std::string::npos);
    EXPECT_EQ(page.find("<script>"), std::string::npos);
    EXPECT_EQ(page.find("s3cret"), std::string::npos);
    EXPECT_NE(page.find("&lt;hidden: 13 bytes&gt;"), std::string::npos);
}

TEST(DebugMode, AJsonClientGetsTheSameAsJson) {
    auto app = shop(true);
    TestClient client(*app, {.propagate_exceptions = false});
    auto r = client.post("/orders/9", {.headers = {{"Accept", "application/json"}}});
    EXPECT_EQ(r.status(), 500);
    Json body = r.json();
    EXPECT_EQ(body.at("exception").at("type"), "std::runtime_error");
    EXPECT_EQ(body.at("exception").at("message"), "sku 9 is out of stock");
    EXPECT_EQ(body.at("route").at("endpoint"), "orders_sku");
    EXPECT_EQ(body.at("route").at("rule"), "/orders/<int:sku>");
    EXPECT_EQ(body.at("request").at("view_args").at("sku"), "9");
    std::string traceback(body.at("traceback").as_string());
    EXPECT_NE(traceback.find(detail::throw_traces_supported() ? "vial_test_reserve_stock"
                                                              : "unavailable in sanitizer builds"),
              std::string::npos)
        << traceback;
}

TEST(DebugMode, ItShowsTheExceptionEvenOverAnErrorHandlerFor500AndLeavesHttpErrorsAlone) {
    auto app = shop(true);
    app->errorhandler(500, [](const HttpError&) { return Response("sorry", 500); });
    app->get("/missing", [](Request&) -> std::string { throw HttpError(404); });
    TestClient client(*app, {.propagate_exceptions = false});
    EXPECT_NE(client.post("/orders/1").text().find("out of stock"), std::string::npos);
    auto missing = client.get("/missing");
    EXPECT_EQ(missing.status(), 404);  // an HttpError is an answer, not a crash
    EXPECT_EQ(missing.text().find("Traceback"), std::string::npos);
}

}  // namespace
}  // namespace vial
