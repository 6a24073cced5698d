#include "nginx.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/raw_client.hpp"
#include "upstream.hpp"

namespace vial::testing {

namespace {

void run(const std::string& command) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
        throw std::runtime_error("test fixture command failed: " + command);
}

std::string find_nginx() {
    for (const char* path : {"/usr/sbin/nginx", "/usr/bin/nginx"}) {
        if (::access(path, X_OK) == 0) return path;
    }
    throw std::runtime_error("nginx is not installed (scripts/install-deps.sh installs it)");
}

}  // namespace

Nginx::Nginx() {
    std::string binary = find_nginx();
    dir_ = std::filesystem::temp_directory_path() /
           ("vial-nginx-" + std::to_string(::getpid()) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir_ / "static");
    std::string d = dir_.string();
    // A CA, and a server certificate it signs for localhost and 127.0.0.1 (EC: fast).
    std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("openssl req -x509 " + ec + " -keyout " + d + "/ca.key -out " + d +
        "/ca.pem -days 2 -subj /CN=vial-test-ca");
    run("openssl req " + ec + " -keyout " + d + "/server.key -out " + d +
        "/server.csr -subj /CN=localhost");
    std::ofstream(dir_ / "san.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    run("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
        "/ca.key -CAcreateserial -out " + d + "/server.pem -days 2 -extfile " + d + "/san.ext");
    // And a client certificate the same CA signs, for mutual TLS.
    run("openssl req " + ec + " -keyout " + d + "/client.key -out " + d +
        "/client.csr -subj /CN=vial-test-client");
    run("openssl x509 -req -in " + d + "/client.csr -CA " + d + "/ca.pem -CAkey " + d +
        "/ca.key -CAcreateserial -out " + d + "/client.pem -days 2");

    for (int line = 0; big_text_.size() < 200 * 1024; ++line)
        big_text_ += "line " + std::to_string(line) + ": the quick brown fox jumps over vial\n";
    std::ofstream(dir_ / "static" / "big.txt", std::ios::binary) << big_text_;

    tls_port_ = closed_port();
    plain_port_ = closed_port();
    mutual_port_ = closed_port();
    std::ofstream(dir_ / "nginx.conf")
        << "daemon off;\nmaster_process off;\nerror_log " << d << "/error.log warn;\npid " << d
        << "/nginx.pid;\nevents { worker_connections 512; }\nhttp {\n"
        << "  log_format conn '$connection $server_protocol $request_uri';\n"
        << "  access_log " << d << "/access.log conn;\n"
        << "  client_body_temp_path " << d << "/body;\n  proxy_temp_path " << d << "/proxy;\n"
        << "  fastcgi_temp_path " << d << "/fastcgi;\n  uwsgi_temp_path " << d << "/uwsgi;\n"
        << "  scgi_temp_path " << d << "/scgi;\n"
        << "  gzip on;\n  gzip_types text/plain application/json;\n  gzip_min_length 64;\n"
        << "  types { text/plain txt; }\n"
        << "  server {\n"
        << "    listen 127.0.0.1:" << tls_port_ << " ssl http2;\n"
        << "    listen 127.0.0.1:" << plain_port_ << ";\n"
        << "    ssl_certificate " << d << "/server.pem;\n"
        << "    ssl_certificate_key " << d << "/server.key;\n"
        << "    location = /hello { default_type text/plain; return 200 'hello from nginx'; }\n"
        << "    location = /probe { return 204; }\n"
        << "    location /static/ { alias " << d << "/static/; }\n"
        << "  }\n"
        << "  server {\n"
        << "    listen 127.0.0.1:" << mutual_port_ << " ssl;\n"
        << "    ssl_certificate " << d << "/server.pem;\n"
        << "    ssl_certificate_key " << d << "/server.key;\n"
        << "    ssl_client_certificate " << d << "/ca.pem;\n"
        << "    ssl_verify_client on;\n"
        << "    location = /whoami { default_type text/plain; return 200 $ssl_client_s_dn; }\n"
        << "  }\n}\n";

    pid_ = ::fork();
    if (pid_ == 0) {
        ::execl(binary.c_str(), binary.c_str(), "-p", d.c_str(), "-c", (d + "/nginx.conf").c_str(),
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    bool up = eventually(
        [&] {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return true;  // exited: reported below
            }
            try {
                return roundtrip(plain_port_,
                                 "GET /probe HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                           .status == 204;
            } catch (const std::exception&) {
                return false;  // not listening yet
            }
        },
        std::chrono::seconds(10));
    if (!up || pid_ < 0) {
        std::ifstream log(dir_ / "error.log");
        std::stringstream text;
        text << log.rdbuf();
        stop();
        throw std::runtime_error("nginx did not start: " + text.str());
    }
}

Nginx::~Nginx() {
    stop();
}

void Nginx::stop() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string Nginx::https(const std::string& path) const {
    return "https://localhost:" + std::to_string(tls_port_) + path;
}

std::string Nginx::mutual_tls(const std::string& path) const {
    return "https://localhost:" + std::to_string(mutual_port_) + path;
}

std::string Nginx::http(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(plain_port_) + path;
}

int Nginx::connections_seen() const {
    std::ifstream log(dir_ / "access.log");
    std::set<std::string> seen;
    for (std::string line; std::getline(log, line);) {
        if (line.find("/probe") == std::string::npos) seen.insert(line.substr(0, line.find(' ')));
    }
    return static_cast<int>(seen.size());
}

}  // namespace vial::testing
