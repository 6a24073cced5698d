// before_request / after_request / teardown_request / after_this_request / g, each in
// its sync and async form (a typed test over both shapes).
#include <gtest/gtest.h>
#include <vial/vial.hpp>

namespace {

using namespace std::chrono_literals;

struct Sync {
    static constexpr bool async = false;
};
struct Async {
    static constexpr bool async = true;
};

template <class Shape>
class Hooks : public ::testing::Test {};
using Shapes = ::testing::Types<Sync, Async>;
TYPED_TEST_SUITE(Hooks, Shapes);

struct Trace {
    std::vector<std::string> steps;
};

// Registers the same hook in the shape under test.
template <class Shape>
void before(vial::Scaffold& s, std::shared_ptr<Trace> t, std::string name, bool stop = false) {
    if constexpr (Shape::async) {
        s.before_request([t, name, stop](vial::Request&) -> vial::Task<std::optional<std::string>> {
            co_await vial::sleep(1ms);
            t->steps.push_back(name);
            if (stop) co_return std::optional<std::string>("stopped by " + name);
            co_return std::nullopt;
        });
    } else {
        s.before_request([t, name, stop](vial::Request&) -> std::optional<std::string> {
            t->steps.push_back(name);
            if (stop) return "stopped by " + name;
            return std::nullopt;
        });
    }
}

template <class Shape>
void after(vial::Scaffold& s, std::shared_ptr<Trace> t, std::string name) {
    if constexpr (Shape::async) {
        s.after_request([t, name](vial::Response r) -> vial::Task<vial::Response> {
            co_await vial::sleep(1ms);
            t->steps.push_back(name);
            r.headers().add("X-After", name);
            co_return r;
        });
    } else {
        s.after_request([t, name](vial::Response& r) {
            t->steps.push_back(name);
            r.headers().add("X-After", name);
        });
    }
}

template <class Shape>
void teardown(vial::Scaffold& s, std::shared_ptr<Trace> t, std::string name, bool fail = false) {
    if constexpr (Shape::async) {
        s.teardown_request([t, name, fail](std::exception_ptr e) -> vial::Task<void> {
            co_await vial::sleep(1ms);
            t->steps.push_back(name + (e ? "(error)" : ""));
            if (fail) throw std::runtime_error("teardown failed");
        });
    } else {
        s.teardown_request([t, name, fail](std::exception_ptr e) {
            t->steps.push_back(name + (e ? "(error)" : ""));
            if (fail) throw std::runtime_error("teardown failed");
        });
    }
}

TYPED_TEST(Hooks, RunInFlaskOrder) {
    auto t = std::make_shared<Trace>();
    vial::App app;
    before<TypeParam>(app, t, "before1");
    before<TypeParam>(app, t, "before2");
    after<TypeParam>(app, t, "after1");
    after<TypeParam>(app, t, "after2");
    teardown<TypeParam>(app, t, "teardown1");
    teardown<TypeParam>(app, t, "teardown2");
    app.get("/", [t](vial::Request&) {
        t->steps.push_back("view");
        return "ok";
    });
    vial::TestClient c{app};
    auto r = c.get("/");
    EXPECT_EQ(r.text(), "ok");
    EXPECT_EQ(t->steps, (std::vector<std::string>{"before1", "before2", "view", "after2", "after1",
                                                  "teardown2", "teardown1"}));
    EXPECT_EQ(r.headers().get_all("X-After"), (std::vector<std::string_view>{"after2", "after1"}));
}

TYPED_TEST(Hooks, BeforeRequestValueShortCircuitsButAfterRequestStillRuns) {
    auto t = std::make_shared<Trace>();
    vial::App app;
    before<TypeParam>(app, t, "guard", true);
    before<TypeParam>(app, t, "never");
    after<TypeParam>(app, t, "after");
    app.get("/", [t](vial::Request&) {
        t->steps.push_back("view");
        return "ok";
    });
    vial::TestClient c{app};
    auto r = c.get("/");
    EXPECT_EQ(r.text(), "stopped by guard");
    EXPECT_EQ(t->steps, (std::vector<std::string>{"guard", "after"}));
    EXPECT_EQ(r.headers().get("X-After"), "after");
}

TYPED_TEST(Hooks, TeardownRunsWhenTheViewThrowsAndAFailingOneIsLogged) {
    auto t = std::make_shared<Trace>();
    vial::App app;
    teardown<TypeParam>(app, t, "teardown1");
    teardown<TypeParam>(app, t, "failing", true);
    app.get("/boom", [](vial::Request&) -> std::string { throw std::runtime_error("kaboom"); });
    vial::TestClient quiet{app, {.propagate_exceptions = false}};
    EXPECT_EQ(quiet.get("/boom").status(), 500);
    EXPECT_EQ(t->steps, (std::vector<std::string>{"failing(error)", "teardown1(error)"}));
    t->steps.clear();
    vial::TestClient strict{app};
    EXPECT_THROW(strict.get("/boom"), std::runtime_error);  // teardown ran before the rethrow
    EXPECT_EQ(t->steps.size(), 2u);
}

TYPED_TEST(Hooks, HooksRunForNotFoundToo) {
    auto t = std::make_shared<Trace>();
    vial::App app;
    before<TypeParam>(app, t, "before");
    after<TypeParam>(app, t, "after");
    vial::TestClient c{app};
    auto r = c.get("/missing");
    EXPECT_EQ(r.status(), 404);
    EXPECT_EQ(t->steps, (std::vector<std::string>{"before", "after"}));
}

TEST(Hooks, AfterThisRequestRunsFirst) {
    vial::App app;
    app.after_request([](vial::Response& r) { r.headers().add("X-Order", "app"); });
    app.get("/", [](vial::RequestContext& ctx) -> vial::Task<std::string> {
        ctx.after_this_request([](vial::Response& r) { r.headers().add("X-Order", "this"); });
        co_await vial::sleep(1ms);
        ctx.after_this_request([](vial::Response r) -> vial::Task<vial::Response> {
            r.headers().add("X-Order", "this-async");
            co_return r;
        });
        co_return "ok";
    });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/").headers().get_all("X-Order"),
              (std::vector<std::string_view>{"this", "this-async", "app"}));
}

