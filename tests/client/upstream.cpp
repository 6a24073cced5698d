#include "upstream.hpp"

#include <vial/http_client.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>
#include <thread>

namespace vial::testing {

using namespace std::chrono_literals;

std::unique_ptr<App> make_upstream(std::shared_ptr<UpstreamState> state) {
    auto app = std::make_unique<App>("upstream");
    app->config().set("MAX_CONTENT_LENGTH", 16 << 20);
    app->get("/json", [](Request&) { return Json{{"hello", "world"}}; });
    app->get("/slow", [state](Request& req) -> Task<std::string> {
        int now = ++state->slow_active;
        for (int peak = state->slow_peak;
             now > peak && !state->slow_peak.compare_exchange_weak(peak, now);) {
        }
        co_await vial::sleep(std::chrono::milliseconds(req.args().get<int>("ms", 100)));
        --state->slow_active;
        co_return "slow";
    });
    app->get("/cookies/set", [](Request& req) {
        Response r("set");
        for (const auto& [name, value] : req.args()) r.set_cookie(name, value);
        return r;
    });
    app->get("/cookies", [](Request& req) {
        JsonObject cookies;
        for (const auto& [name, value] : req.cookies()) cookies[name] = value;
        return Json(cookies);
    });
    app->route(
        "/echo",
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
                {"transfer_encoding", std::string(req.headers().get_or("Transfer-Encoding", ""))},
                {"content_length", std::string(req.headers().get_or("Content-Length", ""))},
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
    ServerOptions options = server_options(app_->config());  // MAX_CONTENT_LENGTH
    options.port = 0;
    options.threads = 1;
    options.quiet = true;
    server_ = std::make_unique<Server>(*app_, options);
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

ScriptedUpstream::ScriptedUpstream(Script script) : script_(std::move(script)) {
    std::tie(fd_, port_) = listen_socket(256);
    acceptor_ = std::thread([this] {
        for (;;) {
            int client = ::accept(fd_, nullptr, nullptr);
            if (client < 0 || stopping_) {
                if (client >= 0) ::close(client);
                return;
            }
            ++accepted_;
            std::lock_guard lock(mutex_);
            open_.push_back(client);
            threads_.emplace_back([this, client] { script_(client); });
        }
    });
}

ScriptedUpstream::~ScriptedUpstream() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(fd_);
    {
        std::lock_guard lock(mutex_);
        for (int fd : open_) ::shutdown(fd, SHUT_RDWR);  // wakes scripts blocked in I/O
    }
    for (auto& thread : threads_) thread.join();
    for (int fd : open_) ::close(fd);
}

std::string ScriptedUpstream::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::string ScriptedUpstream::read_request(int fd) {
    std::string data;
    char chunk[4096];
    std::size_t end = std::string::npos;
    while ((end = data.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return {};
        data.append(chunk, static_cast<std::size_t>(n));
    }
    std::size_t length = 0;
    std::string lower = data.substr(0, end);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto at = lower.find("content-length:"); at != std::string::npos)
        length = std::stoul(lower.substr(at + 15));
    while (data.size() < end + 4 + length) {
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return {};
        data.append(chunk, static_cast<std::size_t>(n));
    }
    return data;
}

void ScriptedUpstream::write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void ScriptedUpstream::reset(int fd) {
    std::lock_guard lock(mutex_);
    std::erase(open_, fd);
    linger option{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof option);
    ::close(fd);
}

std::uint16_t closed_port() {
    auto [fd, port] = listen_socket(1);
    ::close(fd);
    return port;
}

}  // namespace vial::testing
