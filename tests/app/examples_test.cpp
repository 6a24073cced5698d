// The examples, driven through TestClient, so they never rot.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vial/vial.hpp>

#include "hello.hpp"
#include "items_api.hpp"
#include "showcase.hpp"

namespace {

class Showcase : public ::testing::Test {
  protected:
    std::unique_ptr<vial::App> app = make_app();
    vial::TestClient client{*app};
};

TEST_F(Showcase, Plaintext) {
    auto r = client.get("/plaintext");
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.text(), "Hello, World!");
    EXPECT_EQ(r.headers().get("Content-Type"), "text/plain");
}

TEST_F(Showcase, Json) {
    auto r = client.get("/json");
    EXPECT_EQ(r.headers().get("Content-Type"), "application/json");
    EXPECT_EQ(r.json(), (vial::Json{{"message", "Hello, World!"}}));
}

TEST_F(Showcase, PricesGathersThreeWaitsConcurrently) {
    auto r = client.get("/prices");
    ASSERT_EQ(r.status(), 200);
    auto body = r.json().as_object();
    EXPECT_DOUBLE_EQ(body.at("total").as_double(), 6.75);
    double elapsed = body.at("elapsed_ms").as_double();
    EXPECT_GE(elapsed, 49.0);
    EXPECT_LT(elapsed, 140.0);  // three 50 ms awaits overlapped
}

// The seeds' database examples on the showcase's seeded in-memory SQLite.
TEST_F(Showcase, GetDataAwaitsAQueryAndReturnsJson) {
    auto r = client.get("/get-data?max_price=20");
    ASSERT_EQ(r.status(), 200) << r.text();
    vial::Json rows = r.json();
    ASSERT_EQ(rows.as_array().size(), 3u);
    EXPECT_EQ(rows.at(0).at("name"), "pen");
    EXPECT_EQ(rows.at(2).at("name"), "lamp");
    EXPECT_EQ(client.get("/get-data").json().as_array().size(), 5u);
}

TEST_F(Showcase, DashboardRunsThreeQueriesWithGather) {
    auto r = client.get("/dashboard");
    ASSERT_EQ(r.status(), 200) << r.text();
    vial::Json body = r.json();
    EXPECT_EQ(body.at("products"), 5);
    EXPECT_NEAR(body.at("average_price").to_number<double>(), 38.93, 1e-9);
    ASSERT_EQ(body.at("latest_orders").as_array().size(), 3u);
    EXPECT_EQ(body.at("latest_orders").at(0).at("id"), 8);
}

// /world.csv streams the whole table through db.stream, a batch of rows at a time.
TEST_F(Showcase, TheWorldTableStreamsAsCsv) {
    auto csv = client.get("/world.csv");
    ASSERT_EQ(csv.status(), 200) << csv.text();
    EXPECT_EQ(csv.headers().get("Content-Type"), "text/csv; charset=utf-8");
    std::string text = csv.text();
    EXPECT_TRUE(text.starts_with("id,randomNumber\n1,")) << text.substr(0, 40);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 10001);
    EXPECT_NE(text.find("\n10000,"), std::string::npos);
}

TEST_F(Showcase, TechEmpowerDatabaseEndpoints) {
    auto one = client.get("/db");
    ASSERT_EQ(one.status(), 200) << one.text();
    std::int64_t id = one.json().at("id").to_number<std::int64_t>();
    EXPECT_GE(id, 1);
    EXPECT_LE(id, 10000);
    EXPECT_GE(one.json().at("randomNumber").to_number<std::int64_t>(), 1);
    EXPECT_EQ(client.get("/queries?queries=20").json().as_array().size(), 20u);
    // Clamped to 1..500; anything not a number is 1.
    EXPECT_EQ(client.get("/queries?queries=0").json().as_array().size(), 1u);
    EXPECT_EQ(client.get("/queries?queries=foo").json().as_array().size(), 1u);
    EXPECT_EQ(client.get("/queries").json().as_array().size(), 1u);
    EXPECT_EQ(client.get("/queries?queries=501").json().as_array().size(), 500u);
    EXPECT_EQ(client.get("/queries?queries=99999999999999999999").json().as_array().size(), 500u);
    // Updated rows are returned with their new numbers, and stored.
    vial::Json updated = client.get("/updates?queries=5").json();
    ASSERT_EQ(updated.as_array().size(), 5u);
    std::map<std::int64_t, std::int64_t> fresh;
    for (const auto& r : updated.as_array())
        fresh[r.at("id").to_number<std::int64_t>()] =
            r.at("randomNumber").to_number<std::int64_t>();
    int seen = 0;
    for (int attempt = 0; attempt < 100 && seen == 0; ++attempt) {
        vial::Json rows = client.get("/queries?queries=500").json();
        for (const auto& r : rows.as_array()) {
            auto found = fresh.find(r.at("id").to_number<std::int64_t>());
            if (found == fresh.end()) continue;
            ++seen;
            EXPECT_EQ(r.at("randomNumber").to_number<std::int64_t>(), found->second);
        }
    }
    EXPECT_GT(seen, 0);
}

