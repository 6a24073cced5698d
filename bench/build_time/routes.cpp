// A new user's first real file, used to measure edit-and-rebuild time (bench/build_time.sh):
// 11 routes, half of them coroutines that overlap awaits with vial::gather, plus the
// usual hooks, an error handler and a blueprint. Nothing here is special to the benchmark.
#include <vial/vial.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct Item {
    std::int64_t id;
    std::string name;
    double price;
};

std::map<std::int64_t, Item>& inventory() {
    static std::map<std::int64_t, Item> items{
        {1, {1, "teapot", 18.5}},
        {2, {2, "kettle", 32.0}},
        {3, {3, "mug", 6.25}},
    };
    return items;
}

// Per-request storage (Flask's g): when the request started.
struct RequestTiming {
    std::chrono::steady_clock::time_point started;
};

// ?offset=&limit= with bounds, as most list endpoints need.
struct Page {
    std::size_t offset = 0;
    std::size_t limit = 20;
};

Page page_of(const vial::Request& request) {
    Page page;
    auto offset = request.args().get<std::int64_t>("offset", 0);
    auto limit = request.args().get<std::int64_t>("limit", 20);
    if (offset < 0) vial::abort(400, "offset must not be negative");
    if (limit < 1 || limit > 100) vial::abort(400, "limit must be between 1 and 100");
    page.offset = static_cast<std::size_t>(offset);
    page.limit = static_cast<std::size_t>(limit);
    return page;
}

