#include "dev_loop.hpp"

#include <vial/error.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vial::detail {

namespace {

using Clock = std::chrono::steady_clock;

void say(const std::string& line) {
    std::cerr << "[vial dev] " << line << std::endl;
}

// The socket every generation accepts on; inherited across exec (no CLOEXEC).
int open_listener(const DevLoopOptions& o) {
    bool v6 = o.host.find(':') != std::string::npos;
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw Error(std::string("dev: socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage address{};
    socklen_t size;
    std::string host = o.host == "localhost" ? "127.0.0.1" : o.host;
    int parsed;
    if (v6) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&address);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(o.port);
        parsed = ::inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr);
        size = sizeof *in6;
    } else {
        auto* in4 = reinterpret_cast<sockaddr_in*>(&address);
        in4->sin_family = AF_INET;
        in4->sin_port = htons(o.port);
        parsed = ::inet_pton(AF_INET, host.c_str(), &in4->sin_addr);
        size = sizeof *in4;
    }
    if (parsed != 1) {
        ::close(fd);
        throw Error("dev: invalid host address '" + o.host + "'");
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(fd, std::max(o.backlog, 128)) != 0) {
        int error = errno;
        ::close(fd);
        throw Error("dev: cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " +
                    std::strerror(error));
    }
    return fd;
}

