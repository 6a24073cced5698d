#pragma once
// A PostgreSQL 15 server of the test's own: initdb into a temporary directory, its own
// port on 127.0.0.1 and its own Unix-socket directory, stopped by PID. PostgreSQL
// refuses to run as root, so under root (CI) it runs as the `postgres` user Debian's
// package creates. Local and the `vial` role are trusted; the `secret` role needs its
// password (for the authentication tests).
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vial::testing {

class PostgresServer {
  public:
    PostgresServer();
    ~PostgresServer();
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    /// postgresql://vial@127.0.0.1:port/vial (+ `query`, e.g. "?sslmode=disable").
    std::string url(const std::string& query = "") const;
    std::uint16_t port() const { return port_; }

    /// Runs `sql` on a connection of its own (blocking); the first value of the first
    /// row, or "" . Throws std::runtime_error on an error.
    std::string admin(const std::string& sql, const std::string& database = "vial") const;

    /// Stops the server (fast shutdown: sessions are ended) and waits for its exit.
    void stop();
    /// Starts it again on the same port and data.
    void start();
    bool running() const { return pid_ > 0; }

  private:
    std::string url_of(const std::string& database) const;
    void run_as_owner(const std::vector<std::string>& argv) const;

    std::filesystem::path dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace vial::testing
