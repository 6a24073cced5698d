// Every form of view over a real socket, alone and with what runs around it. The server
// runs sync views and async views returning a string or JSON itself (DirectView, one
// coroutine frame fewer), other views through their Handler: both ways must answer alike,
// and middleware, hooks, errors and the session must see every form.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "support/raw_client.hpp"

namespace {

using vial::testing::RawResponse;
using vial::testing::roundtrip;

void add_every_form(vial::Scaffold& app) {
    app.get("/sync/text", [](vial::Request&) { return std::string("sync text"); });
    app.get("/sync/json", [](vial::Request&) { return vial::Json{{"form", "sync json"}}; });
    app.get("/sync/response", [](vial::Request&) { return vial::Response("sync response", 201); });
    app.get("/sync/pair",
            [](vial::Request&) { return std::pair<std::string, int>("sync pair", 202); });
    app.get("/async/text", [](vial::Request&) -> vial::Task<std::string> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        co_return "async text";
    });
    app.get("/async/json", [](vial::Request&) -> vial::Task<vial::Json> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        co_return vial::Json{{"form", "async json"}};
    });
    app.get("/async/response", [](vial::Request&) -> vial::Task<vial::Response> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        co_return vial::Response("async response", 201);
    });
    app.get("/async/pair", [](vial::Request&) -> vial::Task<std::pair<std::string, int>> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        co_return std::pair<std::string, int>("async pair", 202);
    });
}

struct Expected {
    const char* path;
    int status;
    const char* body;
    const char* content_type;
};

constexpr Expected kForms[] = {
    {"/sync/text", 200, "sync text", "text/html; charset=utf-8"},
    {"/sync/json", 200, R"({"form":"sync json"})", "application/json"},
    {"/sync/response", 201, "sync response", "text/html; charset=utf-8"},
    {"/sync/pair", 202, "sync pair", "text/html; charset=utf-8"},
    {"/async/text", 200, "async text", "text/html; charset=utf-8"},
    {"/async/json", 200, R"({"form":"async json"})", "application/json"},
    {"/async/response", 201, "async response", "text/html; charset=utf-8"},
    {"/async/pair", 202, "async pair", "text/html; charset=utf-8"},
};

class ViewForms : public ::testing::Test {
  protected:
    void start() {
        vial::ServerOptions options;
        options.port = 0;
        options.threads = 1;
        options.quiet = true;
        server_ = std::make_unique<vial::Server>(app, options);
        server_->start();
    }
    void TearDown() override { server_.reset(); }
    RawResponse get(const std::string& path, const std::string& headers = "") {
        return roundtrip(server_->port(),
                         "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n");
    }

    vial::App app{"forms"};

  private:
    std::unique_ptr<vial::Server> server_;
};

TEST_F(ViewForms, EveryFormAnswersItsBodyStatusAndType) {
    add_every_form(app);
    start();
    for (const auto& form : kForms) {
        RawResponse r = get(form.path);
        EXPECT_EQ(r.status, form.status) << form.path;
        EXPECT_EQ(r.body, form.body) << form.path;
        EXPECT_EQ(r.header("Content-Type"), form.content_type) << form.path;
        EXPECT_FALSE(r.header("X-Request-ID").empty()) << form.path;
    }
}

TEST_F(ViewForms, AppAndBlueprintMiddlewareWrapEveryForm) {
    app.use([](vial::Request&, vial::Next next) -> vial::Task<vial::Response> {
        vial::Response response = co_await next();
        response.headers().set("X-Wrapped", "app");
        co_return response;
    });
    add_every_form(app);
    vial::Blueprint bp("bp");
    bp.use([](vial::Request&, vial::Next next) -> vial::Task<vial::Response> {
        vial::Response response = co_await next();
        response.headers().set("X-Blueprint", "bp");
        co_return response;
    });
    add_every_form(bp);
    app.register_blueprint(bp, {.url_prefix = "/bp"});
    start();
    for (const auto& form : kForms) {
        RawResponse r = get(form.path);
        EXPECT_EQ(r.body, form.body) << form.path;
        EXPECT_EQ(r.header("X-Wrapped"), "app") << form.path;
        RawResponse in_blueprint = get(std::string("/bp") + form.path);
        EXPECT_EQ(in_blueprint.body, form.body) << form.path;
        EXPECT_EQ(in_blueprint.header("X-Wrapped"), "app") << form.path;
        EXPECT_EQ(in_blueprint.header("X-Blueprint"), "bp") << form.path;
    }
}

