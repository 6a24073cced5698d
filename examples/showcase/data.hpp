#pragma once
// The seeds' database examples on vial::Database: /get-data awaits a query and returns
// JSON; /dashboard runs three queries at once with gather. The database is config
// DATABASE_URL (VIAL_DATABASE_URL), in memory by default, created and seeded on first use.
#include <vial/vial.hpp>

#include <memory>
#include <mutex>

/// The showcase's one database: config DATABASE_URL (VIAL_DATABASE_URL), in memory by
/// default, opened and seeded once, by the first request that needs it (the URL is read
/// when the server starts, after the routes are registered).
class ShowcaseDatabase {
  public:
    vial::Database& get(const vial::App& app);

  private:
    static vial::Task<void> seed(vial::Database& db);
    std::once_flag opened_;
    std::unique_ptr<vial::Database> db_;
};

/// GET /get-data[?max_price=N]: the products, cheapest first, as a JSON array.
/// GET /dashboard: product count, average price and the three newest orders, queried
/// concurrently.
/// GET /db, /queries?queries=N, /updates?queries=N: TechEmpower's database tests on a
/// 10,000-row `world` table (N clamped to 1..500).
void register_data_routes(vial::App& app, std::shared_ptr<ShowcaseDatabase> database);
