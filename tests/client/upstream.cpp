#include "upstream.hpp"

#include <vial/http_client.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace vial::testing {

using namespace std::chrono_literals;

std::unique_ptr<App> make_upstream(std::shared_ptr<UpstreamState> state) {
    auto app = std::make_unique<App>("upstream");
    app->get("/json", [](Request&) { return Json{{"hello", "world"}}; });
    app->get("/slow", [](Request& req) -> Task<std::string> {
        co_await vial::sleep(std::chrono::milliseconds(req.args().get<int>("ms", 100)));
        co_return "slow";
    });
    app->route("/echo",
               [](Request& req) {
                   JsonObject args;
                   for (const auto& [k, v] : req.args()) args[k] = v;
                   JsonObject form;
                   for (const auto& [k, v] : req.form()) form[k] = v;
                   return Json{
                       {"method", req.method()},
                       {"body", req.body()},
                       {"content_type", std::string(req.headers().get_or("Content-Type", ""))},
                       {"authorization", std::string(req.headers().get_or("Authorization", ""))},
                       {"x_test", std::string(req.headers().get_or("X-Test", ""))},
                       {"args", args},
                       {"form", form}};
               },
               {.methods = {"GET", "POST", "PUT", "PATCH", "DELETE"}});
    app->get("/status/<int:code>",
             [](Request& req) { return Response("status", req.view_arg<int>("code")); });
    app->get("/redirect", [](Request& req) {
        return redirect(std::string(req.args().get("to").value_or("/json")));
    });
    app->get("/loop", [](Request&) { return redirect("/loop"); });
    app->get("/wait", [state](Request&) -> Task<std::string> {
        try {
            co_await vial::sleep(30s);
        } catch (const Cancelled&) {
            ++state->cancelled;
            throw;
        }
        co_return "waited";
    });
    auto http = std::make_shared<HttpClient>();
    app->get("/fanout", [http](Request& req) -> Task<Json> {
        std::string base =
            "http://" + std::string(req.headers().get_or("Host", "")) + "/slow?ms=100";
        auto started = std::chrono::steady_clock::now();
        auto [a, b, c] = co_await gather(http->get(base), http->get(base), http->get(base));
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
        co_return Json{{"bodies", a.text() + b.text() + c.text()}, {"elapsed_ms", ms}};
    });
    return app;
}

Upstream::Upstream() : app_(make_upstream(state_)) {
    server_ =
        std::make_unique<Server>(*app_, ServerOptions{.port = 0, .threads = 1, .quiet = true});
    server_->start();
}

Upstream::~Upstream() {
    server_.reset();
}

std::string Upstream::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
}

namespace {
std::pair<int, std::uint16_t> listen_socket(int backlog) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd, backlog) != 0)
        throw std::runtime_error("cannot listen");
    socklen_t length = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
    return {fd, ntohs(addr.sin_port)};
}
}  // namespace

SilentListener::SilentListener(bool accepting) {
    std::tie(fd_, port_) = listen_socket(accepting ? 16 : 0);
    if (!accepting) {
        // Fill the (tiny) accept queue: further SYNs are dropped and a connect hangs.
        for (int i = 0; i < 3; ++i) {
            int client = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(port_);
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            ::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
            held_.push_back(client);
        }
        std::this_thread::sleep_for(50ms);
    }
}

SilentListener::~SilentListener() {
    for (int fd : held_) ::close(fd);
    ::close(fd_);
}

std::uint16_t closed_port() {
    auto [fd, port] = listen_socket(1);
    ::close(fd);
    return port;
}

}  // namespace vial::testing