TEST_F(ViewForms, ARouteMiddlewareWrapsItsView) {
    vial::RouteOptions options;
    options.middleware.push_back(
        vial::middleware([](vial::Request&, vial::Next next) -> vial::Task<vial::Response> {
            vial::Response response = co_await next();
            response.headers().set("X-Route", "yes");
            co_return response;
        }));
    app.route(
        "/text", [](vial::Request&) { return std::string("t"); }, options);
    app.route(
        "/async", [](vial::Request&) -> vial::Task<std::string> { co_return "a"; }, options);
    start();
    EXPECT_EQ(get("/text").header("X-Route"), "yes");
    EXPECT_EQ(get("/async").header("X-Route"), "yes");
}

TEST_F(ViewForms, HooksRunAroundEveryForm) {
    app.before_request([](vial::Request& req) -> std::optional<vial::Response> {
        if (req.args().get("stop")) return vial::Response("stopped by hook", 403);
        return std::nullopt;
    });
    app.after_request([](vial::Response response) {
        response.headers().set("X-After", "ran");
        return response;
    });
    add_every_form(app);
    start();
    for (const auto& form : kForms) {
        RawResponse r = get(form.path);
        EXPECT_EQ(r.body, form.body) << form.path;
        EXPECT_EQ(r.header("X-After"), "ran") << form.path;
        RawResponse stopped = get(std::string(form.path) + "?stop=1");
        EXPECT_EQ(stopped.status, 403) << form.path;
        EXPECT_EQ(stopped.body, "stopped by hook") << form.path;
        EXPECT_EQ(stopped.header("X-After"), "ran") << form.path;
    }
}

TEST_F(ViewForms, ErrorsOfEveryFormReachTheErrorHandlers) {
    app.get("/sync/fail", [](vial::Request&) -> std::string { vial::abort(418); });
    app.get("/async/fail", [](vial::Request&) -> vial::Task<std::string> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        vial::abort(418);
    });
    app.get("/async/json-fail", [](vial::Request&) -> vial::Task<vial::Json> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        throw std::runtime_error("broken");
    });
    app.errorhandler(418, [](const vial::HttpError&) {
        return std::pair<std::string, int>("handled teapot", 418);
    });
    start();
    EXPECT_EQ(get("/sync/fail").body, "handled teapot");
    EXPECT_EQ(get("/async/fail").body, "handled teapot");
    RawResponse broken = get("/async/json-fail");
    EXPECT_EQ(broken.status, 500);
    EXPECT_EQ(broken.body.find("broken"), std::string::npos) << "no detail outside DEBUG";
}

TEST_F(ViewForms, TheSessionOfASyncAndAnAsyncViewIsSaved) {
    app.config().set("SECRET_KEY", "a test secret of enough length");
    app.get("/sync/login", [](vial::RequestContext& ctx) {
        ctx.session().set("user", "ada");
        return std::string("in");
    });
    app.get("/async/login", [](vial::RequestContext& ctx) -> vial::Task<vial::Json> {
        co_await vial::sleep(std::chrono::milliseconds(1));
        ctx.session().set("user", "grace");
        co_return vial::Json{{"in", true}};
    });
    app.get("/whoami", [](vial::RequestContext& ctx) -> vial::Task<std::string> {
        const vial::Json* user = ctx.session().get("user");
        co_return user ? std::string(user->as_string()) : "nobody";
    });
    start();
    for (auto [path, user] : {std::pair{"/sync/login", "ada"}, {"/async/login", "grace"}}) {
        RawResponse login = get(path);
        std::string cookie = login.header("Set-Cookie");
        ASSERT_FALSE(cookie.empty()) << path;
        cookie = cookie.substr(0, cookie.find(';'));
        EXPECT_EQ(get("/whoami", "Cookie: " + cookie + "\r\n").body, user) << path;
    }
}

}  // namespace
