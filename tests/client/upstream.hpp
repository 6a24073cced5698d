#pragma once
// An upstream for the HTTP client's tests: a vial app on a real socket (port 0, one
// loop), started and stopped by each test, plus raw listeners that misbehave on purpose.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <atomic>
#include <memory>
#include <string>

namespace vial::testing {

struct UpstreamState {
    std::atomic<int> cancelled{0};
};

/// Routes: /json, /slow?ms=N, /echo (any method: what it received, as JSON),
/// /status/<int:code>, /redirect?to=URL, /loop (redirects to itself), /wait (30 s, counts
/// cancellations), /fanout (a view awaiting three /slow?ms=100 through the client).
std::unique_ptr<App> make_upstream(std::shared_ptr<UpstreamState> state);

class Upstream {
  public:
    Upstream();
    ~Upstream();
    std::string url(const std::string& path) const;
    UpstreamState& state() { return *state_; }

  private:
    std::shared_ptr<UpstreamState> state_ = std::make_shared<UpstreamState>();
    std::unique_ptr<App> app_;
    std::unique_ptr<Server> server_;
};

/// A TCP listener on 127.0.0.1 that accepts connections and never answers; `accepting`
/// false: never accepts either, its backlog full, so a connect hangs.
class SilentListener {
  public:
    explicit SilentListener(bool accepting);
    ~SilentListener();
    std::uint16_t port() const { return port_; }

  private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::vector<int> held_;
};

/// A port nothing listens on.
std::uint16_t closed_port();

}  // namespace vial::testing
