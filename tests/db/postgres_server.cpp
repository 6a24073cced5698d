#include "postgres_server.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace vial::testing {

namespace {

std::filesystem::path bin_dir() {
    for (const char* dir : {"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin"}) {
        if (std::filesystem::exists(std::filesystem::path(dir) / "postgres")) return dir;
    }
    throw std::runtime_error(
        "PostgreSQL's server is not installed (apt-get install postgresql-15)");
}

std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

// The user the server runs as: ourselves, or `postgres` when we are root.
const passwd* owner() {
    if (::geteuid() != 0) return nullptr;
    const passwd* user = ::getpwnam("postgres");
    if (!user) throw std::runtime_error("running as root and no `postgres` user exists");
    return user;
}

// In a child: drop to the owner, send output to `log`, and exec argv.
[[noreturn]] void exec_as_owner(const std::vector<std::string>& argv, const std::string& log) {
    if (const passwd* user = owner()) {
        if (::setgid(user->pw_gid) != 0 || ::setuid(user->pw_uid) != 0) ::_exit(126);
    }
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out >= 0) {
        ::dup2(out, 1);
        ::dup2(out, 2);
    }
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
}

}  // namespace

void PostgresServer::run_as_owner(const std::vector<std::string>& argv) const {
    pid_t child = ::fork();
    if (child == 0) exec_as_owner(argv, (dir_ / "setup.log").string());
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error(argv[0] + " failed; see " + (dir_ / "setup.log").string());
}

PostgresServer::PostgresServer() {
    char pattern[] = "/tmp/vial-pg-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    if (const passwd* user = owner()) {
        if (::chown(dir_.c_str(), user->pw_uid, user->pw_gid) != 0)
            throw std::runtime_error("cannot give " + dir_.string() + " to postgres");
    }
    run_as_owner({(bin_dir() / "initdb").string(), "-D", (dir_ / "data").string(), "-U", "vial",
                  "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"});
    {
        std::ofstream hba(dir_ / "data" / "pg_hba.conf");
        hba << "local all all trust\n"
               "host all secret 127.0.0.1/32 scram-sha-256\n"
               "host all all 127.0.0.1/32 trust\n";
    }
    port_ = free_port();
    start();
    admin("CREATE DATABASE vial", "postgres");
    admin("CREATE ROLE secret LOGIN PASSWORD 'right-password'");
}

PostgresServer::~PostgresServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

void PostgresServer::start() {
    if (pid_ > 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
        exec_as_owner(
            {(bin_dir() / "postgres").string(), "-D", (dir_ / "data").string(), "-p",
             std::to_string(port_), "-k", dir_.string(), "-c", "listen_addresses=127.0.0.1", "-c",
             "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
             "max_connections=200"},
            (dir_ / "server.log").string());
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string probe = url_of("postgres");
    while (PQping(probe.c_str()) != PQPING_OK) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("postgres exited; see " + (dir_ / "server.log").string());
        }
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("postgres did not start in 30 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void PostgresServer::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGINT);  // fast shutdown: sessions are ended, then the server exits
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::string PostgresServer::url_of(const std::string& database) const {
    return "postgresql://vial@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::url(const std::string& query) const {
    return url_of("vial") + query;
}

std::string PostgresServer::admin(const std::string& sql, const std::string& database) const {
    PGconn* conn = PQconnectdb(url_of(database).c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string why = PQerrorMessage(conn);
        PQfinish(conn);
        throw std::runtime_error("admin connection failed: " + why);
    }
    PGresult* result = PQexec(conn, sql.c_str());
    ExecStatusType status = PQresultStatus(result);
    std::string value;
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) value = PQgetvalue(result, 0, 0);
    std::string why = PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(conn);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        throw std::runtime_error("admin SQL failed: " + why);
    return value;
}

}  // namespace vial::testing
