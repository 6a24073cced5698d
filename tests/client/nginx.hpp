#pragma once
// An nginx for the client's TLS, HTTP/2 and compression tests, started by the test on
// free ports in a temporary directory, with a CA and a server certificate (localhost,
// 127.0.0.1) made by the openssl command, and stopped by PID.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace vial::testing {

class Nginx {
  public:
    Nginx();
    ~Nginx();
    Nginx(const Nginx&) = delete;
    Nginx& operator=(const Nginx&) = delete;

    /// https://localhost:port + path (TLS; HTTP/2 offered by ALPN).
    std::string https(const std::string& path) const;
    /// https://localhost:port + path on a server that requires a client certificate
    /// signed by ca_file() (client_cert_file() / client_key_file() are one).
    std::string mutual_tls(const std::string& path) const;
    std::string client_cert_file() const { return (dir_ / "client.pem").string(); }
    std::string client_key_file() const { return (dir_ / "client.key").string(); }
    /// http://127.0.0.1:port + path.
    std::string http(const std::string& path) const;
    /// The CA that signed the server's certificate (PEM).
    std::string ca_file() const { return (dir_ / "ca.pem").string(); }
    /// 200 KiB of text served as /static/big.txt (gzip-compressible).
    const std::string& big_text() const { return big_text_; }
    /// Distinct connections that carried requests so far (the access log has $connection;
    /// the fixture's own start-up probes are left out).
    int connections_seen() const;

  private:
    void stop();

    std::filesystem::path dir_;
    std::uint16_t tls_port_ = 0;
    std::uint16_t plain_port_ = 0;
    std::uint16_t mutual_port_ = 0;
    std::string big_text_;
    pid_t pid_ = -1;
};

}  // namespace vial::testing
