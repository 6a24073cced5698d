#pragma once
// The showcase's /api blueprint: a MethodView over an item store in the database, timed into
// `g` by a before_request hook and reported in Server-Timing by an after_request hook.
#include <vial/vial.hpp>

#include <memory>
#include <optional>
#include <string>

#include "data.hpp"

/// The items, in the showcase's database (an `items` table: id, JSON body), so they are
/// shared by every event loop and, on PostgreSQL, every process. Bounded (kMaxItems items
/// of at most kMaxItemBytes), since clients fill it.
class ItemStore {
  public:
    static constexpr std::size_t kMaxItems = 10000;
    static constexpr std::size_t kMaxItemBytes = 4096;
    /// GET /api/items answers at most this many per page (?limit=&offset=).
    static constexpr std::size_t kPageSize = 100;

    struct Page {
        vial::JsonArray items;
        std::size_t total;
    };

    explicit ItemStore(std::shared_ptr<ShowcaseDatabase> database)
        : database_(std::move(database)) {}
    vial::Task<vial::Database*> db(const vial::App& app) { return database_->get(app); }

    /// The new item's id, or nullopt when the store is full.
    static vial::Task<std::optional<std::int64_t>> add(vial::Database& db, vial::Json item);
    static vial::Task<std::optional<vial::Json>> find(vial::Database& db, std::int64_t id);
    static vial::Task<bool> erase(vial::Database& db, std::int64_t id);
    /// Up to `limit` items in id order, skipping the first `offset`, and the count of all.
    static vial::Task<Page> page(vial::Database& db, std::size_t offset, std::size_t limit);

  private:
    std::shared_ptr<ShowcaseDatabase> database_;
};

/// Registers the blueprint (url_prefix "/api") on `app`; `store` must outlive the app.
void register_items_api(vial::App& app, std::shared_ptr<ItemStore> store);
