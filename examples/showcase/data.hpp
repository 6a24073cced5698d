#pragma once
// The seeds' database examples on vial::Database: /get-data awaits a query and returns
// JSON; /dashboard runs three queries at once with gather. The database is config
// DATABASE_URL (VIAL_DATABASE_URL), in memory by default, created and seeded on first use.
#include <vial/vial.hpp>

/// GET /get-data[?max_price=N]: the products, cheapest first, as a JSON array.
/// GET /dashboard: product count, average price and the three newest orders, queried
/// concurrently.
void register_data_routes(vial::App& app);