TEST(Hooks, GIsPerRequestTypedStorageThatSurvivesAwaits) {
    struct User {
        std::string name;
    };
    struct Timing {
        int marks = 0;
    };
    vial::App app;
    app.before_request([](vial::RequestContext& ctx) {
        ctx.g<User>().name = std::string(ctx.request().headers().get_or("X-User", "anon"));
        ++ctx.g<Timing>().marks;
    });
    app.get("/", [](vial::RequestContext& ctx) -> vial::Task<std::string> {
        co_await vial::sleep(1ms);
        ++ctx.g<Timing>().marks;
        co_return ctx.g<User>().name + ":" + std::to_string(ctx.g<Timing>().marks) +
            (ctx.find_g<std::string>() ? "" : ":no-string");
    });
    vial::TestClient c{app};
    vial::TestRequest bob;
    bob.headers.add("X-User", "bob");
    EXPECT_EQ(c.get("/", bob).text(), "bob:2:no-string");
    EXPECT_EQ(c.get("/").text(), "anon:2:no-string");  // nothing leaks between requests
}

TEST(Hooks, FailingAfterRequestGivesA500) {
    vial::App app;
    app.after_request([](vial::Response&) { throw std::runtime_error("after failed"); });
    app.get("/", [](vial::Request&) { return "ok"; });
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/").status(), 500);
}

// As in Flask, routing happens first but its failure waits: before_request hooks run for
// a URL no route answers, and one that answers wins over the 404; otherwise the 404, the
// 405 (with Allow) and the strict-slash redirect come as without hooks.
TEST(Hooks, BeforeRequestRunsForUnroutedUrlsAndItsAnswerWins) {
    vial::App app;
    auto seen = std::make_shared<std::vector<std::string>>();
    app.before_request([seen](vial::Request& r) -> vial::Task<std::optional<std::string>> {
        co_await vial::sleep(1ms);
        seen->push_back(r.path());
        if (r.path() == "/maintenance") co_return std::optional<std::string>("down for a bit");
        co_return std::nullopt;
    });
    app.get("/docs/", [](vial::Request&) { return "docs"; });
    app.post("/form", [](vial::Request&) { return "posted"; });
    vial::TestClient c{app};

    auto answered = c.get("/maintenance");
    EXPECT_EQ(answered.status(), 200);
    EXPECT_EQ(answered.text(), "down for a bit");

    EXPECT_EQ(c.get("/nowhere").status(), 404);
    auto wrong_method = c.get("/form");
    EXPECT_EQ(wrong_method.status(), 405);
    EXPECT_EQ(wrong_method.headers().get("Allow").value_or(""), "OPTIONS, POST");
    auto slash = c.get("/docs?x=1");
    EXPECT_EQ(slash.status(), 308);
    EXPECT_EQ(slash.headers().get("Location").value_or(""), "/docs/?x=1");
    EXPECT_EQ(*seen, (std::vector<std::string>{"/maintenance", "/nowhere", "/form", "/docs"}));
}

}  // namespace
