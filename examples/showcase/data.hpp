#pragma once
// The seeds' database examples on vial::Database: /get-data awaits a query and returns
// JSON; /dashboard runs three queries at once with gather. The database is config
// DATABASE_URL (VIAL_DATABASE_URL), in memory by default, created and seeded on first use.
#include <vial/vial.hpp>

#include <memory>
#include <mutex>

/// The showcase's one database: config DATABASE_URL (VIAL_DATABASE_URL), in memory by
/// default, opened and seeded by the first request that needs it (the URL is read when
/// the server starts, after the routes are registered). Requests arriving meanwhile wait
/// for that seeding; if it fails, the next request tries again.
class ShowcaseDatabase {
  public:
    vial::Task<vial::Database*> get(const vial::App& app);

  private:
    enum class Seed { none, running, done };
    static vial::Task<void> seed(vial::Database& db);
    std::mutex mutex_;
    std::unique_ptr<vial::Database> db_;
    Seed seed_ = Seed::none;
};

/// GET /get-data[?max_price=N]: the products, cheapest first, as a JSON array.
/// GET /dashboard: product count, average price and the three newest orders, queried
/// concurrently.
/// GET /db, /queries?queries=N, /updates?queries=N: TechEmpower's database tests on a
/// 10,000-row `world` table (N clamped to 1..500).
void register_data_routes(vial::App& app, std::shared_ptr<ShowcaseDatabase> database);
