// Graceful shutdown: in-process stop(), and SIGTERM to the showcase binary.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "server_fixture.hpp"

namespace vial::testing {
namespace {

class Shutdown : public ServerTest {};

TEST_F(Shutdown, StopFinishesInFlightRequestsAndClosesIdleOnes) {
    start();
    RawClient idle(port());
    idle.send("GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_EQ(idle.read_response().status, 200);

    RawClient busy(port());
    busy.send("GET /slow?ms=300 HTTP/1.1\r\nHost: t\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::thread stopper([&] { server().stop(); });
    auto r = busy.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ok");
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_TRUE(idle.wait_closed());
    stopper.join();
    EXPECT_THROW(RawClient{port()}, std::runtime_error);  // no longer accepting
}

// Runs the showcase as a child process; returns its pid and the port it printed.
std::pair<pid_t, int> spawn_showcase() {
    int pipefd[2];
    if (pipe(pipefd) != 0) throw std::runtime_error("pipe");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        execl(VIAL_SHOWCASE_PATH, VIAL_SHOWCASE_PATH, "run", "--port", "0", "--threads", "1",
              nullptr);
        _exit(127);
    }
    close(pipefd[1]);
    std::string output;
    const std::string marker = "http://127.0.0.1:";
    char chunk[512];
    // Wait for the startup line, "... on http://127.0.0.1:PORT with 1 thread".
    while (output.find(marker) == std::string::npos || output.find(" with ") == std::string::npos) {
        ssize_t n = read(pipefd[0], chunk, sizeof chunk);
        if (n <= 0) throw std::runtime_error("showcase did not start: " + output);
        output.append(chunk, static_cast<std::size_t>(n));
    }
    // Keep draining stderr in the background so the child never blocks on a full pipe.
    std::thread([fd = pipefd[0]] {
        char sink[512];
        while (read(fd, sink, sizeof sink) > 0) {
        }
        close(fd);
    }).detach();
    return {pid, std::stoi(output.substr(output.find(marker) + marker.size()))};
}

TEST(ShutdownSignal, SigtermDrainsInFlightRequestsAndExitsZero) {
    auto [pid, port] = spawn_showcase();
    RawClient busy(static_cast<std::uint16_t>(port));
    busy.send("GET /slow?ms=400 HTTP/1.1\r\nHost: t\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(kill(pid, SIGTERM), 0);
    auto r = busy.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ok");
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace vial::testing