unsigned short bound_port(int fd) {
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    if (address.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

bool skipped_name(std::string_view name) {
    return name.empty() || name.front() == '.' || name.back() == '~' || name.starts_with("build") ||
           name.ends_with(".swp") || name.ends_with(".tmp");
}

// Watches `dir` and, recursively, its subdirectories.
void watch_tree(int inotify, const std::string& dir, std::unordered_map<int, std::string>& dirs) {
    constexpr std::uint32_t kEvents =
        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ONLYDIR;
    int wd = ::inotify_add_watch(inotify, dir.c_str(), kEvents);
    if (wd < 0) throw Error("dev: cannot watch '" + dir + "': " + std::strerror(errno));
    dirs[wd] = dir;
    DIR* handle = ::opendir(dir.c_str());
    if (!handle) return;
    while (dirent* entry = ::readdir(handle)) {
        std::string_view name = entry->d_name;
        if (skipped_name(name)) continue;
        std::string path = dir + "/" + std::string(name);
        struct stat info {};
        if (::lstat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
            watch_tree(inotify, path, dirs);
    }
    ::closedir(handle);
}

// Reads pending events; the first changed path (empty if only skipped names changed).
std::string read_changes(int inotify, std::unordered_map<int, std::string>& dirs) {
    alignas(inotify_event) char buffer[16 * 1024];
    std::string changed;
    for (;;) {
        ssize_t n = ::read(inotify, buffer, sizeof buffer);
        if (n <= 0) break;
        for (char* at = buffer; at < buffer + n;) {
            auto* event = reinterpret_cast<inotify_event*>(at);
            at += sizeof(inotify_event) + event->len;
            std::string_view name = event->len ? std::string_view(event->name) : "";
            if (skipped_name(name)) continue;
            std::string path = dirs[event->wd] + "/" + std::string(name);
            if ((event->mask & IN_ISDIR) && (event->mask & (IN_CREATE | IN_MOVED_TO))) {
                try {
                    watch_tree(inotify, path, dirs);
                } catch (const Error&) {
                }
            }
            if (changed.empty()) changed = path;
        }
    }
    return changed;
}

enum class BuildOutcome { succeeded, failed, interrupted };

// What to show of a failed build: the first line a compiler or linker marks as an error (a linker's
// own lines, "undefined reference" or "multiple definition", come before its "collect2: error"),
// else the output's last lines.
std::string first_error(const std::string& output) {
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start < output.size();) {
        std::size_t end = output.find('\n', start);
        if (end == std::string::npos) end = output.size();
        lines.emplace_back(output.data() + start, end - start);
        start = end + 1;
    }
    for (std::string_view line : lines) {
        // "error:" with its colon: a progress line naming error_page.cpp is no error.
        if (line.find("error:") != std::string_view::npos ||
            line.find("Error:") != std::string_view::npos || line.starts_with("CMake Error") ||
            line.find("undefined reference") != std::string_view::npos ||
            line.find("multiple definition") != std::string_view::npos) {
            return std::string(line);
        }
    }
    std::string tail;
    for (std::size_t i = lines.size() > 10 ? lines.size() - 10 : 0; i < lines.size(); ++i)
        tail += "\n  " + std::string(lines[i]);
    return tail;
}

// Runs the build through the shell, in its own process group. A SIGINT or SIGTERM meanwhile
// ends it at once (and the loop); SIGCHLD from an app generation is left to the caller.
BuildOutcome build(const std::string& command, int signal_fd, bool& children_changed) {
    say("building: " + command);
    auto started = Clock::now();
    std::string output;
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error("dev: pipe failed");
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::dup2(pipe_fds[1], 1);
        ::dup2(pipe_fds[1], 2);
        ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::setpgid(pid, pid);
    ::close(pipe_fds[1]);
    bool interrupted = false;
    for (bool open = true; open && !interrupted;) {
        pollfd fds[2] = {{pipe_fds[0], POLLIN, 0}, {signal_fd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
        if (fds[1].revents & POLLIN) {
            signalfd_siginfo info{};
            while (::read(signal_fd, &info, sizeof info) == sizeof info) {
                if (info.ssi_signo == SIGCHLD) {
                    children_changed = true;
                } else {
                    interrupted = true;
                }
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            char chunk[4096];
            ssize_t n = ::read(pipe_fds[0], chunk, sizeof chunk);
            if (n > 0) {
                output.append(chunk, std::size_t(n));
            } else {
                open = false;
            }
        }
    }
    ::close(pipe_fds[0]);
    if (interrupted) ::kill(-pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (interrupted) return BuildOutcome::interrupted;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        say("build succeeded in " + std::to_string(ms) + " ms");
        return BuildOutcome::succeeded;
    }
    std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "killed by signal " + std::to_string(WTERMSIG(status));
    say("build failed (" + how + "; the running app keeps serving): " + first_error(output));
    return BuildOutcome::failed;
}

// Starts the app on the listener; waits until it says it serves (a byte on the ready
// pipe) or fails. -1 when it did not come up.
pid_t start_generation(const DevLoopOptions& o, int listener, int timeout_ms) {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) throw Error("dev: pipe failed");
    std::vector<std::string> args{o.executable};
    args.insert(args.end(), o.global_args.begin(), o.global_args.end());
    args.emplace_back("run");
    args.insert(args.end(), o.run_args.begin(), o.run_args.end());
    args.emplace_back("--listen-fd=" + std::to_string(listener));
    args.emplace_back("--ready-fd=" + std::to_string(ready[1]));
    pid_t pid = ::fork();
    if (pid == 0) {
        // The write end survives exec (no CLOEXEC); the listener already does.
        ::fcntl(ready[1], F_SETFD, 0);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(o.executable.c_str(), argv.data());
        std::cerr << "[vial dev] cannot run " << o.executable << ": " << std::strerror(errno)
                  << "\n";
        ::_exit(127);
    }
    ::close(ready[1]);
    pollfd wait{ready[0], POLLIN, 0};
    int polled = ::poll(&wait, 1, timeout_ms);
    char byte = 0;
    bool up = polled == 1 && ::read(ready[0], &byte, 1) == 1;
    ::close(ready[0]);
    if (up) return pid;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return -1;
}

// Reaps generations that exited on their own; `current` becomes -1 if it was one.
void reap(pid_t& current) {
    int status;
    pid_t gone;
    while ((gone = ::waitpid(-1, &status, WNOHANG)) > 0) {
        if (gone == current) {
            say("the app (pid " + std::to_string(gone) +
                ") exited; save a file to rebuild and restart it");
            current = -1;
        }
    }
}

// Asks a generation to finish its requests and stop, and reaps it.
void retire(pid_t pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
}

}  // namespace

int run_dev_loop(const DevLoopOptions& o) {
    if (o.build.empty()) throw Error("dev needs --build CMD: the command that rebuilds the app");
    // Signals arrive through a descriptor, polled beside inotify.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &signals, nullptr);
    int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
    int listener = open_listener(o);
    int inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    std::unordered_map<int, std::string> dirs;
    for (const auto& dir : o.watch.empty() ? std::vector<std::string>{"."} : o.watch)
        watch_tree(inotify, dir, dirs);
    say("serving on http://" + o.host + ":" + std::to_string(bound_port(listener)) + ", watching " +
        std::to_string(dirs.size()) + (dirs.size() == 1 ? " directory" : " directories") +
        "; rebuilding with: " + o.build);

    pid_t current = start_generation(o, listener, o.start_timeout_ms);
    if (current < 0)
        say("the app did not start; fix it and save a file to retry");
    else
        say("started pid " + std::to_string(current));

    for (;;) {
        pollfd fds[2] = {{signal_fd, POLLIN, 0}, {inotify, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
        if (fds[0].revents & POLLIN) {
            signalfd_siginfo info{};
            bool stop = false;
            while (::read(signal_fd, &info, sizeof info) == sizeof info) {
                if (info.ssi_signo == SIGCHLD) {
                    reap(current);
                } else {
                    stop = true;
                }
            }
            if (stop) break;
        }
        if (!(fds[1].revents & POLLIN)) continue;
        std::string changed = read_changes(inotify, dirs);
        // Let a burst of writes settle.
        for (;;) {
            pollfd more{inotify, POLLIN, 0};
            if (::poll(&more, 1, o.debounce_ms) <= 0) break;
            std::string also = read_changes(inotify, dirs);
            if (changed.empty()) changed = also;
        }
        if (changed.empty()) continue;
        say("changed: " + changed);
        bool children_changed = false;
        BuildOutcome outcome = build(o.build, signal_fd, children_changed);
        if (children_changed) reap(current);
        if (outcome == BuildOutcome::interrupted) break;
        if (outcome == BuildOutcome::failed) continue;
        pid_t next = start_generation(o, listener, o.start_timeout_ms);
        if (next < 0) {
            say("the new build did not start serving; the running app keeps serving");
            continue;
        }
        say("restarted: pid " + std::to_string(next) +
            (current > 0 ? " replaces " + std::to_string(current) : std::string()));
        // The old generation stops accepting and finishes its requests; connections
        // queued on the shared socket meanwhile go to the new one.
        pid_t old = current;
        current = next;
        retire(old);
    }
    say("stopping");
    retire(current);
    ::close(listener);
    ::close(inotify);
    ::close(signal_fd);
    return 0;
}

}  // namespace vial::detail
