#include "items_api.hpp"

#include <chrono>

std::optional<std::int64_t> ItemStore::add(vial::Json item) {
    std::lock_guard lock(mutex_);
    if (items_.size() >= kMaxItems) return std::nullopt;
    std::int64_t id = next_id_++;
    item.as_object()["id"] = id;
    items_.emplace(id, std::move(item));
    return id;
}

std::optional<vial::Json> ItemStore::find(std::int64_t id) const {
    std::lock_guard lock(mutex_);
    auto it = items_.find(id);
    if (it == items_.end()) return std::nullopt;
    return it->second;
}

bool ItemStore::erase(std::int64_t id) {
    std::lock_guard lock(mutex_);
    return items_.erase(id) > 0;
}

ItemStore::Page ItemStore::page(std::size_t offset, std::size_t limit) const {
    std::lock_guard lock(mutex_);
    Page out{.items = {}, .total = items_.size()};
    auto it = items_.begin();
    std::advance(it, std::min(offset, items_.size()));
    for (; it != items_.end() && out.items.size() < limit; ++it) out.items.push_back(it->second);
    return out;
}

namespace {

// GET /api/items, POST /api/items.
struct ItemList {
    std::shared_ptr<ItemStore> store;

    // One page at a time: a list of every item (10000 x 4 KiB) per request would let a
    // few clients that never read hold gigabytes of responses.
    vial::Json get(vial::RequestContext& ctx) {
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
        ItemStore::Page page = store->page(offset, limit);
        vial::Json next = nullptr;
        if (offset + page.items.size() < page.total && limit > 0) {
            next = ctx.url_for(".items", {{"limit", static_cast<std::int64_t>(limit)},
                                          {"offset", static_cast<std::int64_t>(offset + limit)}});
        }
        return vial::Json{{"items", std::move(page.items)},
                          {"total", page.total},
                          {"offset", offset},
                          {"limit", limit},
                          {"next", std::move(next)}};
    }

    std::pair<vial::Json, int> post(vial::RequestContext& ctx) {
        if (ctx.request().body().size() > ItemStore::kMaxItemBytes) {
            vial::abort(413, "an item is at most " + std::to_string(ItemStore::kMaxItemBytes) +
                                 " bytes of JSON");
        }
        const vial::Json& body = ctx.request().json();
        if (!body.is_object() || !body.as_object().contains("name") ||
            !body.at("name").is_string()) {
            vial::abort(400, "an item is a JSON object with a string \"name\"");
        }
        std::optional<std::int64_t> id = store->add(body);
        if (!id) {
            vial::abort(503, "the store is full (" + std::to_string(ItemStore::kMaxItems) +
                                 " items); delete some first");
        }
        return {vial::Json{{"id", *id}, {"url", ctx.url_for(".item", {{"id", *id}})}}, 201};
    }
};

// GET /api/items/<id>, DELETE /api/items/<id>.
struct ItemDetail {
    std::shared_ptr<ItemStore> store;

    vial::Json get(vial::Request& req) {
        auto item = store->find(req.view_arg<std::int64_t>("id"));
        if (!item) vial::abort(404, "no such item");
        return *item;
    }

    vial::Response delete_(vial::Request& req) {
        if (!store->erase(req.view_arg<std::int64_t>("id"))) vial::abort(404, "no such item");
        return vial::Response(204);
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
