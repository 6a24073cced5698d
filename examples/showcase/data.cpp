#include "data.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>

namespace {

// Opened and seeded once, by the first request, with the URL the config has by then
// (VIAL_DATABASE_URL is read when the server starts, after the routes are registered).
struct ShowcaseDatabase {
    std::once_flag opened;
    std::unique_ptr<vial::Database> db;

    vial::Database& get(const vial::App& app) {
        std::call_once(opened, [&] {
            auto url = app.config().get<std::string>("DATABASE_URL", "sqlite://:memory:");
            auto fresh = std::make_unique<vial::Database>(url);
            // Once per process, a few milliseconds: before any query can be queued.
            vial::run_sync(seed(*fresh));
            db = std::move(fresh);
        });
        return *db;
    }

    // The same SQL on SQLite and PostgreSQL (ids given, DOUBLE PRECISION), except for
    // filling World, where each has its own row generator.
    static vial::Task<void> seed(vial::Database& db) {
        co_await db.execute(
            "CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
            "UNIQUE, price DOUBLE PRECISION NOT NULL)");
        co_await db.execute(
            "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, product_id INTEGER NOT "
            "NULL REFERENCES products(id), quantity INTEGER NOT NULL)");
        co_await db.execute(
            "CREATE TABLE IF NOT EXISTS world (id INTEGER PRIMARY KEY, randomnumber INTEGER NOT "
            "NULL)");
        if (co_await db.query_value<std::int64_t>("SELECT count(*) FROM world") == 0) {
            co_await db.execute(
                db.backend() == "postgresql"
                    ? "INSERT INTO world (id, randomnumber) SELECT i, floor(random() * 10000) + 1 "
                      "FROM generate_series(1, 10000) AS i"
                    : "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < "
                      "10000) INSERT INTO world (id, randomnumber) SELECT i, abs(random() % 10000) "
                      "+ 1 FROM s");
        }
        if (co_await db.query_value<std::int64_t>("SELECT count(*) FROM products") > 0) co_return;
        co_await db.transaction([](vial::Transaction& tx) -> vial::Task<void> {
            const char* names[] = {"pen", "notebook", "lamp", "chair", "desk"};
            const double prices[] = {1.5, 4.25, 19.9, 49.0, 120.0};
            for (int i = 0; i < 5; ++i)
                co_await tx.execute("INSERT INTO products (id, name, price) VALUES (?, ?, ?)",
                                    i + 1, names[i], prices[i]);
            for (int i = 0; i < 8; ++i)
                co_await tx.execute(
                    "INSERT INTO orders (id, product_id, quantity) VALUES (?, ?, ?)", i + 1,
                    i % 5 + 1, i + 1);
        });
    }
};

}  // namespace

namespace {

int random_id() {
    thread_local std::minstd_rand generator{std::random_device{}()};
    return std::uniform_int_distribution<int>(1, 10000)(generator);
}

// TechEmpower's rule: `queries` is clamped to 1..500, and anything not a number is 1.
int query_count(const vial::Request& request) {
    std::string text = request.args().get<std::string>("queries", "1");
    int count = 1;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
    if (error != std::errc() || end != text.data() + text.size()) count = 1;
    return std::clamp(count, 1, 500);
}

vial::Json world_json(const vial::Row& row) {
    return vial::Json{{"id", row.get<std::int64_t>(0)}, {"randomNumber", row.get<std::int64_t>(1)}};
}

constexpr const char* kWorldById = "SELECT id, randomnumber FROM world WHERE id = ?";

// `count` random World rows, one statement each, sent together (pipelined in one round
// trip on PostgreSQL).
vial::Task<std::vector<vial::Row>> random_worlds(vial::Database& db, int count) {
    std::vector<std::vector<vial::SqlValue>> ids;
    ids.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) ids.push_back({vial::SqlValue(std::int64_t{random_id()})});
    std::vector<std::vector<vial::Row>> found = co_await db.query_many(kWorldById, std::move(ids));
    std::vector<vial::Row> rows;
    rows.reserve(found.size());
    for (auto& one : found) rows.push_back(std::move(one.at(0)));
    co_return rows;
}

}  // namespace

void register_data_routes(vial::App& app) {
    auto store = std::make_shared<ShowcaseDatabase>();

    app.get("/get-data", [store](vial::RequestContext& ctx) -> vial::Task<vial::Json> {
        vial::Database& db = store->get(ctx.app());
        double max_price = ctx.request().args().get<double>("max_price", 1e9);
        std::vector<vial::Row> rows = co_await db.query(
            "SELECT id, name, price FROM products WHERE price <= ? ORDER BY price", max_price);
        co_return vial::rows_to_json(rows);
    });

    app.get("/dashboard", [store](vial::RequestContext& ctx) -> vial::Task<vial::Json> {
        vial::Database& db = store->get(ctx.app());
        auto started = std::chrono::steady_clock::now();
        auto [count, average, latest] = co_await vial::gather(
            db.query_value<std::int64_t>("SELECT count(*) FROM products"),
            db.query_value<double>("SELECT avg(price) FROM products"),
            db.query("SELECT o.id, p.name, o.quantity FROM orders o JOIN products p ON "
                     "p.id = o.product_id ORDER BY o.id DESC LIMIT 3"));
        double elapsed =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count();
        co_return vial::Json{{"products", count},
                             {"average_price", average},
                             {"latest_orders", vial::rows_to_json(latest)},
                             {"elapsed_ms", elapsed}};
    });

    // TechEmpower's database tests: one random row; N rows; N rows updated.
    app.get("/db", [store](vial::RequestContext& ctx) -> vial::Task<vial::Json> {
        vial::Database& db = store->get(ctx.app());
        std::optional<vial::Row> row = co_await db.query_one(kWorldById, random_id());
        co_return world_json(*row);
    });

    app.get("/queries", [store](vial::RequestContext& ctx) -> vial::Task<vial::Json> {
        vial::Database& db = store->get(ctx.app());
        auto rows = co_await random_worlds(db, query_count(ctx.request()));
        vial::JsonArray out;
        out.reserve(rows.size());
        for (const auto& row : rows) out.push_back(world_json(row));
        co_return out;
    });

    app.get("/updates", [store](vial::RequestContext& ctx) -> vial::Task<vial::Json> {
        vial::Database& db = store->get(ctx.app());
        auto rows = co_await random_worlds(db, query_count(ctx.request()));
        vial::JsonArray out;
        std::vector<std::vector<vial::SqlValue>> writes;
        out.reserve(rows.size());
        writes.reserve(rows.size());
        for (const auto& row : rows) {
            std::int64_t id = row.get<std::int64_t>(0), fresh = random_id();
            writes.push_back({vial::SqlValue(fresh), vial::SqlValue(id)});
            out.push_back(vial::Json{{"id", id}, {"randomNumber", fresh}});
        }
        co_await db.execute_many("UPDATE world SET randomnumber = ? WHERE id = ?",
                                 std::move(writes));
        co_return out;
    });
}