// A name is 1..64 printable characters.
std::string validated_name(const vial::Json& body) {
    const auto* name = body.as_object().if_contains("name");
    if (!name || !name->is_string()) vial::abort(400, "name must be a string");
    std::string text(name->as_string());
    if (text.empty() || text.size() > 64) vial::abort(400, "name must be 1 to 64 characters");
    bool printable = std::all_of(text.begin(), text.end(),
                                 [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
    if (!printable) vial::abort(400, "name must be printable");
    return text;
}

vial::Json to_json(const Item& item) {
    return vial::Json{{"id", item.id}, {"name", item.name}, {"price", item.price}};
}

// Pretend upstream services: each answers after a short wait.
vial::Task<double> fetch_price(std::string symbol) {
    co_await vial::sleep(5ms);
    co_return static_cast<double>(symbol.size()) * 10.5;
}

vial::Task<std::string> fetch_greeting(std::string name) {
    co_await vial::sleep(3ms);
    co_return "Hello, " + name + "!";
}

vial::Task<std::vector<std::string>> fetch_tags(std::int64_t id) {
    co_await vial::sleep(2ms);
    co_return std::vector<std::string>{"item", "id-" + std::to_string(id)};
}

vial::Task<void> audit(std::string what) {
    co_await vial::sleep(1ms);
    vial::logging::set_level(vial::LogLevel::info);
    (void)what;
}

void add_admin(vial::App& app) {
    vial::Blueprint admin{"admin", {.url_prefix = "/admin"}};
    admin.before_request([](vial::Request& request) -> std::optional<vial::Response> {
        if (request.headers().get("X-Admin-Token") != "secret") {
            return vial::Response("forbidden", 403);
        }
        return std::nullopt;
    });
    admin.get("/stats", [](vial::Request&) { return vial::Json{{"items", inventory().size()}}; });
    admin.post("/reset", [](vial::Request&) -> vial::Task<vial::Json> {
        co_await vial::spawn(audit("reset"));
        inventory().clear();
        co_return vial::Json{{"reset", true}};
    });
    app.register_blueprint(admin);
}

}  // namespace

std::unique_ptr<vial::App> make_routes_app() {
    auto app = std::make_unique<vial::App>("routes");

    // 2. The inventory as JSON.
    app->get("/items", [](vial::Request& request) {
        Page page = page_of(request);
        boost::json::array items;
        std::size_t index = 0;
        for (const auto& [id, item] : inventory()) {
            if (index++ < page.offset) continue;
            if (items.size() == page.limit) break;
            items.push_back(to_json(item));
        }
        return vial::Json(std::move(items));
    });

    // 3. One item, or 404.
    app->get("/items/<int:id>", [](vial::Request& request) {
        auto id = request.view_arg<std::int64_t>("id");
        auto it = inventory().find(id);
        if (it == inventory().end()) vial::abort(404, "no such item");
        return to_json(it->second);
    });

    // 4. Create an item from a JSON body.
    app->post("/items", [](vial::Request& request) {
        const vial::Json& body = request.json();
        if (!body.is_object() || !body.as_object().contains("name")) {
            vial::abort(400, "a JSON object with a name is required");
        }
        std::int64_t id = inventory().empty() ? 1 : inventory().rbegin()->first + 1;
        Item item{id, validated_name(body), 0.0};
        if (auto* price = body.as_object().if_contains("price"))
            item.price = price->to_number<double>();
        inventory()[id] = item;
        vial::Response response = vial::jsonify(to_json(item));
        response.set_status(201);
        return response;
    });

    // 5. Three prices at once: gather overlaps the waits.
    app->get("/prices", [](vial::Request&) -> vial::Task<vial::Json> {
        auto [a, b, c] =
            co_await vial::gather(fetch_price("tea"), fetch_price("coffee"), fetch_price("cocoa"));
        co_return vial::Json{{"tea", a}, {"coffee", b}, {"cocoa", c}};
    });

    // 6. A greeting and the tags of an item, concurrently.
    app->get("/items/<int:id>/card", [](vial::Request& request) -> vial::Task<vial::Json> {
        auto id = request.view_arg<std::int64_t>("id");
        auto [greeting, tags] = co_await vial::gather(fetch_greeting("visitor"), fetch_tags(id));
        boost::json::array tag_list;
        for (auto& tag : tags) tag_list.emplace_back(tag);
        co_return vial::Json{{"greeting", greeting}, {"tags", std::move(tag_list)}};
    });

    // 7. A range of tasks gathered in input order.
    app->get("/quotes", [](vial::Request& request) -> vial::Task<vial::Json> {
        auto symbols = request.args().get_all("s");
        std::vector<vial::Task<double>> tasks;
        for (const auto& symbol : symbols) tasks.push_back(fetch_price(std::string(symbol)));
        auto prices = co_await vial::gather(std::move(tasks));
        boost::json::object out;
        for (std::size_t i = 0; i < symbols.size(); ++i) out[symbols[i]] = prices[i];
        co_return vial::Json(std::move(out));
    });

    // 8. A deadline on a slow call.
    app->get("/slow", [](vial::Request& request) -> vial::Task<vial::Response> {
        auto ms = request.args().get<int>("ms", 10);
        try {
            co_await vial::timeout(50ms, vial::sleep(std::chrono::milliseconds(ms)));
        } catch (const vial::TimeoutError&) {
            co_return vial::Response("too slow", 504);
        }
        co_return vial::Response("done in time");
    });

    // 10. A session counter.
    app->get("/visits", [](vial::RequestContext& ctx) {
        auto& session = ctx.session();
        const vial::Json* seen = session.get("visits");
        std::int64_t visits = (seen && seen->is_int64() ? seen->as_int64() : 0) + 1;
        session.set("visits", visits);
        return vial::Json{{"visits", visits}};
    });

    // 11. Blocking work moved off the loop.
    app->get("/checksum", [](vial::Request& request) -> vial::Task<vial::Json> {
        std::string text(request.args().get("text").value_or("vial"));
        auto sum = co_await vial::to_thread([text] {
            std::uint64_t total = 0;
            for (char c : text) total = total * 31 + static_cast<unsigned char>(c);
            return total;
        });
        co_return vial::Json{{"checksum", sum}};
    });

    app->errorhandler(404, [](vial::Request&, const vial::HttpError& error) {
        return std::pair<vial::Json, int>{vial::Json{{"error", error.what()}}, 404};
    });
    app->before_request([](vial::RequestContext& ctx) -> std::optional<vial::Response> {
        ctx.g<RequestTiming>().started = std::chrono::steady_clock::now();
        return std::nullopt;
    });
    app->after_request([](vial::RequestContext& ctx, vial::Response& response) {
        response.headers().set("X-Shop", "vial");
        if (auto* timing = ctx.find_g<RequestTiming>()) {
            auto spent = std::chrono::steady_clock::now() - timing->started;
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(spent).count();
            response.headers().set("Server-Timing", "app;dur=" + std::to_string(us / 1000.0));
        }
    });
    add_admin(*app);
    return app;
}

int main(int argc, char** argv) {
    auto app = make_routes_app();
    return vial::cli::main(*app, argc, argv);
}
