#pragma once
// An upstream for the HTTP client's tests: a vial app on a real socket (port 0, one
// loop), started and stopped by each test, plus raw listeners that misbehave on purpose.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include "support/message_of.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace vial::testing {

struct UpstreamState {
    std::atomic<int> cancelled{0};
    // /slow requests being answered now, and the most at once.
    std::atomic<int> slow_active{0};
    std::atomic<int> slow_peak{0};
};

/// Routes: /json, /slow?ms=N (counts how many run at once), /echo (any method: what it received, as
/// JSON), /status/<int:code>, /redirect?to=URL, /loop (redirects to itself), /wait (30 s, counts
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

/// A raw HTTP/1.1 server on 127.0.0.1 whose answers a test scripts byte by byte, to
/// misbehave on purpose (stall mid-body, reset, lie about lengths) and to count
/// connections. Each connection runs `script` on its own thread, with its socket.
class ScriptedUpstream {
  public:
    using Script = std::function<void(int fd)>;
    explicit ScriptedUpstream(Script script);
    ~ScriptedUpstream();
    std::string url(const std::string& path) const;
    /// Connections accepted so far.
    int connections() const { return accepted_; }

    /// Reads one request (head, and a Content-Length body); empty at EOF.
    static std::string read_request(int fd);
    static void write_all(int fd, std::string_view bytes);
    /// Closes `fd` now, with RST instead of FIN.
    void reset(int fd);

  private:
    Script script_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<int> accepted_{0};
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::vector<int> open_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

/// A port nothing listens on.
std::uint16_t closed_port();

}  // namespace vial::testing