TEST_F(Showcase, SlowValidatesItsArgument) {
    EXPECT_EQ(client.get("/slow?ms=5").text(), "ok");
    EXPECT_EQ(client.get("/slow?ms=-1").status(), 400);
    EXPECT_EQ(client.get("/slow?ms=60001").status(), 400);
    EXPECT_EQ(client.get("/slow?ms=abc").status(), 400);
}

TEST_F(Showcase, HelloEscapesTheName) {
    EXPECT_EQ(client.get("/hello/bob").text(), "Hello, bob!");
    EXPECT_EQ(client.get("/hello/%3Cscript%3E").text(), "Hello, &lt;script&gt;!");
}

TEST_F(Showcase, ItemsTakesIntsOnly) {
    EXPECT_EQ(client.get("/items/42").json(), (vial::Json{{"id", 42}}));
    EXPECT_EQ(client.get("/items/abc").status(), 404);
}

TEST_F(Showcase, EchoReturnsTheJsonBody) {
    vial::Json payload = {{"a", vial::JsonArray{1, 2}}, {"b", "x"}};
    auto r = client.post("/echo", {.json = payload});
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.json(), payload);
    vial::TestRequest bad;
    bad.body = "{nope";
    bad.headers.add("Content-Type", "application/json");
    auto err = client.post("/echo", bad);
    EXPECT_EQ(err.status(), 400);
    EXPECT_EQ(err.headers().get("Content-Type"), "application/json");
    EXPECT_NE(err.json().at("description").as_string().find("Failed to decode JSON"),
              std::string::npos);
}

TEST(Hello, BothViews) {
    auto app = make_hello_app();
    vial::TestClient client{*app};
    EXPECT_EQ(client.get("/").text(), "Hello, World!");
    EXPECT_EQ(client.get("/later").json(), (vial::Json{{"message", "Hello, later!"}}));
}

}  // namespace

