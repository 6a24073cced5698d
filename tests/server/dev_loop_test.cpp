// `app dev`, run as a user would: the showcase binary supervising itself while requests
// keep arriving on fresh connections. The "build" is a shell script the test rewrites:
// it succeeds (a restart must refuse no request) or fails like a compiler (the old
// process must keep serving and the first error must be shown).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "support/raw_client.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using vial::testing::eventually;

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

class DevLoop : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("vial_dev_" + std::to_string(::getpid()));
        fs::create_directories(dir_ / "src");
        write_build("exit 0");
        log_ = dir_ / "dev.log";
        supervisor_ = ::fork();
        if (supervisor_ == 0) {
            std::string build = "sh " + (dir_ / "build.sh").string();
            std::string watch = (dir_ / "src").string();
            std::string out = log_.string();
            std::FILE* f = std::freopen(out.c_str(), "w", stderr);
            (void)f;
            ::dup2(2, 1);
            ::execl(VIAL_SHOWCASE_PATH, VIAL_SHOWCASE_PATH, "dev", "--port", "0", "--threads", "1",
                    "--quiet", "--watch", watch.c_str(), "--build", build.c_str(),
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ASSERT_TRUE(eventually(
            [&] { return read_file(log_).find("started pid") != std::string::npos; }, 20s))
            << read_file(log_);
        std::smatch match;
        std::string text = read_file(log_);
        ASSERT_TRUE(
            std::regex_search(text, match, std::regex("serving on http://127.0.0.1:(\\d+)")));
        port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
    }

    void TearDown() override {
        if (supervisor_ > 0) {
            ::kill(supervisor_, SIGTERM);
            int status = 0;
            ::waitpid(supervisor_, &status, 0);
        }
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    void write_build(const std::string& script) {
        std::ofstream(dir_ / "build.sh") << script << "\n";
    }
    void edit_source(const std::string& name) {
        std::ofstream(dir_ / "src" / name) << "// edited " << ++edits_ << "\n";
    }
    std::string log() const { return read_file(log_); }

    fs::path dir_;
    fs::path log_;
    pid_t supervisor_ = -1;
    std::uint16_t port_ = 0;
    int edits_ = 0;
};

// A client that keeps sending requests, each on a fresh connection, and counts what
// did not get its 200.
struct Load {
    explicit Load(std::uint16_t port) : port(port), thread([this] { run(); }) {}
    ~Load() { stop(); }
    void stop() {
        done = true;
        if (thread.joinable()) thread.join();
    }
    void run() {
        while (!done) {
            try {
                auto r = vial::testing::roundtrip(
                    port, "GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
                if (r.status == 200 && r.body == "Hello, World!") {
                    ++ok;
                } else {
                    ++failed;
                }
            } catch (const std::exception&) {
                ++failed;
            }
        }
    }
    std::uint16_t port;
    std::atomic<bool> done{false};
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
    std::thread thread;
};

TEST_F(DevLoop, RestartsOnEveryChangeWithoutRefusingARequest) {
    Load load(port_);
    for (int restart = 1; restart <= 3; ++restart) {
        int before = load.ok;
        edit_source("views.cpp");
        ASSERT_TRUE(eventually(
            [&] { return count_of(log(), "restarted: pid") == std::size_t(restart); }, 20s))
            << log();
        // Requests went on being answered across the hand-over.
        ASSERT_TRUE(eventually([&] { return load.ok > before + 20; }, 10s));
    }
    load.stop();
    EXPECT_EQ(load.failed, 0) << "of " << load.ok + load.failed << " requests\n" << log();
    EXPECT_GT(load.ok, 60);
    // Each restart replaced the previous process.
    EXPECT_EQ(count_of(log(), " replaces "), 3u) << log();
}

TEST_F(DevLoop, AFailedBuildKeepsTheOldProcessServingAndShowsTheFirstError) {
    write_build(
        "echo '[1/2] Building CXX object src/error_page.cpp.o'\n"
        "echo 'src/views.cpp:12:5: error: expected \";\" before \"}\" token' >&2\n"
        "echo 'src/views.cpp:20:1: error: a second error' >&2\n"
        "exit 1");
    Load load(port_);
    edit_source("views.cpp");
    ASSERT_TRUE(eventually([&] { return log().find("build failed") != std::string::npos; }, 20s))
        << log();
    std::string text = log();
    EXPECT_NE(text.find("build failed (exit status 1; the running app keeps serving): "
                        "src/views.cpp:12:5: error: expected \";\" before \"}\" token"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("a second error"), std::string::npos);
    EXPECT_EQ(count_of(text, "restarted: pid"), 0u);
    int before = load.ok;
    ASSERT_TRUE(eventually([&] { return load.ok > before + 20; }, 10s));
    // Fixed: the next change restarts.
    write_build("exit 0");
    edit_source("views.cpp");
    ASSERT_TRUE(eventually([&] { return count_of(log(), "restarted: pid") == 1; }, 20s)) << log();
    load.stop();
    EXPECT_EQ(load.failed, 0) << log();
}

TEST_F(DevLoop, ALinkErrorShowsTheUndefinedSymbolNotJustTheLinkersExitStatus) {
    write_build(
        "echo '/usr/bin/ld: app.o: in function `main:' >&2\n"
        "echo 'app.cpp:(.text+0x5): undefined reference to `missing()' >&2\n"
        "echo 'collect2: error: ld returned 1 exit status' >&2\n"
        "exit 1");
    edit_source("views.cpp");
    ASSERT_TRUE(eventually([&] { return log().find("build failed") != std::string::npos; }, 20s))
        << log();
    EXPECT_NE(log().find("keeps serving): app.cpp:(.text+0x5): undefined reference to `missing()"),
              std::string::npos)
        << log();
}

TEST_F(DevLoop, SigtermDuringABuildStopsAtOnce) {
    write_build("sleep 30");
    edit_source("views.cpp");
    ASSERT_TRUE(eventually([&] { return log().find("building:") != std::string::npos; }, 20s));
    auto asked = std::chrono::steady_clock::now();
    ASSERT_EQ(::kill(supervisor_, SIGTERM), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(supervisor_, &status, 0), supervisor_);
    supervisor_ = -1;
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
    EXPECT_EQ(log().find("build failed"), std::string::npos) << log();
}

TEST_F(DevLoop, StopsItsAppOnSigterm) {
    std::string text = log();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(text, match, std::regex("started pid (\\d+)")));
    pid_t app = std::stoi(match[1]);
    ASSERT_EQ(::kill(supervisor_, SIGTERM), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(supervisor_, &status, 0), supervisor_);
    supervisor_ = -1;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    // The app is gone and the port no longer accepts.
    EXPECT_TRUE(eventually([&] { return ::kill(app, 0) != 0; }, 5s));
    EXPECT_THROW(vial::testing::RawClient client(port_), std::exception);
}

}  // namespace
