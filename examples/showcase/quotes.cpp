#include "quotes.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxSymbols = 10;

bool is_symbol(std::string_view s) {
    if (s.empty() || s.size() > 8) return false;
    for (char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    }
    return true;
}

// A made-up but stable price per symbol.
double price_of(std::string_view symbol) {
    unsigned sum = 0;
    for (char c : symbol) sum = sum * 31 + static_cast<unsigned char>(c);
    return 10.0 + static_cast<double>(sum % 9000) / 100.0;
}

int wait_ms(const vial::Request& req) {
    int ms = req.args().get<int>("ms", 50);
    if (ms < 0 || ms > 10000) vial::abort(400, "ms must be an integer from 0 to 10000");
    return ms;
}

std::vector<std::string> symbols_of(const vial::Request& req) {
    std::string_view list = req.args().get("symbols").value_or("a,b,c");
    std::vector<std::string> out;
    while (!list.empty()) {
        std::size_t comma = list.find(',');
        std::string_view symbol = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        if (!is_symbol(symbol))
            vial::abort(400, "symbols are 1-8 lowercase letters or digits, comma-separated");
        out.emplace_back(symbol);
    }
    if (out.empty() || out.size() > kMaxSymbols)
        vial::abort(400, "ask for 1 to " + std::to_string(kMaxSymbols) + " symbols");
    return out;
}

// Where the prices come from: the configured upstream, or this very server when the
// request reached it on a loopback address (never a Host a client made up: that would let
// anyone point the server at any address).
std::string upstream_of(vial::RequestContext& ctx) {
    std::string configured = ctx.app().config().get<std::string>("QUOTES_UPSTREAM", "");
    if (!configured.empty()) return configured;
    std::string_view host = ctx.request().headers().get_or("Host", "");
    if (!host.starts_with("127.0.0.1:") && !host.starts_with("localhost:"))
        vial::abort(400, "set VIAL_QUOTES_UPSTREAM, or call /quotes on 127.0.0.1");
    return "http://" + std::string(host);
}

vial::Task<double> fetch_quote(std::shared_ptr<vial::HttpClient> http, std::string url) {
    vial::ClientResponse r = co_await http->get(std::move(url));
    co_return r.raise_for_status().json().at("price").to_number<double>();
}

}  // namespace

void register_quote_routes(vial::App& app) {
    app.get("/upstream/price/<symbol>", [](vial::Request& req) -> vial::Task<vial::Json> {
        std::string symbol = req.view_arg("symbol");
        if (!is_symbol(symbol)) vial::abort(404, "no such symbol");
        co_await vial::sleep(std::chrono::milliseconds(wait_ms(req)));
        co_return vial::Json{{"symbol", symbol}, {"price", price_of(symbol)}};
    });

    // Each /quotes holds up to kMaxSymbols upstream calls at once: httpx's default of 100
    // connections per loop would queue them at ~33 concurrent /quotes.
    auto http = std::make_shared<vial::HttpClient>(vial::ClientOptions{
        .timeout = std::chrono::seconds(15), .limits = {.max_connections = 2000}});
    app.get("/quotes", [http](vial::RequestContext& ctx) -> vial::Task<vial::Json> {
        const vial::Request& req = ctx.request();
        std::vector<std::string> symbols = symbols_of(req);
        std::string base = upstream_of(ctx) + "/upstream/price/";
        std::string query = "?ms=" + std::to_string(wait_ms(req));
        bool sequential = req.args().get("sequential").value_or("0") == "1";
        auto started = Clock::now();
        std::vector<double> prices;
        std::exception_ptr failure;
        try {
            if (sequential) {
                for (const auto& s : symbols)
                    prices.push_back(co_await fetch_quote(http, base + s + query));
            } else {
                std::vector<vial::Task<double>> calls;
                for (const auto& s : symbols) calls.push_back(fetch_quote(http, base + s + query));
                prices = co_await vial::gather(std::move(calls));
            }
        } catch (const vial::HttpClientError&) {
            failure = std::current_exception();
        } catch (const vial::RequestTimeout&) {
            failure = std::current_exception();
        }
        if (failure) {
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& e) {
                vial::abort(502, std::string("the price upstream failed: ") + e.what());
            }
        }
        vial::JsonObject by_symbol;
        double total = 0;
        for (std::size_t i = 0; i < symbols.size(); ++i) {
            by_symbol[symbols[i]] = prices[i];
            total += prices[i];
        }
        double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
        co_return vial::Json{{"prices", std::move(by_symbol)},
                             {"total", total},
                             {"elapsed_ms", elapsed},
                             {"mode", sequential ? "sequential" : "concurrent"}};
    });
}