namespace {

// The same fixture, its own suite name for the /api tests.
class ShowcaseApi : public Showcase {};

TEST_F(ShowcaseApi, CreateReadListDelete) {
    auto created = client.post("/api/items", {.json = vial::Json{{"name", "lamp"}}});
    ASSERT_EQ(created.status(), 201);
    std::string url(created.json().at("url").as_string());
    EXPECT_EQ(url, "/api/items/1");
    EXPECT_EQ(client.get(url).json().at("name"), "lamp");
    EXPECT_EQ(client.get("/api/items").json().at("items").as_array().size(), 1u);
    EXPECT_EQ(client.delete_(url).status(), 204);
    EXPECT_EQ(client.get(url).status(), 404);
    EXPECT_EQ(client.delete_(url).status(), 404);
}

TEST_F(ShowcaseApi, BadItemsAre400AndWrongMethods405) {
    EXPECT_EQ(client.post("/api/items", {.json = vial::Json{{"nom", "x"}}}).status(), 400);
    EXPECT_EQ(client.post("/api/items", {.json = vial::JsonArray{1}}).status(), 400);
    auto put = client.put("/api/items/1");
    EXPECT_EQ(put.status(), 405);
    EXPECT_EQ(put.headers().get("Allow"), "DELETE, GET, HEAD, OPTIONS");
}

TEST_F(ShowcaseApi, TheStoreIsBoundedInCountAndItemSize) {
    std::string big(ItemStore::kMaxItemBytes, 'x');
    auto too_big = client.post("/api/items", {.json = vial::Json{{"name", big}}});
    EXPECT_EQ(too_big.status(), 413);
    for (std::size_t i = 0; i < ItemStore::kMaxItems; ++i) {
        ASSERT_EQ(client.post("/api/items", {.json = vial::Json{{"name", "n"}}}).status(), 201);
    }
    auto full = client.post("/api/items", {.json = vial::Json{{"name", "one more"}}});
    EXPECT_EQ(full.status(), 503);
    EXPECT_NE(full.text().find("the store is full"), std::string::npos);
    EXPECT_EQ(client.delete_("/api/items/1").status(), 204);  // room again
    EXPECT_EQ(client.post("/api/items", {.json = vial::Json{{"name", "fits"}}}).status(), 201);
}

// The list is paginated: a client cannot ask for the whole store in one response.
TEST_F(ShowcaseApi, ListIsPaginated) {
    for (int i = 0; i < 150; ++i) {
        ASSERT_EQ(client.post("/api/items", {.json = vial::Json{{"name", "n"}}}).status(), 201);
    }
    auto first = client.get("/api/items").json();
    EXPECT_EQ(first.at("items").as_array().size(), ItemStore::kPageSize);
    EXPECT_EQ(first.at("total"), 150);
    EXPECT_EQ(first.at("next"), "/api/items?limit=100&offset=100");
    auto second = client.get(std::string(first.at("next").as_string())).json();
    EXPECT_EQ(second.at("items").as_array().size(), 50u);
    EXPECT_EQ(second.at("items").as_array()[0].at("id"), 101);
    EXPECT_TRUE(second.at("next").is_null());
    EXPECT_EQ(client.get("/api/items?limit=2&offset=3").json().at("items").as_array().size(), 2u);
    EXPECT_EQ(client.get("/api/items?limit=101").status(), 400);
    EXPECT_EQ(client.get("/api/items?offset=-1").status(), 400);
    EXPECT_EQ(client.get("/api/items?offset=99999").status(), 400);
}

TEST_F(ShowcaseApi, ServerTimingOnApiRoutes) {
    std::string timing(client.get("/api/items").headers().get_or("Server-Timing", ""));
    EXPECT_EQ(timing.rfind("app;dur=", 0), 0u);
    EXPECT_FALSE(client.get("/plaintext").headers().contains("Server-Timing"));
}

TEST_F(ShowcaseApi, NotFoundIsJsonEverywhere) {
    auto r = client.get("/nowhere");
    EXPECT_EQ(r.status(), 404);
    EXPECT_EQ(r.json().at("path"), "/nowhere");
    EXPECT_EQ(client.get("/api/items/99").json().at("description"), "no such item");
}

}  // namespace

namespace {

TEST(ShowcaseConcurrency, RaceAndOffload) {
    auto app = make_app();
    vial::TestClient c{*app};
    EXPECT_EQ(c.get("/race").json().at("outcome"), "answered in time");
    EXPECT_EQ(c.get("/race?deadline_ms=10").json().at("outcome"), "timed out after 10 ms");
    EXPECT_EQ(c.get("/race?deadline_ms=soon").status(), 400);
    EXPECT_EQ(c.get("/race?deadline_ms=-1").status(), 400);
    EXPECT_EQ(c.get("/offload?ms=5").text(), "offloaded");
    EXPECT_EQ(c.get("/blocking?ms=1").text(), "blocked the loop");
    EXPECT_EQ(c.get("/blocking?ms=-5").status(), 400);
    // A demonstration that cannot be turned into an outage: at most 1 s on the loop.
    EXPECT_EQ(c.get("/blocking?ms=1001").status(), 400);
}

TEST(ShowcaseConcurrency, TasksGoFromPendingToDone) {
    auto app = make_app();
    vial::TestClient c{*app};
    auto created = c.post("/tasks");
    ASSERT_EQ(created.status(), 202);
    auto id = created.json().at("id").as_int64();
    std::string url = "/tasks/" + std::to_string(id);
    EXPECT_EQ(c.get(url).json().at("state"), "pending");
    EXPECT_TRUE(c.wait_background());
    EXPECT_EQ(c.get(url).json().at("state"), "done");
    EXPECT_EQ(c.get("/tasks/999").status(), 404);
}

}  // namespace
