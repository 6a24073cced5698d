#include "showcase.hpp"

#include <atomic>
#include <chrono>
#include <iostream>

#include "concurrency.hpp"
#include "data.hpp"
#include "items_api.hpp"
#include "quotes.hpp"
#include "streaming.hpp"
#include "websockets.hpp"

#include <vial/vial.hpp>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Stands in for a call to a price service: 50 ms of waiting, no blocking.
vial::Task<double> fetch_price(std::string symbol) {
    co_await vial::sleep(50ms);
    co_return symbol == "a" ? 1.5 : symbol == "b" ? 2.25 : 3.0;
}

}  // namespace

std::unique_ptr<vial::App> make_app() {
    auto app = std::make_unique<vial::App>("showcase");

    app->get("/plaintext",
             [](vial::Request&) { return vial::Response("Hello, World!", 200, "text/plain"); });

    app->get("/json", [](vial::Request&) { return vial::Json{{"message", "Hello, World!"}}; });

    // Three 50 ms waits overlap: the view answers in ~50 ms, not 150 ms.
    app->get("/prices", [](vial::Request&) -> vial::Task<vial::Json> {
        auto started = Clock::now();
        auto [a, b, c] =
            co_await vial::gather(fetch_price("a"), fetch_price("b"), fetch_price("c"));
        auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
        co_return vial::Json{{"total", a + b + c}, {"elapsed_ms", elapsed}};
    });

    // A long wait costs a coroutine frame, not a thread.
    app->get("/slow", [](vial::Request& req) -> vial::Task<std::string> {
        int ms = 100;
        if (auto raw = req.args().get("ms")) {
            ms = req.args().get<int>("ms", -1);
            if (ms < 0 || ms > 60000) vial::abort(400, "ms must be an integer from 0 to 60000");
        }
        co_await vial::sleep(std::chrono::milliseconds(ms));
        co_return "ok";
    });

    app->get("/hello/<name>", [](vial::Request& req) {
        return "Hello, " + vial::escape(req.view_arg("name")) + "!";
    });

    app->get("/items/<int:id>", [](vial::Request& req) {
        return vial::Json{{"id", req.view_arg<std::int64_t>("id")}};
    });

    app->post("/echo", [](vial::Request& req) { return req.json(); });

    // /blocking, /offload, /tasks, /race (concurrency.cpp).
    register_concurrency_routes(*app);
    register_quote_routes(*app);
    // /stream, /events: bodies sent while they are produced (streaming.cpp).
    register_streaming_routes(*app);
    // /ws/echo, /ws/chat/<room> and the /chat page (websockets.cpp).
    register_websocket_routes(*app, std::make_shared<vial::WebSocketHub>());
    // /get-data, /dashboard, /db, /queries, /updates on vial::Database (data.cpp).
    auto database = std::make_shared<ShowcaseDatabase>();
    register_data_routes(*app, database);
    // `./vial_showcase init-db`: a command of the app's own (Flask's @app.cli.command).
    vial::App* self = app.get();
    app->cli_command(
        "init-db",
        [self, database]() -> vial::Task<int> {
            co_await database->get(*self);  // creates and seeds it unless already done
            std::cout << "database ready: "
                      << self->config().get<std::string>("DATABASE_URL", "sqlite://:memory:")
                      << std::endl;
            co_return 0;
        },
        "create and seed the showcase's database (DATABASE_URL) if it is new");

    // A JSON API: a blueprint of class-based views over the same database (items_api.cpp).
    register_items_api(*app, std::make_shared<ItemStore>(database));

    // The database unreachable or its pool exhausted: a JSON 503 the client may retry,
    // not a 500 (a bug) in HTML.
    auto unavailable = [](vial::Request&, const vial::DatabaseError& e) {
        vial::Response response = vial::jsonify(vial::Json{
            {"error", "Service Unavailable"}, {"description", "the database is unavailable"}});
        response.set_status(503);
        response.headers().set("Retry-After", "1");
        // Why, for the operator: at most once a second, however many requests fail.
        static std::atomic<std::int64_t> last_logged{0};
        std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
        if (last_logged.exchange(now) != now) std::clog << "showcase: " << e.what() << std::endl;
        return response;
    };
    app->errorhandler<vial::DatabaseConnectError>(unavailable);
    app->errorhandler<vial::DatabasePoolTimeout>(unavailable);

    // Every 404 of the app answers JSON.
    app->errorhandler(404, [](vial::Request& req, const vial::HttpError& e) {
        return std::pair<vial::Json, int>{
            vial::Json{{"error", e.name()}, {"description", e.description()}, {"path", req.path()}},
            404};
    });

    return app;
}
