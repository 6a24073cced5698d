#include "items_api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>

namespace {

// A stored body with its id added.
vial::Json item_of(const vial::Row& row) {
    vial::Json item = boost::json::parse(row.get<std::string>("body"));
    item.as_object()["id"] = row.get<std::int64_t>("id");
    return item;
}

}  // namespace

vial::Task<std::optional<std::int64_t>> ItemStore::add(vial::Database& db, vial::Json item) {
    std::string body = boost::json::serialize(item);
    // In one transaction, so the bound holds against concurrent adds (on SQLite, whose
    // writer runs one transaction at a time; on PostgreSQL it is approximate).
    std::optional<std::int64_t> id = co_await db.transaction(
        [&](vial::Transaction& tx) -> vial::Task<std::optional<std::int64_t>> {
            auto count = co_await tx.query_value<std::int64_t>("SELECT count(*) FROM items");
            if (static_cast<std::size_t>(count) >= kMaxItems) co_return std::nullopt;
            co_return co_await tx.query_value<std::int64_t>(
                "INSERT INTO items (body) VALUES (?) RETURNING id", body);
        });
    co_return id;
}

vial::Task<std::optional<vial::Json>> ItemStore::find(vial::Database& db, std::int64_t id) {
    std::optional<vial::Row> row =
        co_await db.query_one("SELECT id, body FROM items WHERE id = ?", id);
    if (!row) co_return std::nullopt;
    co_return item_of(*row);
}

vial::Task<bool> ItemStore::erase(vial::Database& db, std::int64_t id) {
    vial::ExecResult done = co_await db.execute("DELETE FROM items WHERE id = ?", id);
    co_return done.rows_affected > 0;
}

vial::Task<ItemStore::Page> ItemStore::page(vial::Database& db, std::size_t offset,
                                            std::size_t limit) {
    auto [rows, total] = co_await vial::gather(
        db.query("SELECT id, body FROM items ORDER BY id LIMIT ? OFFSET ?", limit, offset),
        db.query_value<std::int64_t>("SELECT count(*) FROM items"));
    Page out{.items = {}, .total = static_cast<std::size_t>(total)};
    out.items.reserve(rows.size());
    for (const vial::Row& row : rows) out.items.push_back(item_of(row));
    co_return out;
}

namespace {

// GET /api/items, POST /api/items.
struct ItemList {
    std::shared_ptr<ItemStore> store;

    // One page at a time: a list of every item (10000 x 4 KiB) per request would let a
    // few clients that never read hold gigabytes of responses.
    vial::Task<vial::Json> get(vial::RequestContext& ctx) {
        const vial::Request& req = ctx.request();
        auto number = [&](const char* name, std::size_t fallback, std::size_t most) {
            if (!req.args().contains(name)) return fallback;
            auto value = req.args().get<std::int64_t>(name, -1);
            if (value < 0 || static_cast<std::size_t>(value) > most) {
                vial::abort(400, std::string(name) + " must be an integer from 0 to " +
                                     std::to_string(most));
            }
            return static_cast<std::size_t>(value);
        };
        std::size_t limit = number("limit", ItemStore::kPageSize, ItemStore::kPageSize);
        std::size_t offset = number("offset", 0, ItemStore::kMaxItems);
        vial::Database& db = *co_await store->db(ctx.app());
        ItemStore::Page page = co_await ItemStore::page(db, offset, limit);
        vial::Json next = nullptr;
        if (offset + page.items.size() < page.total && limit > 0) {
            next = ctx.url_for(".items", {{"limit", static_cast<std::int64_t>(limit)},
                                          {"offset", static_cast<std::int64_t>(offset + limit)}});
        }
        co_return vial::Json{{"items", std::move(page.items)},
                             {"total", page.total},
                             {"offset", offset},
                             {"limit", limit},
                             {"next", std::move(next)}};
    }

    vial::Task<std::pair<vial::Json, int>> post(vial::RequestContext& ctx) {
        if (ctx.request().body().size() > ItemStore::kMaxItemBytes) {
            vial::abort(413, "an item is at most " + std::to_string(ItemStore::kMaxItemBytes) +
                                 " bytes of JSON");
        }
        const vial::Json& body = ctx.request().json();
        if (!body.is_object() || !body.as_object().contains("name") ||
            !body.at("name").is_string()) {
            vial::abort(400, "an item is a JSON object with a string \"name\"");
        }
        vial::Database& db = *co_await store->db(ctx.app());
        std::optional<std::int64_t> id = co_await ItemStore::add(db, body);
        if (!id) {
            vial::abort(503, "the store is full (" + std::to_string(ItemStore::kMaxItems) +
                                 " items); delete some first");
        }
        std::string url = ctx.url_for(".item", {{"id", *id}});
        co_return std::pair<vial::Json, int>{vial::Json{{"id", *id}, {"url", url}}, 201};
    }
};

// GET /api/items/<id>, DELETE /api/items/<id>.
struct ItemDetail {
    std::shared_ptr<ItemStore> store;

    vial::Task<vial::Json> get(vial::RequestContext& ctx) {
        auto id = ctx.request().view_arg<std::int64_t>("id");
        vial::Database& db = *co_await store->db(ctx.app());
        std::optional<vial::Json> item = co_await ItemStore::find(db, id);
        if (!item) vial::abort(404, "no such item");
        co_return std::move(*item);
    }

    vial::Task<vial::Response> delete_(vial::RequestContext& ctx) {
        auto id = ctx.request().view_arg<std::int64_t>("id");
        vial::Database& db = *co_await store->db(ctx.app());
        bool erased = co_await ItemStore::erase(db, id);
        if (!erased) vial::abort(404, "no such item");
        co_return vial::Response(204);
    }
};

struct RequestTiming {
    std::chrono::steady_clock::time_point started;
};

}  // namespace

void register_items_api(vial::App& app, std::shared_ptr<ItemStore> store) {
    vial::Blueprint api{"api", {.url_prefix = "/api"}};
    api.before_request([](vial::RequestContext& ctx) {
        ctx.g<RequestTiming>().started = std::chrono::steady_clock::now();
    });
    api.after_request([](vial::RequestContext& ctx, vial::Response& response) {
        auto elapsed = std::chrono::steady_clock::now() - ctx.g<RequestTiming>().started;
        double ms = std::chrono::duration<double, std::milli>(elapsed).count();
        response.headers().set("Server-Timing", "app;dur=" + std::to_string(ms));
    });
    api.add_url_rule("/items", vial::as_view<ItemList>("items", store));
    api.add_url_rule("/items/<int:id>", vial::as_view<ItemDetail>("item", store));
    app.register_blueprint(api);
}
