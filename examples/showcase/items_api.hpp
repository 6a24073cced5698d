#pragma once
// The showcase's /api blueprint: a MethodView over an in-memory item store, timed into
// `g` by a before_request hook and reported in Server-Timing by an after_request hook.
#include <vial/vial.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>

/// Items shared by every event loop thread, hence the mutex. Bounded (kMaxItems items
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

    /// The new item's id, or nullopt when the store is full.
    std::optional<std::int64_t> add(vial::Json item);
    std::optional<vial::Json> find(std::int64_t id) const;
    bool erase(std::int64_t id);
    /// Up to `limit` items in id order, skipping the first `offset`, and the count of all.
    Page page(std::size_t offset, std::size_t limit) const;

  private:
    mutable std::mutex mutex_;
    std::map<std::int64_t, vial::Json> items_;
    std::int64_t next_id_ = 1;
};

/// Registers the blueprint (url_prefix "/api") on `app`; `store` must outlive the app.
void register_items_api(vial::App& app, std::shared_ptr<ItemStore> store);
