#pragma once
/// vial::migrate: numbered .sql files applied once, in order.
///
///     migrations/0001_create_items.sql
///     migrations/0002_add_price.sql
///
///     std::vector<std::string> applied = co_await vial::migrate(db, "migrations");
///
/// A file's leading digits are its version. Each file not yet recorded in the
/// `vial_migrations` table runs in a transaction of its own, its statements split at
/// `;` (not inside literals, quoted names, comments or $$ bodies), and is recorded in
/// that same transaction: a failing file changes nothing and stops the run, with a
/// DatabaseError naming it. The same files work on SQLite and PostgreSQL as long as
/// their SQL does.
///
/// From the command line: `./app db upgrade [--dir DIR]` (DATABASE_URL from the config,
/// MIGRATIONS_DIR or `migrations`); with DATABASE_MIGRATE_ON_START true, `./app run`
/// applies them before serving. Run it from one process at a time.
#include <vial/database.hpp>

#include <string>
#include <vector>

namespace vial {

/// Applies the migrations of `directory` not applied yet; their file names, in order.
/// Throws DatabaseError for a missing directory, a file without a version, or two files
/// with one version.
Task<std::vector<std::string>> migrate(Database& db, std::string directory);

}  // namespace vial
