#pragma once
// Starts the showcase app (plus a few test-only routes) on a real socket on 127.0.0.1,
// on a free port, with one loop; stops it after each test.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <functional>
#include <memory>

#include "showcase.hpp"
#include "support/raw_client.hpp"

namespace vial::testing {

class ServerTest : public ::testing::Test {
  protected:
    /// `routes` adds the test's own routes to the showcase's.
    void start(ConnectionLimits limits = {}, unsigned threads = 1,
               const std::function<void(App&)>& routes = {}, WebSocketOptions websocket = {}) {
        app_ = make_app();
        app_->get("/boom", [](Request&) -> std::string { throw std::runtime_error("kaboom"); });
        if (routes) routes(*app_);
        ServerOptions options;
        options.port = 0;
        options.threads = threads;
        options.quiet = true;
        options.limits = limits;
        options.websocket = websocket;
        server_ = std::make_unique<Server>(*app_, options);
        server_->start();
        port_ = server_->port();
    }
    void SetUp() override {}
    void TearDown() override { server_.reset(); }

    std::uint16_t port() const { return port_; }
    Server& server() { return *server_; }

  private:
    std::unique_ptr<App> app_;
    std::unique_ptr<Server> server_;
    std::uint16_t port_ = 0;
};

}  // namespace vial::testing
