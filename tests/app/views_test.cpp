// Class-based views: as_view<T> finds the HTTP method members at compile time.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <atomic>
#include <map>

namespace {

struct Store {
    std::map<std::int64_t, std::string> items;
    std::int64_t next = 1;
};

struct ItemApi {
    Store& store;
    static inline std::atomic<int> constructed{0};
    explicit ItemApi(Store& s) : store(s) { ++constructed; }

    vial::Response get(vial::Request& req) {
        auto it = store.items.find(req.view_arg<std::int64_t>("id"));
        if (it == store.items.end()) vial::abort(404);
        return vial::jsonify(vial::Json{{"name", it->second}});
    }
    vial::Task<vial::Response> delete_(vial::Request& req) {
        co_await vial::sleep(std::chrono::milliseconds(1));
        store.items.erase(req.view_arg<std::int64_t>("id"));
        co_return vial::Response(204);
    }
};

struct ItemList {
    Store& store;
    vial::Json get(vial::Request&) { return vial::Json{{"count", store.items.size()}}; }
    vial::Task<std::pair<vial::Json, int>> post(vial::RequestContext& ctx) {
        auto id = store.next++;
        store.items[id] = std::string(ctx.request().json().at("name").as_string());
        co_return std::pair<vial::Json, int>{
            vial::Json{{"id", id}, {"url", ctx.url_for("item", {{"id", id}})}}, 201};
    }
};

struct Hello {
    static inline const std::vector<std::string> methods{"GET", "POST"};
    vial::Task<std::string> dispatch_request(vial::Request& req) {
        co_return "hello via " + req.method();
    }
};

struct Counter {
    static constexpr bool init_every_request = false;
    int hits = 0;
    std::string get(vial::Request&) { return std::to_string(++hits); }
};

TEST(ClassViews, MethodViewAnswersTheMethodsItHas) {
    Store store;
    vial::App app;
    app.add_url_rule("/items", vial::as_view<ItemList>("items", std::ref(store)));
    app.add_url_rule("/items/<int:id>", vial::as_view<ItemApi>("item", std::ref(store)));
    vial::TestClient c{app};

    auto created = c.post("/items", {.json = vial::Json{{"name", "lamp"}}});
    EXPECT_EQ(created.status(), 201);
    EXPECT_EQ(created.json().at("url"), "/items/1");
    EXPECT_EQ(c.get("/items/1").json().at("name"), "lamp");
    EXPECT_EQ(c.head("/items/1").status(), 200);
    EXPECT_EQ(c.get("/items").json().at("count"), 1);

    auto put = c.put("/items/1");
    EXPECT_EQ(put.status(), 405);
    EXPECT_EQ(put.headers().get("Allow"), "DELETE, GET, HEAD, OPTIONS");
    EXPECT_EQ(c.delete_("/items/1").status(), 204);
    EXPECT_EQ(c.get("/items/1").status(), 404);
}

TEST(ClassViews, NewInstancePerRequestByDefault) {
    Store store;
    vial::App app;
    app.add_url_rule("/items/<int:id>", vial::as_view<ItemApi>("item", std::ref(store)));
    vial::TestClient c{app};
    int before = ItemApi::constructed;
    c.get("/items/5");
    c.get("/items/6");
    EXPECT_EQ(ItemApi::constructed - before, 2);
}

TEST(ClassViews, SharedInstanceWhenInitEveryRequestIsFalse) {
    vial::App app;
    app.add_url_rule("/count", vial::as_view<Counter>("count"));
    vial::TestClient c{app};
    c.get("/count");
    EXPECT_EQ(c.get("/count").text(), "2");
}

TEST(ClassViews, DispatchRequestViewUsesItsMethodsList) {
    vial::App app;
    app.add_url_rule("/hello", vial::as_view<Hello>("hello"));
    vial::TestClient c{app};
    EXPECT_EQ(c.get("/hello").text(), "hello via GET");
    EXPECT_EQ(c.post("/hello").text(), "hello via POST");
    EXPECT_EQ(c.put("/hello").status(), 405);
}

TEST(ClassViews, RouteOptionsOverrideTheEndpoint) {
    vial::App app;
    app.add_url_rule("/h", vial::as_view<Hello>("hello"), {.endpoint = "greeting"});
    app.freeze();
    EXPECT_EQ(app.url_for("greeting"), "/h");
}

}  // namespace
