#include "data.hpp"

#include <chrono>
#include <memory>
#include <mutex>

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

    static vial::Task<void> seed(vial::Database& db) {
        co_await db.execute(
            "CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
            "UNIQUE, price REAL NOT NULL)");
        co_await db.execute(
            "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, product_id INTEGER NOT "
            "NULL REFERENCES products(id), quantity INTEGER NOT NULL)");
        if (co_await db.query_value<std::int64_t>("SELECT count(*) FROM products") > 0) co_return;
        const char* names[] = {"pen", "notebook", "lamp", "chair", "desk"};
        const double prices[] = {1.5, 4.25, 19.9, 49.0, 120.0};
        for (int i = 0; i < 5; ++i)
            co_await db.execute("INSERT INTO products (name, price) VALUES (?, ?)", names[i],
                                prices[i]);
        for (int i = 0; i < 8; ++i)
            co_await db.execute("INSERT INTO orders (product_id, quantity) VALUES (?, ?)",
                                i % 5 + 1, i + 1);
    }
};

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
}
